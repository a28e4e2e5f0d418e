/**
 * The Allezon aggregates on the embedded backend (EVENTLINE_BACKEND unset): query parsing and
 * validation, the exact answer format, the consumer handler (exactly once under redelivery, late
 * tags), retention with roll-ups, and the ingest metrics.
 */
import { configureEmbeddedPlatform, Topics } from '../support/topics';

configureEmbeddedPlatform();

import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { parseQueryString } from '../../lambdas/platform/http/query';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import { metrics } from '../../lambdas/platform/observability';
import { platform } from '../../lambdas/platform/wiring';
import { InMemoryAggregateStore } from '../../lambdas/tracking/adapters/in-memory-aggregate-store';
import {
  type AggregatableTag,
  type AggregatesQuery,
  ANY,
  aggregatesAnswer,
  keysOf,
  MINUTE_MS,
  preAggregate,
} from '../../lambdas/tracking/domain/aggregates';
import { parseMinuteRange } from '../../lambdas/tracking/domain/aggregates-query';
import { boundedApps, ingestCounts, lastCompleteMinute } from '../../lambdas/tracking/domain/ingest-metrics';
import { applyRollupRetention, HOUR_RETENTION_MS, MINUTE_RETENTION_MS } from '../../lambdas/tracking/domain/retention';
import { parseTimeRange } from '../../lambdas/tracking/domain/time-range';
import { handler as aggregateUserTags } from '../../lambdas/tracking/handlers/aggregate-user-tags';
import { handler as publishIngestMetrics } from '../../lambdas/tracking/handlers/publish-ingest-metrics';
import { handler as queryAggregates } from '../../lambdas/tracking/handlers/query-aggregates';
import { aggregatesQuerySchema } from '../../lambdas/tracking/routes';
import { httpEvent, lambdaContext } from '../support/apigw';

const T0 = Date.parse('2022-03-01T00:00:00.000Z');

afterAll(() => platform.close());

describe('aggregates query parameters', () => {
  it('reads repeated aggregates in order from the raw query string', () => {
    const raw =
      'time_range=2022-03-01T00:05:00_2022-03-01T00:07:00&action=BUY&aggregates=SUM_PRICE&aggregates=COUNT&origin=a%2Cb%20c';
    expect({ ...parseQueryString(raw) }).toEqual({
      time_range: ['2022-03-01T00:05:00_2022-03-01T00:07:00'],
      action: ['BUY'],
      aggregates: ['SUM_PRICE', 'COUNT'],
      origin: ['a,b c'],
    });
  });

  it('parses whole-minute ranges of at most 10 minutes, [from, to)', () => {
    expect(parseMinuteRange('2022-03-01T00:05:00_2022-03-01T00:07:00')).toEqual({
      fromMs: T0 + 5 * MINUTE_MS,
      toMs: T0 + 7 * MINUTE_MS,
    });
    expect(parseMinuteRange('2022-03-01T00:05:00.000_2022-03-01T00:15:00.000')).toEqual({
      fromMs: T0 + 5 * MINUTE_MS,
      toMs: T0 + 15 * MINUTE_MS,
    });
    expect(parseMinuteRange('2022-03-01T00:05:00_2022-03-01T00:15:01')).toMatch('whole minutes');
    expect(parseMinuteRange('2022-03-01T00:05:00_2022-03-01T00:16:00')).toMatch('at most 10 minutes');
    expect(parseMinuteRange('2022-03-01T00:07:00_2022-03-01T00:07:00')).toMatch('before');
    expect(parseMinuteRange('2022-03-01T00:07:00_2022-03-01T00:05:00')).toMatch('before');
    expect(parseMinuteRange('2022-03-01T00:05:30_2022-03-01T00:06:30')).toMatch('whole minutes');
    expect(parseMinuteRange('2022-03-01T00:05:00Z_2022-03-01T00:06:00Z')).toMatch('is not a time');
    expect(parseMinuteRange('2022-02-31T00:05:00_2022-02-31T00:06:00')).toMatch('is not a time');
    expect(parseMinuteRange('2022-03-01T00:05_2022-03-01T00:06')).toMatch('is not a time');
    expect(parseMinuteRange('2022-03-01T00:05:00')).toMatch('<from>_<to>');
  });

  const valid = {
    time_range: ['2022-03-01T00:05:00_2022-03-01T00:07:00'],
    action: ['VIEW'],
    aggregates: ['COUNT', 'SUM_PRICE'],
  };
  const problems = (params: Record<string, string[]>) => {
    const result = aggregatesQuerySchema.safeParse(params);
    return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]);
  };

  it('turns valid parameters into a query: filters by name, aggregates in order, duplicates kept', () => {
    expect(aggregatesQuerySchema.parse({ ...valid, brand_id: ['b'], origin: ['o'] })).toEqual({
      range: { fromMs: T0 + 5 * MINUTE_MS, toMs: T0 + 7 * MINUTE_MS },
      action: 'VIEW',
      aggregates: ['COUNT', 'SUM_PRICE'],
      filters: { origin: 'o', brand_id: 'b' },
    });
    expect(aggregatesQuerySchema.parse({ ...valid, aggregates: ['SUM_PRICE', 'COUNT', 'SUM_PRICE'] }).aggregates).toEqual([
      'SUM_PRICE',
      'COUNT',
      'SUM_PRICE',
    ]);
  });

  it('names the field of every bad parameter', () => {
    expect(problems({ action: ['VIEW'], aggregates: ['COUNT'] })).toEqual([['time_range', 'is required']]);
    expect(problems({ ...valid, time_range: ['2022-03-01T00:05:00_2022-03-01T00:20:00'] })).toEqual([
      ['time_range', 'must span at most 10 minutes'],
    ]);
    expect(problems({ ...valid, action: ['CLICK'] })).toEqual([['action', 'must be VIEW or BUY']]);
    expect(problems({ ...valid, action: ['VIEW', 'BUY'] })).toEqual([['action', 'must be given once']]);
    expect(problems({ time_range: valid.time_range, action: ['VIEW'] })).toEqual([['aggregates', 'is required']]);
    expect(problems({ ...valid, aggregates: ['COUNT', 'AVG'] })).toEqual([['aggregates', '"AVG" is not COUNT or SUM_PRICE']]);
    expect(problems({ ...valid, aggregates: [''] })).toEqual([['aggregates', '"" is not COUNT or SUM_PRICE']]);
    expect(problems({ ...valid, origin: [''] })).toEqual([['origin', 'must not be empty']]);
    expect(problems({ ...valid, category_id: ['x'.repeat(129)] })).toEqual([['category_id', 'must be at most 128 characters']]);
    expect(problems({ ...valid, brand_id: ['a', 'b'] })).toEqual([['brand_id', 'must be given once']]);
    expect(problems({ ...valid, limit: ['5'] })).toEqual([['', expect.stringContaining('limit')]]);
  });
});

