/**
 * The AggregateStore port: the MySQL store (local MariaDB; fails when it is not running) and the
 * in-memory store held to one behaviour: every filter combination, exactly-once under replays,
 * late tags, exact big sums, roll-ups and retention.
 */
import { InMemoryAggregateStore } from '../../lambdas/tracking/adapters/in-memory-aggregate-store';
import { MySqlAggregateStore } from '../../lambdas/tracking/adapters/mysql-aggregate-store';
import {
  type AggregatableTag,
  type AggregateKey,
  type AggregateStore,
  ANY,
  type BucketTotals,
  HOUR_MS,
  MINUTE_MS,
} from '../../lambdas/tracking/domain/aggregates';
import type { Action } from '../../lambdas/tracking/domain/user-tag';
import { temporaryDatabase } from '../support/mariadb';

const T0 = Date.parse('2022-03-01T00:00:00.000Z');
const INT32_MAX = 2 ** 31 - 1;

let offset = 0;
function tag(
  secondsAfterT0: number,
  fields: Partial<
    Pick<AggregatableTag, 'action' | 'origin' | 'brandId' | 'categoryId' | 'price' | 'partition' | 'identity'>
  > = {},
): AggregatableTag {
  return {
    topic: 'tags',
    partition: fields.partition ?? 0,
    offset: offset++,
    ...(fields.identity !== undefined && { identity: fields.identity }),
    action: fields.action ?? 'BUY',
    origin: fields.origin ?? 'o1',
    brandId: fields.brandId ?? 'b1',
    categoryId: fields.categoryId ?? 'c1',
    price: fields.price ?? 100,
    timeMs: T0 + secondsAfterT0 * 1000,
  };
}

const key = (action: Action, origin = ANY, brandId = ANY, categoryId = ANY): AggregateKey => ({
  action,
  origin,
  brandId,
  categoryId,
});
const minutes = (from: number, to: number) => ({ fromMs: T0 + from * MINUTE_MS, toMs: T0 + to * MINUTE_MS });
const plain = (totals: BucketTotals[]) =>
  totals.map((t) => [(t.bucketMs - T0) / MINUTE_MS, t.count.toString(), t.sumPrice.toString()]);

