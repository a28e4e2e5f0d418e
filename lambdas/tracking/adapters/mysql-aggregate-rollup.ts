/**
 * Roll-up of a MySQL minute-bucket table into its hour-bucket table, and retention of the hours.
 * Shared by the tag aggregates (`tag_minute_aggregates` → `tag_hour_aggregates`, migration 0002)
 * and the app-event counts (`app_event_minutes` → `app_event_hours`, migration 0004).
 *
 * One minute per transaction: lock the minute's rows, add them to their hour rows
 * (`INSERT ... SELECT ... ON DUPLICATE KEY UPDATE v = v + VALUES(v)`), delete them, commit. The
 * add and the delete commit together, so a rerun (or a retry after a crash) never adds a minute
 * twice, and a late tag written into an already rolled-up minute is a new row that the next run
 * adds to the same hour. Locking the rows first (`FOR UPDATE`) rather than reading them shared
 * and upgrading on the delete avoids a lock upgrade against a concurrent consumer.
 */
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { withTransaction } from '../../platform/sql/transaction';
import { hourOf } from '../domain/aggregates';
import type { MinuteRollup } from '../domain/retention';

export interface RollupTables {
  readonly minuteTable: string;
  readonly hourTable: string;
  /** The key columns shared by both tables, besides minute_ms / hour_ms. */
  readonly keyColumns: readonly string[];
  /** Additive columns (counts, sums). */
  readonly valueColumns: readonly string[];
}

export const TAG_AGGREGATE_TABLES: RollupTables = {
  minuteTable: 'tag_minute_aggregates',
  hourTable: 'tag_hour_aggregates',
  keyColumns: ['action', 'origin', 'brand_id', 'category_id'],
  valueColumns: ['count', 'sum_price'],
};

/** Created by migration 0004 (app events): `(app_id, type, minute_ms | hour_ms, count)`. */
export const APP_EVENT_TABLES: RollupTables = {
  minuteTable: 'app_event_minutes',
  hourTable: 'app_event_hours',
  keyColumns: ['app_id', 'type'],
  valueColumns: ['count'],
};

/** Rows deleted per statement when expiring hours, so no statement holds locks for long. */
const DELETE_SLICE = 5000;

const id = (name: string) => `\`${name.replace(/`/g, '``')}\``;

export class MySqlMinuteRollup implements MinuteRollup {
  constructor(
    private readonly pool: Pool,
    private readonly tables: RollupTables,
  ) {}

  async newestMinute(): Promise<number | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT MAX(minute_ms) AS newest FROM ${id(this.tables.minuteTable)}`);
    const newest = rows[0]?.newest;
    return newest === null || newest === undefined ? undefined : Number(newest);
  }

  async rollUpMinutesBefore(cutoffMs: number, maxMinutes: number): Promise<{ minutes: number; rows: number }> {
    if (maxMinutes <= 0) return { minutes: 0, rows: 0 };
    const [minuteRows] = await this.pool.query<RowDataPacket[]>(
      `SELECT DISTINCT minute_ms FROM ${id(this.tables.minuteTable)} WHERE minute_ms < ? ORDER BY minute_ms LIMIT ?`,
      [cutoffMs, maxMinutes],
    );
    let rows = 0;
    for (const { minute_ms } of minuteRows) rows += await this.rollUpMinute(Number(minute_ms));
    return { minutes: minuteRows.length, rows };
  }

  /** Adds one minute's rows to their hour and deletes them, atomically; returns how many rows. */
  private rollUpMinute(minuteMs: number): Promise<number> {
    const { minuteTable, hourTable, keyColumns, valueColumns } = this.tables;
    const keys = keyColumns.map(id).join(', ');
    const values = valueColumns.map(id).join(', ');
    // Qualified with the hour table: both tables have these columns, unqualified they'd be ambiguous.
    const sums = valueColumns.map((c) => `${id(hourTable)}.${id(c)} = ${id(hourTable)}.${id(c)} + VALUES(${id(c)})`).join(', ');
    const hourMs = hourOf(minuteMs);
    return withTransaction(this.pool, async (conn) => {
      const [locked] = await conn.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM ${id(minuteTable)} WHERE minute_ms = ? FOR UPDATE`,
        [minuteMs],
      );
      const n = Number(locked[0]?.n ?? 0);
      if (n === 0) return 0;
      await conn.query(
        `INSERT INTO ${id(hourTable)} (${keys}, hour_ms, ${values})
         SELECT ${keys}, ?, ${values} FROM ${id(minuteTable)} WHERE minute_ms = ?
         ON DUPLICATE KEY UPDATE ${sums}`,
        [hourMs, minuteMs],
      );
      await conn.query(`DELETE FROM ${id(minuteTable)} WHERE minute_ms = ?`, [minuteMs]);
      return n;
    });
  }

  async deleteHoursBefore(cutoffMs: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const [result] = await this.pool.query<ResultSetHeader>(
        `DELETE FROM ${id(this.tables.hourTable)} WHERE hour_ms < ? LIMIT ${DELETE_SLICE}`,
        [cutoffMs],
      );
      deleted += result.affectedRows;
      if (result.affectedRows < DELETE_SLICE) return deleted;
    }
  }
}