describe('profile time ranges (reviewed with the aggregates)', () => {
  it('refuses dates that do not exist instead of rolling them over', () => {
    expect(parseTimeRange('2022-02-31T00:00:00.000_2022-03-05T00:00:00.000')).toMatch('is not a time');
    expect(parseTimeRange('2022-03-01T24:00:00.000_2022-03-05T00:00:00.000')).toMatch('is not a time');
    expect(parseTimeRange('2022-02-28T23:59:59.999_2022-03-01T00:00:00')).toEqual({
      fromMs: Date.parse('2022-02-28T23:59:59.999Z'),
      toMs: T0,
    });
  });
});

describe('aggregates domain', () => {
  const t = (s: number, fields: Partial<AggregatableTag> = {}): AggregatableTag => ({
    topic: 't',
    partition: 0,
    offset: 0,
    action: 'BUY',
    origin: 'o',
    brandId: 'b',
    categoryId: 'c',
    price: 10,
    timeMs: T0 + s * 1000,
    ...fields,
  });

  it('counts a tag under the 8 subsets of its filters', () => {
    const keys = keysOf(t(0)).map((k) => [k.origin, k.brandId, k.categoryId].join('|'));
    expect(new Set(keys)).toEqual(new Set(['||', 'o||', '|b|', '||c', 'o|b|', 'o||c', '|b|c', 'o|b|c']));
    expect(keysOf(t(0)).every((k) => k.action === 'BUY')).toBe(true);
  });

  it('pre-aggregates a batch per key and minute, sorted by key then minute', () => {
    const increments = preAggregate([t(1), t(2, { price: 5 }), t(61), t(3, { origin: 'p' })]);
    expect(increments).toHaveLength(8 + 8 + 4); // minute 0 "o", minute 1 "o", and "p"'s 4 new keys
    const all = increments.filter((i) => i.origin === ANY && i.brandId === ANY && i.categoryId === ANY);
    expect(all.map((i) => [i.minuteMs - T0, i.count, i.sumPrice])).toEqual([
      [0, 3n, 25n],
      [MINUTE_MS, 1n, 10n],
    ]);
    const order = increments.map((i) => JSON.stringify([i.action, i.origin, i.brandId, i.categoryId, i.minuteMs]));
    expect(order).toEqual([...order].sort());
  });

  it('answers with the exact Allezon columns and rows: strings, every minute, "0" for empty ones', () => {
    const query: AggregatesQuery = {
      range: { fromMs: T0 + 5 * MINUTE_MS, toMs: T0 + 8 * MINUTE_MS },
      action: 'BUY',
      filters: { category_id: 'c', origin: 'o' },
      aggregates: ['SUM_PRICE', 'COUNT'],
    };
    const totals = [{ bucketMs: T0 + 6 * MINUTE_MS, count: 3n, sumPrice: 9_007_199_254_740_993n }];
    expect(aggregatesAnswer(query, totals)).toEqual({
      columns: ['1m_bucket', 'action', 'origin', 'category_id', 'sum_price', 'count'],
      rows: [
        ['2022-03-01T00:05:00', 'BUY', 'o', 'c', '0', '0'],
        ['2022-03-01T00:06:00', 'BUY', 'o', 'c', '9007199254740993', '3'],
        ['2022-03-01T00:07:00', 'BUY', 'o', 'c', '0', '0'],
      ],
    });
    expect(aggregatesAnswer({ ...query, filters: {}, aggregates: ['COUNT'] }, []).columns).toEqual([
      '1m_bucket',
      'action',
      'count',
    ]);
  });
});

