import { InMemoryAppEventAggregates } from '../../lambdas/tracking/adapters/in-memory-app-event-aggregates';
import { MySqlAppEventAggregates } from '../../lambdas/tracking/adapters/mysql-app-event-aggregates';
import type { AppEventAggregateStore, CountableAppEvent } from '../../lambdas/tracking/domain/app-event-aggregates';
import { temporaryDatabase } from '../support/mariadb';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const MIN = 60_000;

/** An event at `offset` of partition `partition`, `secondsAfterT0` into the hour. */
function event(
  partition: number,
  offset: number,
  eventId: string,
  type: string,
  secondsAfterT0: number,
  appId = 'game',
): CountableAppEvent {
  return {
    topic: 'tracking.app-events',
    partition,
    offset,
    appId,
    eventId,
    type,
    timeMs: T0 + secondsAfterT0 * 1000,
    receivedAtMs: T0 + secondsAfterT0 * 1000 + 500,
  };
}

/** One behaviour, two adapters: the MySQL store and the embedded one must agree. */
function describeAppEventAggregates(
  name: string,
  open: () => Promise<{ store: AppEventAggregateStore; close: () => Promise<void> }>,
) {
  describe(`AppEventAggregateStore contract: ${name}`, () => {
    let store: AppEventAggregateStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => close());

    it('counts events per app, type and minute of their own time (late ones too)', async () => {
      const result = await store.count('g-count', [
        event(0, 0, 'e1', 'purchase_sword', 5),
        event(0, 1, 'e2', 'purchase_sword', 59),
        event(0, 2, 'e3', 'purchase_sword', 61),
        event(0, 3, 'e4', 'join_guild', 10),
        event(0, 4, 'e5', 'join_guild', -3600), // an hour late
        event(1, 0, 'e1', 'purchase_sword', 5, 'other-game'), // same id, other app: its own event
      ]);
      expect(result).toEqual({ applied: 6, skipped: 0, duplicates: 0 });
      expect(await store.minuteCounts('game', T0 - 3600_000, T0 + 10 * MIN)).toEqual([
        { appId: 'game', type: 'join_guild', minuteMs: T0 - 3600_000, count: 1 },
        { appId: 'game', type: 'join_guild', minuteMs: T0, count: 1 },
        { appId: 'game', type: 'purchase_sword', minuteMs: T0, count: 2 },
        { appId: 'game', type: 'purchase_sword', minuteMs: T0 + MIN, count: 1 },
      ]);
      expect(await store.minuteCounts('other-game', T0, T0 + MIN)).toEqual([
        { appId: 'other-game', type: 'purchase_sword', minuteMs: T0, count: 1 },
      ]);
      // [from, to)
      expect(await store.minuteCounts('game', T0 + MIN, T0 + 2 * MIN)).toHaveLength(1);
    });

    it('skips a redelivered batch, whole or overlapping, by offset (counts unchanged)', async () => {
      const batch = [
        event(2, 10, 'r1', 'purchase_knife', 1),
        event(2, 11, 'r2', 'purchase_knife', 2),
        event(2, 12, 'r3', 'purchase_knife', 3),
      ];
      expect(await store.count('g-redeliver', batch)).toEqual({ applied: 3, skipped: 0, duplicates: 0 });
      expect(await store.count('g-redeliver', batch)).toEqual({ applied: 0, skipped: 3, duplicates: 0 });
      const overlapping = [batch[2], event(2, 13, 'r4', 'purchase_knife', 4)];
      expect(await store.count('g-redeliver', overlapping)).toEqual({ applied: 1, skipped: 1, duplicates: 0 });
      const counts = await store.minuteCounts('game', T0, T0 + MIN);
      expect(counts.find((c) => c.type === 'purchase_knife')?.count).toBe(4);
    });

    it('counts an event id once, whether resent in the same batch or a later one', async () => {
      const first = await store.count('g-dedupe', [
        event(3, 0, 'd1', 'level_up', 1),
        event(3, 1, 'd1', 'level_up', 1), // resent within the batch
        event(3, 2, 'd2', 'level_up', 2),
      ]);
      expect(first).toEqual({ applied: 3, skipped: 0, duplicates: 1 });
      // The client resent d2 (new offsets: a new Kafka record) and sent d3.
      const second = await store.count('g-dedupe', [event(4, 0, 'd2', 'level_up', 2), event(4, 1, 'd3', 'level_up', 3)]);
      expect(second).toEqual({ applied: 2, skipped: 0, duplicates: 1 });
      const counts = await store.minuteCounts('game', T0, T0 + MIN);
      expect(counts.find((c) => c.type === 'level_up')?.count).toBe(3);
    });

    it('keeps app ids, types and event ids differing only in trailing whitespace or case apart', async () => {
      const at = 600; // minute 10, away from the other cases
      const result = await store.count('g-pad', [
        event(8, 0, 'p1', 'quest', at, 'pad-game'),
        event(8, 1, 'p1 ', 'quest', at, 'pad-game'), // another event id, not a resend
        event(8, 2, 'P1', 'quest', at, 'pad-game'),
        event(8, 3, 'p1\t', 'quest ', at, 'pad-game'),
        event(8, 4, 'p2', 'quest\t', at, 'pad-game'),
        event(8, 5, 'p3', 'Quest', at, 'pad-game'),
        event(8, 6, 'p1', 'quest', at, 'pad-game '), // same event id, other app
        event(8, 7, 'p1', 'quest', at, 'Pad-game'),
      ]);
      expect(result).toEqual({ applied: 8, skipped: 0, duplicates: 0 });
      const minute = T0 + 10 * MIN;
      // Types in byte order: 'Quest' < 'quest' < 'quest\t' < 'quest '.
      expect(await store.minuteCounts('pad-game', minute, minute + MIN)).toEqual([
        { appId: 'pad-game', type: 'Quest', minuteMs: minute, count: 1 },
        { appId: 'pad-game', type: 'quest', minuteMs: minute, count: 3 },
        { appId: 'pad-game', type: 'quest\t', minuteMs: minute, count: 1 },
        { appId: 'pad-game', type: 'quest ', minuteMs: minute, count: 1 },
      ]);
      for (const appId of ['pad-game ', 'Pad-game']) {
        expect(await store.minuteCounts(appId, minute, minute + MIN)).toEqual([
          { appId, type: 'quest', minuteMs: minute, count: 1 },
        ]);
      }
      expect(await store.minuteCounts('pad-game  ', minute, minute + MIN)).toEqual([]);
      // A resend of each id is a duplicate of that id only.
      const resent = await store.count('g-pad', [
        event(8, 8, 'p1 ', 'quest', at, 'pad-game'),
        event(8, 9, 'p1  ', 'quest', at, 'pad-game'),
        event(8, 10, 'p1', 'quest', at, 'pad-game '),
      ]);
      expect(resent).toEqual({ applied: 3, skipped: 0, duplicates: 2 });
      expect((await store.minuteCounts('pad-game', minute, minute + MIN)).find((c) => c.type === 'quest')?.count).toBe(4);
    });

    it('counts an id once when two partitions deliver copies at the same time', async () => {
      const results = await Promise.all([
        store.count('g-race', [event(6, 0, 'x1', 'race', 1), event(6, 1, 'x2', 'race', 1), event(6, 2, 'x3', 'race', 1)]),
        store.count('g-race', [event(7, 0, 'x3', 'race', 1), event(7, 1, 'x2', 'race', 1), event(7, 2, 'x4', 'race', 1)]),
      ]);
      expect(results.map((r) => r.applied)).toEqual([3, 3]);
      expect(results[0].duplicates + results[1].duplicates).toBe(2);
      const counts = await store.minuteCounts('game', T0, T0 + MIN);
      expect(counts.find((c) => c.type === 'race')?.count).toBe(4);
    });

    it('forgets event ids received before a cutoff, after which a resend counts again', async () => {
      await store.count('g-forget', [event(5, 0, 'f1', 'quest_done', 1), event(5, 1, 'f2', 'quest_done', 120)]);
      expect(await store.forgetEventIdsBefore(T0 + 60_000, 1000)).toBeGreaterThanOrEqual(1);
      const resent = await store.count('g-forget', [event(5, 2, 'f1', 'quest_done', 1), event(5, 3, 'f2', 'quest_done', 120)]);
      expect(resent).toEqual({ applied: 2, skipped: 0, duplicates: 1 });
      const counts = await store.minuteCounts('game', T0, T0 + 3 * MIN);
      expect(counts.filter((c) => c.type === 'quest_done').map((c) => c.count)).toEqual([2, 1]);
    });
  });
}

describeAppEventAggregates('in memory', async () => ({ store: new InMemoryAppEventAggregates(), close: async () => {} }));
describeAppEventAggregates('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('appevents');
  return { store: new MySqlAppEventAggregates(db.pool), close: db.drop };
});
