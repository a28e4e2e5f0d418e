/**
 * At-most-once application of an event's identity, per sink.
 *
 * Offsets stored with the writes (consumer-offsets.ts) make a Kafka redelivery harmless, but a
 * client that resends a request it got no answer to (or a 503 for, while the first copy still
 * landed) puts a second record, at another offset, on the log. Such copies carry the same
 * identity (a user tag: the sha-256 of its exact body; see docs/ARCHITECTURE.md), so a sink
 * whose writes are increments records the identities it applied, in table `applied_identities`
 * (tracking migration 0007), in the SAME transaction as its increments: only identities newly
 * inserted there count. Rows are kept for `APPLIED_IDENTITY_WINDOW_MS` after their first
 * application and then purged by the retention job, so a copy resent within the window is
 * never applied twice.
 *
 * Which identities are new: `firstInserts` (first-inserts.ts), identities in sorted order so
 * concurrent batches lock shared rows in one order.
 *
 * `InMemoryAppliedIdentities` is the same contract for the embedded stores.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import { type FirstInsertTable, firstInserts, keyOf } from './first-inserts';

/** How long an applied identity is remembered (at least 15 minutes are promised; an hour is kept). */
export const APPLIED_IDENTITY_WINDOW_MS = 60 * 60 * 1000;

/** Longest identity a sink may record (VARBINARY(255) in the table). */
export const MAX_IDENTITY_BYTES = 255;

const appliedIdentities: FirstInsertTable = {
  table: 'applied_identities',
  keyColumns: ['sink', 'identity'],
  valueColumns: ['applied_ms'],
  tokenColumn: 'first_token',
};

function checkIdentity(identity: string): void {
  if (identity.length === 0 || Buffer.byteLength(identity) > MAX_IDENTITY_BYTES) {
    throw new Error(`an identity must be 1-${MAX_IDENTITY_BYTES} bytes`);
  }
}

/**
 * The items of `items`, in order, whose identity `sink` had not applied yet; an identity repeated
 * inside `items` counts at its first item. Items without an identity (`undefined`) always count.
 * Records the new identities through `conn`, so they commit (or roll back) with the caller's
 * writes.
 */
export async function firstApplications<T>(
  conn: PoolConnection,
  sink: string,
  items: readonly T[],
  identityOf: (item: T) => string | undefined,
  nowMs: number,
): Promise<T[]> {
  const identities = [...new Set(items.map(identityOf).filter((id): id is string => id !== undefined))].sort();
  if (identities.length === 0) return [...items];
  for (const identity of identities) checkIdentity(identity);
  const rows = identities.map((identity) => ({ key: [sink, identity], values: [nowMs] }));
  const inserted = await firstInserts(conn, appliedIdentities, rows);
  return keepFirst(items, identityOf, (identity) => inserted.has(keyOf([sink, identity])));
}

/** Items whose identity is new (by `isNew`), each identity at its first item only. */
function keepFirst<T>(items: readonly T[], identityOf: (item: T) => string | undefined, isNew: (id: string) => boolean): T[] {
  const taken = new Set<string>();
  return items.filter((item) => {
    const identity = identityOf(item);
    if (identity === undefined) return true;
    if (taken.has(identity) || !isNew(identity)) return false;
    taken.add(identity);
    return true;
  });
}

/**
 * Deletes identities (of every sink) first applied before `cutoffMs`, in slices so no long lock
 * holds the consumers up; stops after `maxRows`. Returns how many were deleted.
 */
export async function forgetAppliedIdentitiesBefore(pool: Pool, cutoffMs: number, maxRows = 1_000_000): Promise<number> {
  let deleted = 0;
  while (deleted < maxRows) {
    const [result] = await pool.query('DELETE FROM applied_identities WHERE applied_ms < ? LIMIT 5000', [cutoffMs]);
    const affected = (result as { affectedRows: number }).affectedRows;
    deleted += affected;
    if (affected < 5000) break;
  }
  return deleted;
}

/** The embedded equivalent: identities per sink with their first application time. */
export class InMemoryAppliedIdentities {
  private readonly bySink = new Map<string, Map<string, number>>();

  /**
   * Like `firstApplications`, synchronous, and without recording anything: call `record` with
   * the result once the caller's writes cannot fail any more (so a throw changes nothing).
   */
  firstApplications<T>(sink: string, items: readonly T[], identityOf: (item: T) => string | undefined): T[] {
    const known = this.bySink.get(sink);
    return keepFirst(items, identityOf, (identity) => {
      checkIdentity(identity);
      return !known?.has(identity);
    });
  }

  record<T>(sink: string, applied: readonly T[], identityOf: (item: T) => string | undefined, nowMs: number): void {
    let known = this.bySink.get(sink);
    if (!known) {
      known = new Map();
      this.bySink.set(sink, known);
    }
    for (const item of applied) {
      const identity = identityOf(item);
      if (identity !== undefined && !known.has(identity)) known.set(identity, nowMs);
    }
  }

  forgetBefore(cutoffMs: number): number {
    let deleted = 0;
    for (const known of this.bySink.values()) {
      for (const [identity, appliedMs] of known) {
        if (appliedMs < cutoffMs) {
          known.delete(identity);
          deleted++;
        }
      }
    }
    return deleted;
  }
}