// The handlers, through the embedded wiring.
const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };
const tagJson = (time: string, fields: { action?: string; origin?: string; brand?: string; category?: string; price?: number }) =>
  JSON.stringify({
    time,
    cookie: 'c',
    country: 'PL',
    device: 'PC',
    action: fields.action ?? 'BUY',
    origin: fields.origin ?? 'shop',
    product_info: {
      product_id: 1,
      brand_id: fields.brand ?? 'acme',
      category_id: fields.category ?? 'shoes',
      price: fields.price ?? 100,
    },
  });
const record = (partition: number, offset: number, value: string): ConsumedRecord => ({
  topic: Topics.userTags,
  partition,
  offset: String(offset),
  timestamp: T0,
  key: Buffer.from('c'),
  value: Buffer.from(value),
  headers: {},
});

/** An /aggregates answer, or a problem (then `errors`). */
type AggregatesBody = { columns: string[]; rows: string[][]; errors: { path: string; message: string }[] };

async function query(rawQueryString: string): Promise<{ status: number; body: AggregatesBody; contentType?: string }> {
  const res = await queryAggregates(
    httpEvent({ path: '/aggregates', rawQueryString, body: '{"debug":"ignored"}' }),
    lambdaContext,
  );
  const headers = (res.headers ?? {}) as Record<string, string>;
  return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? 'null'), contentType: headers['content-type'] };
}