function describeAggregateStore(name: string, open: () => Promise<{ store: AggregateStore; close: () => Promise<void> }>) {
  describe(`AggregateStore contract: ${name}`, () => {
    let store: AggregateStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(async () => close());

    it('counts every tag under all 8 filter combinations of its minute', async () => {
      await store.addTags('g', [
        tag(10, { origin: 'o1', brandId: 'b1', categoryId: 'c1', price: 10 }),
        tag(20, { origin: 'o1', brandId: 'b2', categoryId: 'c1', price: 20 }),
        tag(30, { origin: 'o2', brandId: 'b1', categoryId: 'c2', price: 40 }),
        tag(40, { action: 'VIEW', origin: 'o1', brandId: 'b1', categoryId: 'c1', price: 80 }),
        tag(70, { origin: 'o1', brandId: 'b1', categoryId: 'c1', price: 160 }),
      ]);
      const r = minutes(0, 2);
      expect(plain(await store.minuteTotals(key('BUY'), r))).toEqual([
        [0, '3', '70'],
        [1, '1', '160'],
      ]);
      expect(plain(await store.minuteTotals(key('VIEW'), r))).toEqual([[0, '1', '80']]);
      expect(plain(await store.minuteTotals(key('BUY', 'o1'), r))).toEqual([
        [0, '2', '30'],
        [1, '1', '160'],
      ]);
      expect(plain(await store.minuteTotals(key('BUY', ANY, 'b1'), r))).toEqual([
        [0, '2', '50'],
        [1, '1', '160'],
      ]);
      expect(plain(await store.minuteTotals(key('BUY', ANY, ANY, 'c2'), r))).toEqual([[0, '1', '40']]);
      expect(plain(await store.minuteTotals(key('BUY', 'o1', 'b2'), r))).toEqual([[0, '1', '20']]);
      expect(plain(await store.minuteTotals(key('BUY', 'o1', ANY, 'c1'), r))).toEqual([
        [0, '2', '30'],
        [1, '1', '160'],
      ]);
      expect(plain(await store.minuteTotals(key('BUY', ANY, 'b1', 'c1'), r))).toEqual([
        [0, '1', '10'],
        [1, '1', '160'],
      ]);
      expect(plain(await store.minuteTotals(key('BUY', 'o1', 'b1', 'c1'), r))).toEqual([
        [0, '1', '10'],
        [1, '1', '160'],
      ]);
      expect(await store.minuteTotals(key('BUY', 'nobody'), r)).toEqual([]);
      // [from, to): minute 1 is outside [0, 1)
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 1)))).toEqual([[0, '3', '70']]);
      expect(await store.newestMinute()).toBe(T0 + MINUTE_MS);
    });

    it('keeps filter values exact: case, unicode and look-alikes are different keys', async () => {
      await store.addTags('g', [tag(1, { origin: 'Shop' }), tag(2, { origin: 'shop' }), tag(3, { origin: 'sklep-ż' })]);
      for (const origin of ['Shop', 'shop', 'sklep-ż']) {
        expect(plain(await store.minuteTotals(key('BUY', origin), minutes(0, 1)))).toEqual([[0, '1', '100']]);
      }
      expect(await store.minuteTotals(key('BUY', 'SHOP'), minutes(0, 1))).toEqual([]);
    });

    it('keeps filter values differing only in trailing spaces, other whitespace or case apart', async () => {
      const origins = ['o', 'o ', 'o  ', 'o\t', 'O', 'O '];
      await store.addTags(
        'g',
        origins.map((origin, i) =>
          tag(i, { origin, brandId: i % 2 ? 'b ' : 'b', categoryId: i % 3 ? 'c' : 'c ', price: 10 ** i }),
        ),
      );
      const r = minutes(0, 1);
      for (const [i, origin] of origins.entries()) {
        expect(plain(await store.minuteTotals(key('BUY', origin), r))).toEqual([[0, '1', String(10 ** i)]]);
      }
      expect(await store.minuteTotals(key('BUY', 'o   '), r)).toEqual([]);
      // brand 'b' (i = 0, 2, 4) and 'b ' (1, 3, 5); category 'c ' (0, 3) and 'c' (1, 2, 4, 5)
      expect(plain(await store.minuteTotals(key('BUY', ANY, 'b'), r))).toEqual([[0, '3', '10101']]);
      expect(plain(await store.minuteTotals(key('BUY', ANY, 'b '), r))).toEqual([[0, '3', '101010']]);
      expect(plain(await store.minuteTotals(key('BUY', ANY, ANY, 'c '), r))).toEqual([[0, '2', '1001']]);
      expect(plain(await store.minuteTotals(key('BUY', 'o ', 'b ', 'c'), r))).toEqual([[0, '1', '10']]);
      expect(await store.minuteTotals(key('BUY', 'o', 'b ', 'c'), r)).toEqual([]);
      // Every tag counts once under "any": nothing merged, nothing lost.
      expect(plain(await store.minuteTotals(key('BUY'), r))).toEqual([[0, '6', '111111']]);

      // Rolled up into hours, they stay apart.
      await store.rollUpMinutesBefore(T0 + HOUR_MS, 100);
      const hours = { fromMs: T0, toMs: T0 + HOUR_MS };
      for (const [i, origin] of origins.entries()) {
        expect((await store.hourTotals(key('BUY', origin), hours)).map((t) => t.sumPrice)).toEqual([BigInt(10 ** i)]);
      }
    });

    it('keeps a blank filter value apart from "any" (the empty string)', async () => {
      // ' ' is a valid origin (at least one character); under PAD SPACE it equals ANY = ''.
      await store.addTags('g', [tag(1, { origin: ' ', brandId: ' ', categoryId: '  ', price: 7 })]);
      const r = minutes(0, 1);
      for (const k of [key('BUY'), key('BUY', ' '), key('BUY', ANY, ' '), key('BUY', ' ', ' ', '  ')]) {
        expect(plain(await store.minuteTotals(k, r))).toEqual([[0, '1', '7']]);
      }
      expect(await store.minuteTotals(key('BUY', ANY, ANY, ' '), r)).toEqual([]);
    });

    it('replaying a whole batch or a partial batch leaves the counts unchanged', async () => {
      const batch = Array.from({ length: 50 }, (_, i) => tag(i * 7, { partition: i % 3, price: i }));
      expect(await store.addTags('g', batch)).toEqual({ applied: 50, skipped: 0 });
      const before = plain(await store.minuteTotals(key('BUY'), minutes(0, 10)));
      expect(await store.addTags('g', batch)).toEqual({ applied: 0, skipped: 50 });
      expect(await store.addTags('g', batch.slice(10, 30))).toEqual({ applied: 0, skipped: 20 });
      // a redelivery overlapping what was applied plus new records: only the new ones count
      const next = [tag(400, { partition: 0, price: 1000 }), tag(401, { partition: 1, price: 1000 })];
      expect(await store.addTags('g', [...batch.slice(40), ...next])).toEqual({ applied: 2, skipped: 10 });
      const after = plain(await store.minuteTotals(key('BUY'), minutes(0, 10)));
      expect(after.filter(([m]) => m !== 6)).toEqual(before.filter(([m]) => m !== 6));
      expect(after.find(([m]) => m === 6)).toEqual([6, '2', '2000']);
      expect(after.reduce((n, [, count]) => n + Number(count), 0)).toBe(52);
    });

    it('applies an identity at most once: a resent copy at another offset (or partition) adds nothing', async () => {
      const first = [tag(1, { identity: 'id-a', price: 10 }), tag(2, { identity: 'id-b', price: 20 }), tag(3, { price: 5 })];
      await store.addTags('g', first);
      // The client resent a and b (new offsets, b even on another partition), plus a new tag c,
      // and c twice within one batch.
      const resent = [
        tag(1, { identity: 'id-a', price: 10 }),
        tag(2, { identity: 'id-b', price: 20, partition: 1 }),
        tag(4, { identity: 'id-c', price: 7 }),
        tag(4, { identity: 'id-c', price: 7 }),
      ];
      expect(await store.addTags('g', resent)).toEqual({ applied: 4, skipped: 0 });
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 1)))).toEqual([[0, '4', '42']]);
      // Another consumer group (sink) applies the identities on its own.
      await store.addTags('other', [tag(1, { identity: 'id-a', price: 10 })]);
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 1)))).toEqual([[0, '5', '52']]);
    });

    it('forgets identities after the window: a copy after that counts again', async () => {
      await store.addTags('g', [tag(1, { identity: 'id-old', price: 1 })]);
      expect(await store.forgetIdentitiesBefore(Date.now() - 60_000)).toBe(0);
      await store.addTags('g', [tag(1, { identity: 'id-old', price: 1 })]);
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 1)))).toEqual([[0, '1', '1']]);
      expect(await store.forgetIdentitiesBefore(Date.now() + 1)).toBe(1);
      await store.addTags('g', [tag(1, { identity: 'id-old', price: 1 })]);
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 1)))).toEqual([[0, '2', '2']]);
    });

    it('counts concurrent batches carrying the same identities once', async () => {
      const batches = Array.from({ length: 4 }, (_, p) =>
        Array.from({ length: 100 }, (_, i) => tag(i % 60, { partition: p, identity: `same-${i}`, price: 1 })),
      );
      await Promise.all(batches.map((b) => store.addTags('g', b)));
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 1)))).toEqual([[0, '100', '100']]);
    });

    it('counts late and out-of-order tags in the minute of their own time', async () => {
      await store.addTags('g', [tag(300), tag(5), tag(301)]);
      await store.addTags('g', [tag(-3600), tag(65), tag(2)]); // an hour late, and back in minute 0
      expect(plain(await store.minuteTotals(key('BUY'), minutes(-60, 6)))).toEqual([
        [-60, '1', '100'],
        [0, '2', '200'],
        [1, '1', '100'],
        [5, '2', '200'],
      ]);
    });

    it('sums int32 prices exactly, including negative and maximal ones', async () => {
      const many = Array.from({ length: 3000 }, (_, i) => tag(i % 60, { price: INT32_MAX }));
      await store.addTags('g', many.slice(0, 1000));
      await store.addTags('g', many.slice(1000));
      await store.addTags('g', [tag(1, { price: -(2 ** 31) }), tag(2, { price: 0 })]);
      const expected = BigInt(INT32_MAX) * 3000n - 2n ** 31n;
      expect(plain(await store.minuteTotals(key('BUY', 'o1', 'b1', 'c1'), minutes(0, 1)))).toEqual([
        [0, '3002', expected.toString()],
      ]);
    });

    it('counts concurrent batches of different partitions touching the same rows exactly', async () => {
      const batches = Array.from({ length: 6 }, (_, p) =>
        Array.from({ length: 200 }, (_, i) =>
          tag((i % 2) * 60 + (i % 7), { partition: p, origin: `o${i % 3}`, brandId: `b${i % 2}` }),
        ),
      );
      const results = await Promise.all(batches.map((b) => store.addTags('g', b)));
      expect(results.reduce((n, r) => n + r.applied, 0)).toBe(1200);
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 2)))).toEqual([
        [0, '600', '60000'],
        [1, '600', '60000'],
      ]);
    });

    it('rolls minutes before a cutoff up into hours, once, and expires hours', async () => {
      // minutes 0, 59 (hour 0), 60, 61 (hour 1), 180 (hour 3)
      await store.addTags('g', [tag(0), tag(59 * 60, { price: 1 }), tag(60 * 60), tag(61 * 60), tag(180 * 60)]);
      const cutoff = T0 + 61 * MINUTE_MS;
      expect(await store.rollUpMinutesBefore(cutoff, 2)).toEqual({ minutes: 2, rows: 16 });
      expect(await store.rollUpMinutesBefore(cutoff, 100)).toEqual({ minutes: 1, rows: 8 });
      expect(await store.rollUpMinutesBefore(cutoff, 100)).toEqual({ minutes: 0, rows: 0 });
      const hours = { fromMs: T0, toMs: T0 + 4 * HOUR_MS };
      const hourPlain = async (k: AggregateKey) =>
        (await store.hourTotals(k, hours)).map((t) => [(t.bucketMs - T0) / HOUR_MS, t.count.toString(), t.sumPrice.toString()]);
      expect(await hourPlain(key('BUY', 'o1', 'b1', 'c1'))).toEqual([
        [0, '2', '101'],
        [1, '1', '100'],
      ]);
      // rolled-up minutes are gone; later ones stay
      expect(plain(await store.minuteTotals(key('BUY'), minutes(0, 200)))).toEqual([
        [61, '1', '100'],
        [180, '1', '100'],
      ]);
      // a late tag in an already rolled-up minute is added to its hour by the next run
      await store.addTags('g', [tag(30, { price: 5 })]);
      expect(await store.rollUpMinutesBefore(cutoff, 100)).toEqual({ minutes: 1, rows: 8 });
      expect(await hourPlain(key('BUY'))).toEqual([
        [0, '3', '106'],
        [1, '1', '100'],
      ]);
      expect(await store.newestMinute()).toBe(T0 + 180 * MINUTE_MS);
      expect(await store.deleteHoursBefore(T0 + HOUR_MS)).toBe(8);
      expect(await hourPlain(key('BUY'))).toEqual([[1, '1', '100']]);
    });
  });
}

describeAggregateStore('in memory', async () => ({ store: new InMemoryAggregateStore(), close: async () => {} }));
describeAggregateStore('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('aggr');
  return { store: new MySqlAggregateStore(db.pool), close: db.drop };
});

describe('MySqlAggregateStore specifics', () => {
  it('answers sums beyond 2^53 exactly (no rounding through a JS number)', async () => {
    const db = await temporaryDatabase('aggr_big');
    try {
      await db.pool.query(
        `INSERT INTO tag_minute_aggregates (action, origin, brand_id, category_id, minute_ms, count, sum_price)
         VALUES ('BUY', '', '', '', ?, 9007199254740993, 9223372036854775807)`,
        [T0],
      );
      const store = new MySqlAggregateStore(db.pool);
      expect(await store.minuteTotals(key('BUY'), minutes(0, 1))).toEqual([
        { bucketMs: T0, count: 9_007_199_254_740_993n, sumPrice: 9_223_372_036_854_775_807n },
      ]);
    } finally {
      await db.drop();
    }
  });
});
