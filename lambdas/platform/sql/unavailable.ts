import type { Pool } from 'mysql2/promise';
import { Unavailable } from '../errors';

/**
 * Failures that say "the database cannot be reached or cannot take more work right now", not
 * "this statement is wrong": refused, reset or timed-out connections, a lost connection, too many
 * connections, a lock wait that ran out. Callers retry them later.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
]);

export function isUnavailability(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
}

/** The domain's `Unavailable` for a database failure that a later retry may not meet. */
export function translated(error: unknown): unknown {
  return isUnavailability(error) ? new Unavailable('the database is unavailable, retry shortly', { cause: error }) : error;
}

const WRAPPED = new Set<PropertyKey>(['query', 'execute', 'getConnection']);

/**
 * The pool, saying "unavailable" in the domain's words: its `query`, `execute` and
 * `getConnection` reject with `Unavailable` when the server cannot be reached or is saturated
 * (a 503 with Retry-After at the HTTP edge, a batch retry for consumers); other errors pass as
 * they are. A connection already taken (a transaction) reports its own errors unchanged: the
 * transaction helper and the consumers treat any failure there as a retry.
 */
export function unavailableOnConnectionFailure(pool: Pool): Pool {
  return new Proxy(pool, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (!WRAPPED.has(property) || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (error) {
          throw translated(error);
        }
      };
    },
  });
}