describe('aggregate-user-tags consumer and POST /aggregates (embedded)', () => {
  const range = 'time_range=2022-03-01T10:00:00_2022-03-01T10:03:00';
  const batch = [
    record(0, 0, tagJson('2022-03-01T10:00:01.000Z', { price: 100 })),
    record(0, 1, tagJson('2022-03-01T10:00:59.999Z', { price: 2_147_483_647, brand: 'other' })),
    record(1, 0, tagJson('2022-03-01T10:02:00.000Z', { price: 7, origin: 'web' })),
    record(1, 1, tagJson('2022-03-01T10:02:30.000Z', { price: 1, action: 'VIEW' })),
    record(1, 2, '{"poison":true}'),
  ];

  it('counts tags exactly once however often a batch, or part of it, is redelivered', async () => {
    await aggregateUserTags(toMskEvent(batch, source), lambdaContext);
    const first = await query(`${range}&action=BUY&aggregates=COUNT&aggregates=SUM_PRICE`);
    await aggregateUserTags(toMskEvent(batch, source), lambdaContext);
    await aggregateUserTags(toMskEvent(batch.slice(1, 3), source), lambdaContext);
    const again = await query(`${range}&action=BUY&aggregates=COUNT&aggregates=SUM_PRICE`);
    expect(again).toEqual(first);
    expect(first).toEqual({
      status: 200,
      contentType: 'application/json',
      body: {
        columns: ['1m_bucket', 'action', 'count', 'sum_price'],
        rows: [
          ['2022-03-01T10:00:00', 'BUY', '2', '2147483747'],
          ['2022-03-01T10:01:00', 'BUY', '0', '0'],
          ['2022-03-01T10:02:00', 'BUY', '1', '7'],
        ],
      },
    });
  });

  it('answers each filter combination, aggregates in query order', async () => {
    expect((await query(`${range}&action=BUY&aggregates=SUM_PRICE&origin=shop&brand_id=acme`)).body).toEqual({
      columns: ['1m_bucket', 'action', 'origin', 'brand_id', 'sum_price'],
      rows: [
        ['2022-03-01T10:00:00', 'BUY', 'shop', 'acme', '100'],
        ['2022-03-01T10:01:00', 'BUY', 'shop', 'acme', '0'],
        ['2022-03-01T10:02:00', 'BUY', 'shop', 'acme', '0'],
      ],
    });
    expect((await query(`${range}&category_id=shoes&action=VIEW&aggregates=COUNT&origin=shop`)).body.rows).toEqual([
      ['2022-03-01T10:00:00', 'VIEW', 'shop', 'shoes', '0'],
      ['2022-03-01T10:01:00', 'VIEW', 'shop', 'shoes', '0'],
      ['2022-03-01T10:02:00', 'VIEW', 'shop', 'shoes', '1'],
    ]);
  });

  it('counts a late, out-of-order tag in its own minute', async () => {
    await aggregateUserTags(toMskEvent([record(0, 2, tagJson('2022-03-01T10:01:30.000Z', { price: 3 }))], source), lambdaContext);
    expect((await query(`${range}&action=BUY&aggregates=COUNT`)).body.rows.map((r: string[]) => r[2])).toEqual(['2', '1', '1']);
  });

  it('answers bad parameters with a 400 problem naming the field', async () => {
    const bad = await query('time_range=2022-03-01T10:00:00_2022-03-01T10:30:00&action=BUY&aggregates=COUNT');
    expect(bad.status).toBe(400);
    expect(bad.contentType).toBe('application/problem+json');
    expect(bad.body.errors).toEqual([{ path: 'query.time_range', message: 'must span at most 10 minutes' }]);
    const missing = await query('action=BUY');
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.time_range', 'query.aggregates']);
    expect((await query(`${range}&action=BUY&aggregates=MAX`)).body.errors[0].path).toBe('query.aggregates');
  });
});

describe('retention of the aggregates', () => {
  it('rolls up minutes older than the newest minute minus 24 h, keeps the rest, expires old hours', async () => {
    const store = new InMemoryAggregateStore();
    const newest = T0 + 3 * 24 * 60 * MINUTE_MS;
    const mk = (offset: number, timeMs: number): AggregatableTag => ({
      topic: 't',
      partition: 0,
      offset,
      action: 'VIEW',
      origin: 'o',
      brandId: 'b',
      categoryId: 'c',
      price: 1,
      timeMs,
    });
    await store.addTags('g', [
      mk(0, newest + 59_000),
      mk(1, newest - MINUTE_RETENTION_MS), // exactly 24 h before the newest minute: kept
      mk(2, newest - MINUTE_RETENTION_MS - 1), // a millisecond older: rolled up
      mk(3, newest - HOUR_RETENTION_MS - 2 * 60 * MINUTE_MS), // rolled up, then its hour expires
    ]);
    const summary = await applyRollupRetention(store);
    expect(summary).toEqual({
      newestMinute: new Date(newest).toISOString(),
      minuteCutoff: new Date(newest - MINUTE_RETENTION_MS).toISOString(),
      minutesRolledUp: 2,
      rowsRolledUp: 16,
      hourRowsDeleted: 8,
    });
    const any = { action: 'VIEW' as const, origin: ANY, brandId: ANY, categoryId: ANY };
    const everything = { fromMs: 0, toMs: newest + MINUTE_MS };
    expect((await store.minuteTotals(any, everything)).map((t) => t.bucketMs)).toEqual([newest - MINUTE_RETENTION_MS, newest]);
    expect((await store.hourTotals(any, everything)).map((t) => [t.bucketMs, t.count])).toEqual([
      [newest - MINUTE_RETENTION_MS - 60 * MINUTE_MS, 1n],
    ]);
    // a rerun changes nothing
    expect(await applyRollupRetention(store)).toMatchObject({ minutesRolledUp: 0, rowsRolledUp: 0, hourRowsDeleted: 0 });
  });

  it('rolls up a backlog in bounded runs: at most maxMinutes, and no new minute after the time budget', async () => {
    const store = new InMemoryAggregateStore();
    const newest = T0 + 2 * 24 * 60 * MINUTE_MS;
    const backlog = Array.from({ length: 25 }, (_, i) => T0 + i * MINUTE_MS);
    await store.addTags(
      'g',
      [newest, ...backlog].map((timeMs, offset) => ({
        topic: 't',
        partition: 0,
        offset,
        action: 'BUY' as const,
        origin: 'o',
        brandId: 'b',
        categoryId: 'c',
        price: 1,
        timeMs,
      })),
    );
    expect(await applyRollupRetention(store, { maxMinutes: 12 })).toMatchObject({ minutesRolledUp: 12, rowsRolledUp: 96 });
    let now = 0;
    const clock = () => (now += 1000); // each look at the clock costs a second
    expect(await applyRollupRetention(store, { budgetMs: 1500, nowMs: clock })).toMatchObject({ minutesRolledUp: 10 });
    expect(await applyRollupRetention(store)).toMatchObject({ minutesRolledUp: 3 });
  });

  it('does nothing on an empty store', async () => {
    expect(await applyRollupRetention(new InMemoryAggregateStore())).toEqual({
      minutesRolledUp: 0,
      rowsRolledUp: 0,
      hourRowsDeleted: 0,
    });
  });
});

