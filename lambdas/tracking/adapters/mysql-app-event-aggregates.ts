import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { applyExactlyOnce } from '../../platform/sql/consumer-offsets';
import { type FirstInsertTable, firstInserts, keyOf } from '../../platform/sql/first-inserts';
import { keyText } from '../../platform/sql/key-text';
import {
  type AppEventAggregateStore,
  type AppEventCountResult,
  type AppEventMinuteCount,
  type CountableAppEvent,
  compareText,
  eventKey,
  minuteIncrements,
} from '../domain/app-event-aggregates';

/** Rows per INSERT / IN list: keeps each statement well under max_allowed_packet. */
const CHUNK = 1000;

/**
 * `AppEventAggregateStore` over `app_event_minutes` and `app_event_ids` (migration 0004), inside
 * `applyExactlyOnce`: the id dedupe, the increments and the consumer offsets commit together.
 * App ids, types and event ids are VARBINARY (migration 0006): compared byte for byte, as in
 * memory, so ids or types differing only in trailing spaces are different keys.
 *
 * Which ids are new: `firstInserts` (platform/sql/first-inserts.ts) on `app_event_ids`.
 */
export class MySqlAppEventAggregates implements AppEventAggregateStore {
  constructor(private readonly pool: Pool) {}

  async count(consumerGroup: string, events: readonly CountableAppEvent[]): Promise<AppEventCountResult> {
    let duplicates = 0;
    const result = await applyExactlyOnce(this.pool, consumerGroup, events, async (conn, fresh) => {
      const firstCopies = await newEvents(conn, fresh);
      // applyExactlyOnce may run this again after a deadlock: the last run is the committed one.
      duplicates = fresh.length - firstCopies.length;
      const increments = minuteIncrements(firstCopies);
      for (let i = 0; i < increments.length; i += CHUNK) {
        await conn.query(
          `INSERT INTO app_event_minutes (app_id, type, minute_ms, count) VALUES ?
           ON DUPLICATE KEY UPDATE count = count + VALUES(count)`,
          [increments.slice(i, i + CHUNK).map((m) => [m.appId, m.type, m.minuteMs, m.count])],
        );
      }
    });
    return { ...result, duplicates };
  }

  async minuteCounts(appId: string, fromMs: number, toMs: number): Promise<AppEventMinuteCount[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT type, minute_ms, count FROM app_event_minutes
       WHERE app_id = ? AND minute_ms >= ? AND minute_ms < ? ORDER BY type, minute_ms`,
      [appId, fromMs, toMs],
    );
    return rows.map((r) => ({ appId, type: keyText(r.type), minuteMs: Number(r.minute_ms), count: Number(r.count) }));
  }

  async forgetEventIdsBefore(cutoffMs: number, limit: number): Promise<number> {
    const [result] = await this.pool.query('DELETE FROM app_event_ids WHERE received_ms < ? LIMIT ?', [cutoffMs, limit]);
    return (result as { affectedRows: number }).affectedRows;
  }
}

const appEventIds: FirstInsertTable = {
  table: 'app_event_ids',
  keyColumns: ['app_id', 'event_id'],
  valueColumns: ['received_ms'],
  tokenColumn: 'first_token',
};

/** The events of `fresh` whose (app, event_id) no earlier transaction or earlier record has counted. */
async function newEvents(conn: PoolConnection, fresh: readonly CountableAppEvent[]): Promise<CountableAppEvent[]> {
  const firstByKey = new Map<string, CountableAppEvent>();
  for (const event of fresh) if (!firstByKey.has(eventKey(event))) firstByKey.set(eventKey(event), event);
  // Key order, so concurrent batches lock shared ids in the same order.
  const ids = [...firstByKey.values()].sort((a, b) => compareText(a.appId, b.appId) || compareText(a.eventId, b.eventId));
  const rows = ids.map((e) => ({ key: [e.appId, e.eventId], values: [e.receivedAtMs] }));
  const inserted = await firstInserts(conn, appEventIds, rows);
  return ids.filter((event) => inserted.has(keyOf([event.appId, event.eventId])));
}
