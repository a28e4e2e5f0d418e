import { hourOf } from '../domain/aggregates';
import type { MinuteRollup } from '../domain/retention';

/** One row of a bucket table: a key's value in the bucket (minute or hour) starting at `bucketMs`. */
export interface BucketRow<K, V> {
  readonly key: K;
  readonly bucketMs: number;
  readonly value: V;
}

/**
 * One level of an in-memory minute table (its minutes or its hours): per key, a value per bucket
 * start. Adding to a bucket that holds a value merges the two, like the MySQL tables'
 * `INSERT … ON DUPLICATE KEY UPDATE`.
 */
export class InMemoryBuckets<K, V> {
  /** Key id → the key and its values by bucket start. */
  private readonly series = new Map<string, { readonly key: K; readonly values: Map<number, V> }>();

  constructor(
    private readonly idOf: (key: K) => string,
    private readonly merge: (current: V, added: V) => V,
  ) {}

  add(key: K, bucketMs: number, value: V): void {
    const id = this.idOf(key);
    let series = this.series.get(id);
    if (!series) {
      series = { key, values: new Map() };
      this.series.set(id, series);
    }
    const current = series.values.get(bucketMs);
    series.values.set(bucketMs, current === undefined ? value : this.merge(current, value));
  }

  /** The rows of one key with `fromMs <= bucket < toMs`, oldest first. */
  of(key: K, fromMs: number, toMs: number): BucketRow<K, V>[] {
    const series = this.series.get(this.idOf(key));
    if (!series) return [];
    return [...series.values]
      .filter(([bucketMs]) => bucketMs >= fromMs && bucketMs < toMs)
      .sort(([a], [b]) => a - b)
      .map(([bucketMs, value]) => ({ key: series.key, bucketMs, value }));
  }

  /** The rows of every key `accept` takes with `fromMs <= bucket < toMs`, in no particular order. */
  where(accept: (key: K) => boolean, fromMs: number, toMs: number): BucketRow<K, V>[] {
    return [...this.rows()].filter((row) => accept(row.key) && row.bucketMs >= fromMs && row.bucketMs < toMs);
  }

  /** Every row. */
  *rows(): Generator<BucketRow<K, V>> {
    for (const { key, values } of this.series.values()) {
      for (const [bucketMs, value] of values) yield { key, bucketMs, value };
    }
  }

  /** Removes the rows whose bucket `drop` takes and returns them. */
  deleteBuckets(drop: (bucketMs: number) => boolean): BucketRow<K, V>[] {
    const deleted: BucketRow<K, V>[] = [];
    for (const [id, { key, values }] of this.series) {
      for (const [bucketMs, value] of values) {
        if (!drop(bucketMs)) continue;
        values.delete(bucketMs);
        deleted.push({ key, bucketMs, value });
      }
      if (values.size === 0) this.series.delete(id);
    }
    return deleted;
  }
}

/**
 * The embedded backend's minute table with its hour roll-up table (`MinuteRollup`): the roll-up
 * of old minutes into their hours and the expiry of old hours, with the same results as the MySQL
 * tables (test/contract/aggregate-store.contract.test.ts,
 * test/contract/aggregate-store.app-event-rollup.test.ts). The adapters that keep per-minute
 * values in memory (tag aggregates, app-event counts) extend it: they add to `minutes` and read
 * both levels.
 */
export abstract class InMemoryMinuteTable<K, V> implements MinuteRollup {
  protected readonly minutes: InMemoryBuckets<K, V>;
  protected readonly hours: InMemoryBuckets<K, V>;

  /** `idOf` names a key (equal keys, equal ids); `merge` adds two values of one bucket. */
  constructor(idOf: (key: K) => string, merge: (current: V, added: V) => V) {
    this.minutes = new InMemoryBuckets(idOf, merge);
    this.hours = new InMemoryBuckets(idOf, merge);
  }

  async newestMinute(): Promise<number | undefined> {
    let newest: number | undefined;
    for (const { bucketMs } of this.minutes.rows()) if (newest === undefined || bucketMs > newest) newest = bucketMs;
    return newest;
  }

  /** Adds the oldest `maxMinutes` minutes before `cutoffMs` to their hours and deletes them. */
  async rollUpMinutesBefore(cutoffMs: number, maxMinutes: number): Promise<{ minutes: number; rows: number }> {
    const old = new Set<number>();
    for (const { bucketMs } of this.minutes.rows()) if (bucketMs < cutoffMs) old.add(bucketMs);
    const chosen = new Set([...old].sort((a, b) => a - b).slice(0, Math.max(0, maxMinutes)));
    const rolled = this.minutes.deleteBuckets((minuteMs) => chosen.has(minuteMs));
    for (const { key, bucketMs, value } of rolled) this.hours.add(key, hourOf(bucketMs), value);
    return { minutes: chosen.size, rows: rolled.length };
  }

  async deleteHoursBefore(cutoffMs: number): Promise<number> {
    return this.hours.deleteBuckets((hourMs) => hourMs < cutoffMs).length;
  }
}
