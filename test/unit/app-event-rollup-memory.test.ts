/**
 * The embedded app-event counts are also the embedded `app_event_minutes`/`app_event_hours` for the
 * roll-up job and the ingest metrics: the same behaviour as the MySQL tables
 * (test/contract/aggregate-store.app-event-rollup.test.ts).
 */
import { InMemoryAppEventAggregates } from '../../lambdas/tracking/adapters/in-memory-app-event-aggregates';
import { HOUR_MS, MINUTE_MS } from '../../lambdas/tracking/domain/aggregates';
import type { CountableAppEvent } from '../../lambdas/tracking/domain/app-event-aggregates';
import { applyRollupRetention, MINUTE_RETENTION_MS } from '../../lambdas/tracking/domain/retention';

const T0 = Date.parse('2022-03-01T00:00:00.000Z');
let offset = 0;

async function put(store: InMemoryAppEventAggregates, appId: string, type: string, minuteMs: number, count: number) {
  const events: CountableAppEvent[] = Array.from({ length: count }, () => {
    const n = offset++;
    return {
      topic: 't',
      partition: 0,
      offset: n,
      appId,
      eventId: `e${n}`,
      type,
      timeMs: minuteMs + 1,
      receivedAtMs: minuteMs + 2,
    };
  });
  await store.count('g', events);
}

describe('embedded app-event minutes: per-app counts and roll-up', () => {
  it('counts events per app of one minute, summed over types', async () => {
    const store = new InMemoryAppEventAggregates();
    await put(store, 'game', 'buy_sword', T0, 3);
    await put(store, 'game', 'join_guild', T0, 2);
    await put(store, 'shop', 'buy', T0, 7);
    await put(store, 'game', 'buy_sword', T0 + MINUTE_MS, 100);
    expect(await store.perApp(T0)).toEqual(
      new Map([
        ['game', 5n],
        ['shop', 7n],
      ]),
    );
  });

  it('rolls minutes older than the newest minute minus 24 h into hours, once, and expires old hours', async () => {
    const store = new InMemoryAppEventAggregates();
    await put(store, 'game', 'buy_sword', T0, 3);
    await put(store, 'game', 'join_guild', T0, 2);
    await put(store, 'game', 'buy_sword', T0 + MINUTE_MS, 100);
    const newest = T0 + 2 * 24 * HOUR_MS;
    await put(store, 'game', 'buy_sword', newest, 1);
    await put(store, 'game', 'buy_sword', newest - MINUTE_RETENTION_MS, 10); // kept
    expect(await applyRollupRetention(store)).toMatchObject({ minutesRolledUp: 2, rowsRolledUp: 3, hourRowsDeleted: 0 });
    expect(await store.hourCounts('game', 0, newest)).toEqual([
      { type: 'buy_sword', hourMs: T0, count: 103 },
      { type: 'join_guild', hourMs: T0, count: 2 },
    ]);
    expect((await store.minuteCounts('game', 0, newest + 1)).map((m) => m.minuteMs)).toEqual([
      newest - MINUTE_RETENTION_MS,
      newest,
    ]);
    expect(await applyRollupRetention(store)).toMatchObject({ minutesRolledUp: 0, rowsRolledUp: 0 });
    await put(store, 'game', 'buy_sword', T0 + 30 * MINUTE_MS, 1); // late
    expect(await applyRollupRetention(store)).toMatchObject({ minutesRolledUp: 1, rowsRolledUp: 1 });
    expect((await store.hourCounts('game', 0, newest)).find((h) => h.type === 'buy_sword')?.count).toBe(104);
    // 40 days on: the two kept minutes roll up too, and all 4 hour rows are older than 30 days.
    await put(store, 'game', 'buy_sword', T0 + 40 * 24 * HOUR_MS, 1);
    expect(await applyRollupRetention(store)).toMatchObject({ minutesRolledUp: 2, hourRowsDeleted: 4 });
    expect(await store.hourCounts('game', 0, T0 + 41 * 24 * HOUR_MS)).toEqual([]);
  });
});
