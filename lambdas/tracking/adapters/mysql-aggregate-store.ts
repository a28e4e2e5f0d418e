/**
 * The tag aggregates in MySQL (`tag_minute_aggregates`, `tag_hour_aggregates`, migration 0002).
 *
 * - Writes: a batch is pre-aggregated in memory (`preAggregate`: 8 keys per tag, summed per key
 *   and minute) and applied with multi-row `INSERT ... ON DUPLICATE KEY UPDATE count = count +
 *   VALUES(count), ...` inside `applyExactlyOnce`, so the increments and the consumer group's
 *   offsets commit together. Rows go in key order, so concurrent batches of different partitions
 *   that touch the same rows lock them in the same order (no deadlock cycles; a deadlock that
 *   still happens, e.g. on gap locks, is retried by `withTransaction`).
 * - Reads: one primary-key range on a fully specified key, at most 10 rows.
 * - Counts and sums are read as decimal text (`CAST(... AS CHAR)`) and kept as bigint, so a
 *   BIGINT sum beyond 2^53 is never rounded through a JS number.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { firstApplications, forgetAppliedIdentitiesBefore } from '../../platform/sql/applied-identities';
import { applyExactlyOnce } from '../../platform/sql/consumer-offsets';
import {
  type AggregatableTag,
  type AggregateKey,
  type AggregateStore,
  type BucketTotals,
  type MinuteIncrement,
  preAggregate,
} from '../domain/aggregates';
import type { TimeRange } from '../domain/time-range';
import { MySqlMinuteRollup, TAG_AGGREGATE_TABLES } from './mysql-aggregate-rollup';

/** Rows per INSERT: keeps each statement well under max_allowed_packet (row ≤ ~2 KB). */
const INSERT_CHUNK = 1000;

export class MySqlAggregateStore implements AggregateStore {
  private readonly rollup: MySqlMinuteRollup;

  constructor(private readonly pool: Pool) {
    this.rollup = new MySqlMinuteRollup(pool, TAG_AGGREGATE_TABLES);
  }

  addTags(consumerGroup: string, tags: readonly AggregatableTag[]): Promise<{ applied: number; skipped: number }> {
    return applyExactlyOnce(this.pool, consumerGroup, tags, async (conn, fresh) => {
      // A tag resent by its client (same identity, another offset) counts once.
      const first = await firstApplications(conn, consumerGroup, fresh, (tag) => tag.identity, Date.now());
      const increments = preAggregate(first);
      for (let i = 0; i < increments.length; i += INSERT_CHUNK) {
        await conn.query(
          `INSERT INTO tag_minute_aggregates (action, origin, brand_id, category_id, minute_ms, count, sum_price)
           VALUES ?
           ON DUPLICATE KEY UPDATE count = count + VALUES(count), sum_price = sum_price + VALUES(sum_price)`,
          [increments.slice(i, i + INSERT_CHUNK).map(row)],
        );
      }
    });
  }

  minuteTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]> {
    return this.totals('tag_minute_aggregates', 'minute_ms', key, range);
  }

  hourTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]> {
    return this.totals('tag_hour_aggregates', 'hour_ms', key, range);
  }

  private async totals(table: string, bucket: string, key: AggregateKey, range: TimeRange): Promise<BucketTotals[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT ${bucket} AS bucket_ms, CAST(count AS CHAR) AS count, CAST(sum_price AS CHAR) AS sum_price
       FROM ${table}
       WHERE action = ? AND origin = ? AND brand_id = ? AND category_id = ? AND ${bucket} >= ? AND ${bucket} < ?
       ORDER BY ${bucket}`,
      [key.action, key.origin, key.brandId, key.categoryId, range.fromMs, range.toMs],
    );
    return rows.map((r) => ({ bucketMs: Number(r.bucket_ms), count: BigInt(r.count), sumPrice: BigInt(r.sum_price) }));
  }

  newestMinute(): Promise<number | undefined> {
    return this.rollup.newestMinute();
  }

  rollUpMinutesBefore(cutoffMs: number, maxMinutes: number): Promise<{ minutes: number; rows: number }> {
    return this.rollup.rollUpMinutesBefore(cutoffMs, maxMinutes);
  }

  deleteHoursBefore(cutoffMs: number): Promise<number> {
    return this.rollup.deleteHoursBefore(cutoffMs);
  }

  forgetIdentitiesBefore(cutoffMs: number): Promise<number> {
    return forgetAppliedIdentitiesBefore(this.pool, cutoffMs);
  }
}

/** bigint values go as decimal text: exact, and MySQL converts them into the BIGINT column. */
function row(inc: MinuteIncrement): (string | number)[] {
  return [inc.action, inc.origin, inc.brandId, inc.categoryId, inc.minuteMs, inc.count.toString(), inc.sumPrice.toString()];
}
