import { randomBytes } from 'node:crypto';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { applyExactlyOnce } from '../../platform/sql/consumer-offsets';
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
 * Which ids are new: the batch inserts every id with a token unique to this transaction attempt
 * (`ON DUPLICATE KEY UPDATE` keeps a known row, and its token, as it is), then reads back the
 * rows of the batch that carry its token. A concurrent batch inserting the same id waits on the
 * row lock and then finds it known; no locking reads, no gap locks.
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

/** The events of `fresh` whose (app, event_id) no earlier transaction or earlier record has counted. */
async function newEvents(conn: PoolConnection, fresh: readonly CountableAppEvent[]): Promise<CountableAppEvent[]> {
  const token = randomBytes(16).toString('hex');
  const firstByKey = new Map<string, CountableAppEvent>();
  for (const event of fresh) if (!firstByKey.has(eventKey(event))) firstByKey.set(eventKey(event), event);
  // Key order, so concurrent batches lock shared ids in the same order.
  const ids = [...firstByKey.values()].sort((a, b) => compareText(a.appId, b.appId) || compareText(a.eventId, b.eventId));

  const inserted = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    await conn.query(
      `INSERT INTO app_event_ids (app_id, event_id, received_ms, first_token) VALUES ?
       ON DUPLICATE KEY UPDATE event_id = event_id`,
      [chunk.map((e) => [e.appId, e.eventId, e.receivedAtMs, token])],
    );
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT app_id, event_id FROM app_event_ids WHERE (app_id, event_id) IN (?) AND first_token = ?',
      [chunk.map((e) => [e.appId, e.eventId]), token],
    );
    for (const row of rows) inserted.add(eventKey({ appId: keyText(row.app_id), eventId: keyText(row.event_id) }));
  }
  return ids.filter((event) => inserted.has(eventKey(event)));
}
