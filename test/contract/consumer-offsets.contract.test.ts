/**
 * Exactly-once application of Kafka records: `applyExactlyOnce` (MySQL, offsets in the same
 * transaction as the data) and `InMemoryOffsets` (embedded) held to one behaviour. The MySQL
 * side runs against the local MariaDB and fails when it is not running.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { applyExactlyOnce, InMemoryOffsets } from '../../lambdas/platform/sql/consumer-offsets';
import { temporaryDatabase } from '../support/mariadb';

interface Rec {
  topic: string;
  partition: number;
  offset: number;
  amount: number;
}

const rec = (partition: number, offset: number, amount = 1, topic = 'tags'): Rec => ({ topic, partition, offset, amount });
const range = (partition: number, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => rec(partition, from + i, 1));

/**
 * A tiny "store" behind the exactly-once applier: a sum per group, so a double application
 * shows as a wrong total. `failNext` makes the next apply write part of its data and then throw.
 */
interface Harness {
  apply(group: string, records: Rec[]): Promise<{ applied: number; skipped: number }>;
  total(group: string): Promise<number>;
  failNext(): void;
  close(): Promise<void>;
}

function describeExactlyOnce(name: string, open: () => Promise<Harness>) {
  describe(`exactly-once offsets: ${name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await open();
    });
    afterAll(async () => h.close());

    it('applies a batch once; replaying it whole changes nothing', async () => {
      const batch = [...range(0, 0, 5), ...range(1, 0, 3)];
      expect(await h.apply('g-replay', batch)).toEqual({ applied: 8, skipped: 0 });
      expect(await h.apply('g-replay', batch)).toEqual({ applied: 0, skipped: 8 });
      expect(await h.total('g-replay')).toBe(8);
    });

    it('applies only the new part of a partial / overlapping batch', async () => {
      expect(await h.apply('g-partial', range(0, 0, 10))).toEqual({ applied: 10, skipped: 0 });
      // a redelivery starting in the middle of what was applied, running past its end
      expect(await h.apply('g-partial', range(0, 6, 14))).toEqual({ applied: 4, skipped: 4 });
      // a strict sub-range of what was applied
      expect(await h.apply('g-partial', range(0, 2, 5))).toEqual({ applied: 0, skipped: 3 });
      expect(await h.total('g-partial')).toBe(14);
    });

    it('counts a record repeated inside one batch once, and keeps partitions and topics apart', async () => {
      const batch = [rec(0, 0), rec(0, 0), rec(2, 0), rec(0, 1), rec(2, 0, 1, 'other')];
      expect(await h.apply('g-mixed', batch)).toEqual({ applied: 4, skipped: 1 });
      // partition 2 of "other" at offset 0 is done, but offset 0 of partition 3 is new
      expect(await h.apply('g-mixed', [rec(2, 0, 1, 'other'), rec(3, 0)])).toEqual({ applied: 1, skipped: 1 });
      expect(await h.total('g-mixed')).toBe(5);
    });

    it('keeps consumer groups independent', async () => {
      const batch = range(0, 0, 4);
      await h.apply('g-a', batch);
      expect(await h.apply('g-b', batch)).toEqual({ applied: 4, skipped: 0 });
      expect(await h.apply('g-a', batch)).toEqual({ applied: 0, skipped: 4 });
      expect([await h.total('g-a'), await h.total('g-b')]).toEqual([4, 4]);
    });

    it('keeps groups and topics differing only in trailing whitespace or case apart', async () => {
      const batch = range(0, 0, 3);
      for (const group of ['g-pad', 'g-pad ', 'g-pad\t', 'G-pad']) {
        expect(await h.apply(group, batch)).toEqual({ applied: 3, skipped: 0 });
      }
      expect(await h.apply('g-pad ', batch)).toEqual({ applied: 0, skipped: 3 });
      expect(await h.total('g-pad')).toBe(3);
      expect(await h.total('g-pad ')).toBe(3);
      expect(await h.total('g-pad  ')).toBe(0);

      // The same partition and offset of 'tags', 'tags ' and 'Tags': three log positions.
      const topics = [rec(0, 0, 1, 'tags'), rec(0, 0, 1, 'tags '), rec(0, 0, 1, 'tags\t'), rec(0, 0, 1, 'Tags')];
      expect(await h.apply('g-topics', topics)).toEqual({ applied: 4, skipped: 0 });
      expect(await h.apply('g-topics', topics)).toEqual({ applied: 0, skipped: 4 });
      expect(await h.apply('g-topics', [rec(0, 1, 1, 'tags '), rec(0, 0, 1, 'tags  ')])).toEqual({ applied: 2, skipped: 0 });
      expect(await h.total('g-topics')).toBe(6);
    });

    it('leaves offsets and data unchanged when apply fails, so the retried batch applies fully', async () => {
      await h.apply('g-fail', range(0, 0, 2));
      h.failNext();
      await expect(h.apply('g-fail', range(0, 0, 6))).rejects.toThrow('apply failed');
      expect(await h.total('g-fail')).toBe(2);
      expect(await h.apply('g-fail', range(0, 0, 6))).toEqual({ applied: 4, skipped: 2 });
      expect(await h.total('g-fail')).toBe(6);
    });

    it('accepts a batch that starts at a high offset (log trimmed by retention)', async () => {
      expect(await h.apply('g-high', [rec(0, 9_007_199_254_740_000), rec(0, 9_007_199_254_740_001)])).toEqual({
        applied: 2,
        skipped: 0,
      });
      expect(await h.apply('g-high', [rec(0, 9_007_199_254_740_001)])).toEqual({ applied: 0, skipped: 1 });
    });

    it('does nothing for an empty batch and refuses a record without a log position', async () => {
      expect(await h.apply('g-empty', [])).toEqual({ applied: 0, skipped: 0 });
      await expect(h.apply('g-empty', [rec(0, -1)])).rejects.toThrow('not a Kafka log position');
      expect(await h.total('g-empty')).toBe(0);
    });
  });
}

describeExactlyOnce('in memory', async () => {
  const offsets = new InMemoryOffsets();
  const totals = new Map<string, number>();
  let fail = false;
  return {
    apply: async (group, records) =>
      offsets.applyOnce(group, records, (fresh) => {
        const sum = fresh.reduce((s, r) => s + r.amount, 0);
        if (fail) {
          fail = false;
          throw new Error('apply failed');
        }
        totals.set(group, (totals.get(group) ?? 0) + sum);
      }),
    total: async (group) => totals.get(group) ?? 0,
    failNext: () => {
      fail = true;
    },
    close: async () => {},
  };
});

describeExactlyOnce('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('offsets');
  // VARBINARY like consumer_offsets.consumer_group: the harness must not merge groups itself.
  await db.pool.query('CREATE TABLE sums (consumer_group VARBINARY(800) PRIMARY KEY, total BIGINT NOT NULL) ENGINE=InnoDB');
  let fail = false;
  return {
    apply: (group, records) =>
      applyExactlyOnce(db.pool, group, records, async (conn, fresh) => {
        const sum = fresh.reduce((s, r) => s + r.amount, 0);
        await conn.query('INSERT INTO sums VALUES (?, ?) ON DUPLICATE KEY UPDATE total = total + VALUES(total)', [group, sum]);
        if (fail) {
          fail = false;
          throw new Error('apply failed');
        }
      }),
    total: async (group) => {
      const [rows] = await db.pool.query<RowDataPacket[]>('SELECT total FROM sums WHERE consumer_group = ?', [group]);
      return rows.length ? Number(rows[0].total) : 0;
    },
    failNext: () => {
      fail = true;
    },
    close: db.drop,
  };
});

describe('exactly-once offsets: MySQL concurrency', () => {
  it('serialises concurrent deliveries of the same records (each applied once) and runs partitions in parallel', async () => {
    const db = await temporaryDatabase('offsets_conc');
    try {
      await db.pool.query('CREATE TABLE sums (consumer_group VARCHAR(200) PRIMARY KEY, total BIGINT NOT NULL) ENGINE=InnoDB');
      const applyBatch = (records: Rec[]) =>
        applyExactlyOnce(db.pool, 'g', records, async (conn, fresh) => {
          await conn.query('INSERT INTO sums VALUES (?, ?) ON DUPLICATE KEY UPDATE total = total + VALUES(total)', [
            'g',
            fresh.length,
          ]);
        });
      // Redeliveries start where the log was committed, so they begin at or before what was
      // applied: the same batch twice, and a batch plus a longer redelivery from the same start.
      // Whichever wins the row lock, each record is applied once.
      const batches = [range(0, 0, 50), range(0, 0, 50), range(1, 0, 50), range(1, 0, 75), range(2, 0, 10), range(2, 0, 10)];
      const results = await Promise.all(batches.map(applyBatch));
      const applied = results.reduce((s, r) => s + r.applied, 0);
      expect(applied).toBe(50 + 75 + 10);
      const [rows] = await db.pool.query<RowDataPacket[]>('SELECT total FROM sums');
      expect(Number(rows[0].total)).toBe(135);
      const [offsets] = await db.pool.query<RowDataPacket[]>(
        'SELECT topic, kafka_partition, next_offset FROM consumer_offsets ORDER BY kafka_partition',
      );
      expect(offsets.map((r) => [r.kafka_partition, Number(r.next_offset)])).toEqual([
        [0, 50],
        [1, 75],
        [2, 10],
      ]);
    } finally {
      await db.drop();
    }
  });
});
