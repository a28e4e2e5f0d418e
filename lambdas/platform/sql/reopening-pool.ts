import type { Pool } from 'mysql2/promise';

/** MySQL's ER_ACCESS_DENIED_ERROR: the password a new connection used is no longer valid. */
const ACCESS_DENIED = 1045;

const RETRIED = new Set<PropertyKey>(['query', 'execute', 'getConnection']);

/**
 * A pool that survives a password rotation. Connections already open stay authenticated, but a
 * new one made with the old password is refused (1045): then the pool is opened again with
 * freshly read credentials (`open`), the call is retried once on it, and the old pool is ended.
 * Callers keep the same object throughout (stores hold it for the container's life).
 */
export function reopeningOnAccessDenied(first: Pool, open: () => Promise<Pool>): Pool {
  let current = first;
  let reopening: Promise<void> | undefined;
  const reopen = (): Promise<void> => {
    reopening ??= open().then(
      (fresh) => {
        const old = current;
        current = fresh;
        reopening = undefined;
        void old.end().catch(() => undefined);
      },
      (error) => {
        reopening = undefined;
        throw error;
      },
    );
    return reopening;
  };
  const retried =
    (method: 'query' | 'execute' | 'getConnection') =>
    async (...args: unknown[]): Promise<unknown> => {
      const call = () => (current[method] as (...a: unknown[]) => Promise<unknown>).apply(current, args);
      try {
        return await call();
      } catch (error) {
        if ((error as { errno?: number }).errno !== ACCESS_DENIED) throw error;
        await reopen();
        return call();
      }
    };
  return new Proxy(first, {
    get(_target, property) {
      if (RETRIED.has(property)) return retried(property as 'query' | 'execute' | 'getConnection');
      const value = Reflect.get(current, property, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}
