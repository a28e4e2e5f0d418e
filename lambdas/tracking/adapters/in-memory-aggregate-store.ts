import { InMemoryAppliedIdentities } from '../../platform/sql/applied-identities';
import { InMemoryOffsets } from '../../platform/sql/consumer-offsets';
import {
  type AggregatableTag,
  type AggregateKey,
  type AggregateStore,
  type BucketTotals,
  preAggregate,
  type Totals,
} from '../domain/aggregates';
import type { TimeRange } from '../domain/time-range';
import { type BucketRow, InMemoryMinuteTable } from './in-memory-minute-table';

const keyId = (key: AggregateKey) => JSON.stringify([key.action, key.origin, key.brandId, key.categoryId]);

const addTotals = (a: Totals, b: Totals): Totals => ({ count: a.count + b.count, sumPrice: a.sumPrice + b.sumPrice });

const bucketTotals = ({ bucketMs, value }: BucketRow<AggregateKey, Totals>): BucketTotals => ({ bucketMs, ...value });

/**
 * The embedded backend's aggregate store: per key, minute and hour buckets in memory
 * (`InMemoryMinuteTable`, which also rolls minutes up and expires hours), and exactly-once offsets
 * per consumer group (`InMemoryOffsets`). Same contract as the MySQL store
 * (test/contract/aggregate-store.contract.test.ts).
 */
export class InMemoryAggregateStore extends InMemoryMinuteTable<AggregateKey, Totals> implements AggregateStore {
  private readonly offsets = new InMemoryOffsets();
  private readonly identities = new InMemoryAppliedIdentities();

  constructor() {
    super(keyId, addTotals);
  }

  async addTags(consumerGroup: string, tags: readonly AggregatableTag[]): Promise<{ applied: number; skipped: number }> {
    return this.offsets.applyOnce(consumerGroup, tags, (fresh) => {
      // Computed before anything changes, so a throw leaves the table as it was.
      const first = this.identities.firstApplications(consumerGroup, fresh, (tag) => tag.identity);
      const increments = preAggregate(first);
      this.identities.record(consumerGroup, first, (tag) => tag.identity, Date.now());
      for (const inc of increments) this.minutes.add(inc, inc.minuteMs, { count: inc.count, sumPrice: inc.sumPrice });
    });
  }

  async forgetIdentitiesBefore(cutoffMs: number): Promise<number> {
    return this.identities.forgetBefore(cutoffMs);
  }

  async minuteTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]> {
    return this.minutes.of(key, range.fromMs, range.toMs).map(bucketTotals);
  }

  async hourTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]> {
    return this.hours.of(key, range.fromMs, range.toMs).map(bucketTotals);
  }
}
