/**
 * Runs work in one InnoDB transaction on one pooled connection: commit on success, rollback on
 * any error, and the connection always goes back (or, if the rollback itself failed, is closed).
 *
 * A deadlock makes InnoDB roll the whole transaction back, so running it again from the start is
 * the documented remedy: `fn` is retried a few times. `fn` may therefore run more than once and
 * must not have side effects outside the transaction.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';

export interface TransactionOptions {
  /** Attempts in all, including the first (default 3). */
  readonly maxAttempts?: number;
}

const defaultMaxAttempts = 3;

export async function withTransaction<T>(
  pool: Pool,
  fn: (connection: PoolConnection) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runOnce(pool, fn);
    } catch (error) {
      if (!isDeadlock(error) || attempt >= maxAttempts) throw error;
      await sleep(backoffMs(attempt));
    }
  }
}

async function runOnce<T>(pool: Pool, fn: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await pool.getConnection();
  let reusable = true;
  try {
    await connection.beginTransaction();
    const result = await fn(connection);
    await connection.commit();
    return result;
  } catch (error) {
    try {
      await connection.rollback();
    } catch {
      // The session's state is unknown (e.g. the connection broke): never hand it out again.
      reusable = false;
    }
    throw error;
  } finally {
    if (reusable) connection.release();
    else connection.destroy();
  }
}

/** ER_LOCK_DEADLOCK (1213): InnoDB chose this transaction as the victim and rolled it back. */
export function isDeadlock(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === 'ER_LOCK_DEADLOCK' || errno === 1213;
}

/** 20 ms, 40 ms, ... with jitter, so the two sides of a deadlock don't collide again. */
function backoffMs(attempt: number): number {
  return 20 * 2 ** (attempt - 1) * (0.5 + Math.random());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
