import { toBatches, toLogRecords, USER_TAG_PARTITIONS } from '../../scripts/bench/consumer-batches';
import { pace } from '../../scripts/bench/pacer';
import { Random } from '../../scripts/bench/random';
import { readRuntimeLog } from '../../scripts/bench/runtime-log';
import { TagGenerator } from '../../scripts/bench/tag-generator';

const mix = { cookies: 50, hotCookies: 0, hotShare: 0, origins: 3, brands: 3, categories: 3, buyShare: 0.1, cookiePrefix: 't-' };

describe('consumer batches', () => {
  it('keys tags by cookie like Kafka, numbers offsets per partition and batches per partition in turn', () => {
    const generator = new TagGenerator(mix, new Random(1));
    const tags = Array.from({ length: 300 }, (_, i) => generator.next(Date.UTC(2022, 2, 1) + i));
    const offsets = new Array(USER_TAG_PARTITIONS).fill(0);
    const records = toLogRecords(tags, offsets);

    // Same cookie, same partition; offsets per partition are 0..n-1 in order.
    const partitionOf = new Map<string, number>();
    for (const r of records) {
      const cookie = r.key!.toString();
      expect(partitionOf.get(cookie) ?? r.partition).toBe(r.partition);
      partitionOf.set(cookie, r.partition);
    }
    for (let p = 0; p < USER_TAG_PARTITIONS; p++) {
      const mine = records.filter((r) => r.partition === p).map((r) => Number(r.offset));
      expect(mine).toEqual(mine.map((_, i) => i));
      expect(offsets[p]).toBe(mine.length);
    }

    const batches = toBatches(records, 20);
    expect(batches.flat()).toHaveLength(records.length);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(20);
      expect(new Set(batch.map((r) => r.partition)).size).toBe(1);
    }
    // The first round visits each partition once.
    expect(batches.slice(0, USER_TAG_PARTITIONS).map((b) => b[0].partition)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('runtime log', () => {
  it('reads per-route request times and per-consumer batches from what the runtime prints', () => {
    const output = [
      'route POST /user_tags -> tracking-ingest-tags',
      'POST /user_tags 204 3ms (tracking-ingest-tags)',
      'POST /user_tags 204 5ms (tracking-ingest-tags)',
      'POST /user_profiles/abc 200 9ms (tracking-query-profiles)',
      'bench.tracking.user-tags -> tracking-store-profiles: bench.tracking.user-tags-2 offsets 10..509 (500 records) ok 120ms',
      'bench.tracking.user-tags -> tracking-store-profiles: bench.tracking.user-tags-3 offsets 7..7 (1 record) ok 4ms',
    ].join('\n');
    const figures = readRuntimeLog(output);
    expect(figures.routes['POST /user_tags']).toMatchObject({ count: 2, p50Ms: 3, maxMs: 5 });
    expect(figures.routes['POST /user_profiles/{cookie}']).toMatchObject({ count: 1 });
    expect(figures.consumers['tracking-store-profiles']).toMatchObject({ batches: 2, records: 501, busySeconds: 0.124 });
  });
});

describe('pace', () => {
  it('fires the planned number of events without waiting for answers, bounded in flight', async () => {
    let concurrent = 0;
    let most = 0;
    const result = await pace({
      perSecond: 200,
      durationMs: 100,
      maxInFlight: 5,
      fire: async () => {
        concurrent++;
        most = Math.max(most, concurrent);
        await new Promise((r) => setTimeout(r, 30));
        concurrent--;
      },
    });
    expect(result.fired).toBe(20);
    expect(most).toBe(5);
    expect(result.behindMs).toBeGreaterThan(0);
  });
});
