import { InMemoryOffsets } from '../../platform/sql/consumer-offsets';
import {
  type AggregatableTag,
  type AggregateKey,
  type AggregateStore,
  type BucketTotals,
  hourOf,
  preAggregate,
  type Totals,
} from '../domain/aggregates';
import type { TimeRange } from '../domain/time-range';

type Buckets = Map<number, Totals>;

function keyId(key: AggregateKey): string {
  return JSON.stringify([key.action, key.origin, key.brandId, key.categoryId]);
}

function totalsIn(buckets: Buckets | undefined, range: TimeRange): BucketTotals[] {
  if (!buckets) return [];
  return [...buckets.entries()]
    .filter(([bucketMs]) => bucketMs >= range.fromMs && bucketMs < range.toMs)
    .sort(([a], [b]) => a - b)
    .map(([bucketMs, totals]) => ({ bucketMs, ...totals }));
}

function add(buckets: Buckets, bucketMs: number, totals: Totals): void {
  const current = buckets.get(bucketMs);
  buckets.set(bucketMs, current ? { count: current.count + totals.count, sumPrice: current.sumPrice + totals.sumPrice } : totals);
}

/**
 * The embedded backend's aggregate store: per key, minute and hour buckets in maps, and
 * exactly-once offsets per consumer group (`InMemoryOffsets`). Same contract as the MySQL store
 * (test/contract/aggregate-store.contract.test.ts).
 */
export class InMemoryAggregateStore implements AggregateStore {
  private readonly offsets = new InMemoryOffsets();
  private readonly minutes = new Map<string, Buckets>();
  private readonly hours = new Map<string, Buckets>();

  async addTags(consumerGroup: string, tags: readonly AggregatableTag[]): Promise<{ applied: number; skipped: number }> {
    return this.offsets.applyOnce(consumerGroup, tags, (fresh) => {
      // Computed before anything changes, so a throw leaves the maps as they were.
      const increments = preAggregate(fresh);
      for (const inc of increments) {
        const id = keyId(inc);
        let buckets = this.minutes.get(id);
        if (!buckets) {
          buckets = new Map();
          this.minutes.set(id, buckets);
        }
        add(buckets, inc.minuteMs, inc);
      }
    });
  }

  async minuteTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]> {
    return totalsIn(this.minutes.get(keyId(key)), range);
  }

  async hourTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]> {
    return totalsIn(this.hours.get(keyId(key)), range);
  }

  async newestMinute(): Promise<number | undefined> {
    let newest: number | undefined;
    for (const buckets of this.minutes.values()) {
      for (const minuteMs of buckets.keys()) if (newest === undefined || minuteMs > newest) newest = minuteMs;
    }
    return newest;
  }

  async rollUpMinutesBefore(cutoffMs: number, maxMinutes: number): Promise<{ minutes: number; rows: number }> {
    const old = new Set<number>();
    for (const buckets of this.minutes.values())
      for (const minuteMs of buckets.keys()) if (minuteMs < cutoffMs) old.add(minuteMs);
    const chosen = new Set([...old].sort((a, b) => a - b).slice(0, Math.max(0, maxMinutes)));
    let rows = 0;
    for (const [id, buckets] of this.minutes) {
      for (const [minuteMs, totals] of buckets) {
        if (!chosen.has(minuteMs)) continue;
        let hourBuckets = this.hours.get(id);
        if (!hourBuckets) {
          hourBuckets = new Map();
          this.hours.set(id, hourBuckets);
        }
        add(hourBuckets, hourOf(minuteMs), totals);
        buckets.delete(minuteMs);
        rows += 1;
      }
      if (buckets.size === 0) this.minutes.delete(id);
    }
    return { minutes: chosen.size, rows };
  }

  async deleteHoursBefore(cutoffMs: number): Promise<number> {
    let deleted = 0;
    for (const [id, buckets] of this.hours) {
      for (const hourMs of [...buckets.keys()]) {
        if (hourMs < cutoffMs) {
          buckets.delete(hourMs);
          deleted += 1;
        }
      }
      if (buckets.size === 0) this.hours.delete(id);
    }
    return deleted;
  }
}
