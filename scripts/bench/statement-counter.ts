import type { Pool, PoolConnection } from 'mysql2/promise';

/**
 * Counts the SQL round trips made through a pool (its `query`/`execute`, the connections it hands
 * out, and their transaction statements), to show where a consumer's time goes. Benchmark-only
 * instrumentation: it wraps the methods of this one pool object, nothing else.
 */
export class StatementCounter {
  count = 0;
  private readonly wrapped = new WeakSet<object>();

  constructor(pool: Pool) {
    this.wrap(pool, ['query', 'execute']);
    const getConnection = pool.getConnection.bind(pool);
    pool.getConnection = async () => {
      const connection = await getConnection();
      this.wrap(connection, ['query', 'execute', 'beginTransaction', 'commit', 'rollback']);
      return connection;
    };
  }

  private wrap(target: Pool | PoolConnection, methods: readonly string[]): void {
    if (this.wrapped.has(target)) return;
    this.wrapped.add(target);
    const object = target as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of methods) {
      const original = object[name].bind(target);
      object[name] = (...args: unknown[]) => {
        this.count++;
        return original(...args);
      };
    }
  }
}