describe('ingest metrics', () => {
  it('reads the last complete minute: tags per action, events per app with bounded dimensions', async () => {
    const store = new InMemoryAggregateStore();
    const tagAt = (offset: number, action: 'VIEW' | 'BUY', timeMs: number): AggregatableTag => ({
      topic: 't',
      partition: 0,
      offset,
      action,
      origin: `o${offset}`,
      brandId: 'b',
      categoryId: 'c',
      price: 1,
      timeMs,
    });
    const m = T0 + 30 * MINUTE_MS;
    await store.addTags('g', [
      tagAt(0, 'VIEW', m),
      tagAt(1, 'VIEW', m + 59_999),
      tagAt(2, 'BUY', m + 1),
      tagAt(3, 'BUY', m + MINUTE_MS),
    ]);
    const apps = { perApp: async (minuteMs: number) => new Map(minuteMs === m ? [['game', 5n]] : []) };
    expect(lastCompleteMinute(m + MINUTE_MS + 10_000)).toBe(m);
    expect(await ingestCounts(store, apps, m + MINUTE_MS + 10_000)).toEqual({
      minute: new Date(m).toISOString(),
      minuteMs: m,
      tags: { VIEW: 2, BUY: 1 },
      events: [{ appId: 'game', count: 5 }],
    });
    const many = new Map(Array.from({ length: 25 }, (_, i) => [`app-${String(i).padStart(2, '0')}`, BigInt(i + 1)] as const));
    const bounded = boundedApps(many, 20);
    expect(bounded).toHaveLength(20);
    expect(bounded[0]).toEqual({ appId: 'app-24', count: 25 });
    expect(bounded[19]).toEqual({ appId: '(other)', count: 1 + 2 + 3 + 4 + 5 + 6 });
  });

  it('publishes TagsIngested by action and EventsIngested by app, stamped with the minute', async () => {
    const published: { dimension: [string, string]; name: string; value: number; timestamp: number }[] = [];
    const spy = jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      let dimension: [string, string] = ['', ''];
      let timestamp = 0;
      const fake = {
        setTimestamp: (t: number) => {
          timestamp = t;
          return fake;
        },
        addDimension: (name: string, value: string) => {
          dimension = [name, value];
        },
        addMetric: (name: string, _unit: string, value: number) => {
          published.push({ dimension, name, value, timestamp });
        },
      };
      return fake as unknown as typeof metrics;
    });
    try {
      const summary = await publishIngestMetrics(
        {
          source: 'eventline.scheduler',
          schedule: 'tracking-ingest-metrics',
          scheduledTime: '2022-03-01T10:03:05Z',
          executionId: 'x',
        },
        lambdaContext,
      );
      // the consumer tests above stored one VIEW and one BUY in 10:02
      expect(summary).toEqual({ minute: '2022-03-01T10:02:00.000Z', tags: { VIEW: 1, BUY: 1 }, events: [] });
      const at = Date.parse('2022-03-01T10:02:00Z');
      expect(published).toEqual([
        { dimension: ['action', 'VIEW'], name: 'TagsIngested', value: 1, timestamp: at },
        { dimension: ['action', 'BUY'], name: 'TagsIngested', value: 1, timestamp: at },
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});
