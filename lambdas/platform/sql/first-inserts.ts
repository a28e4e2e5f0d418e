/**
 * "Which of these keys is this transaction the first to record?" — the question behind every
 * at-most-once table (app event ids, applied identities).
 *
 * The batch inserts a row per key with a token unique to this call (`ON DUPLICATE KEY UPDATE`
 * keeps a known row, and its token, as it is) and reads back the rows of its keys that carry its
 * token: those are new. A concurrent transaction inserting the same key waits on the row lock and
 * then finds it known; no locking reads, no gap locks. Callers pass rows in one order (sorted by
 * key) so concurrent batches lock shared rows in that order. The rows commit or roll back with the
 * caller's transaction (`conn`).
 */
import { randomBytes } from 'node:crypto';
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { keyText } from './key-text';

/** A table of recorded keys: its key columns (text: VARCHAR or VARBINARY), other columns, and the token column. */
export interface FirstInsertTable {
  readonly table: string;
  readonly keyColumns: readonly string[];
  readonly valueColumns: readonly string[];
  readonly tokenColumn: string;
}

/** One row to record: the key's column values, then the other columns' values. */
export interface KeyedRow {
  readonly key: readonly string[];
  readonly values: readonly unknown[];
}

/** Rows per INSERT / IN list: keeps each statement well under max_allowed_packet. */
const CHUNK = 1000;

/** The set member of a key (`firstInserts` answers keys in this form). */
export function keyOf(key: readonly string[]): string {
  return JSON.stringify(key);
}

/**
 * Records `rows` (distinct keys) in `spec.table` through `conn`; answers the keys (`keyOf`) whose
 * row this call inserted, i.e. that no earlier (committed or lock-holding) transaction had.
 */
export async function firstInserts(
  conn: PoolConnection,
  spec: FirstInsertTable,
  rows: readonly KeyedRow[],
): Promise<Set<string>> {
  const token = randomBytes(16).toString('hex');
  const keys = spec.keyColumns.join(', ');
  const columns = [...spec.keyColumns, ...spec.valueColumns, spec.tokenColumn].join(', ');
  // The first key column is assigned to itself: a no-op update that keeps the row and its token.
  const insert = `INSERT INTO ${spec.table} (${columns}) VALUES ? ON DUPLICATE KEY UPDATE ${spec.keyColumns[0]} = ${spec.keyColumns[0]}`;
  const select = `SELECT ${keys} FROM ${spec.table} WHERE (${keys}) IN (?) AND ${spec.tokenColumn} = ?`;
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await conn.query(insert, [chunk.map((row) => [...row.key, ...row.values, token])]);
    const [found] = await conn.query<RowDataPacket[]>(select, [chunk.map((row) => [...row.key]), token]);
    for (const row of found) inserted.add(keyOf(spec.keyColumns.map((column) => keyText(row[column]))));
  }
  return inserted;
}
