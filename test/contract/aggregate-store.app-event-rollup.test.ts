/**
 * The MySQL roll-up and per-app counts of app-event minutes (`app_event_minutes` →
 * `app_event_hours`, migration 0004), against the local MariaDB (fails when it is not running).
 */
import type { RowDataPacket } from 'mysql2/promise';
import { APP_EVENT_TABLES, MySqlMinuteRollup } from '../../lambdas/tracking/adapters/mysql-aggregate-rollup';
import { MySqlAppEventMinuteCounts } from '../../lambdas/tracking/adapters/mysql-app-event-aggregate-counts';
import { HOUR_MS, MINUTE_MS } from '../../lambdas/tracking/domain/aggregates';
import { applyRollupRetention, MINUTE_RETENTION_MS } from '../../lambdas/tracking/domain/retention';
import { temporaryDatabase } from '../support/mariadb';

const T0 = Date.parse('2022-03-01T00:00:00.000Z');

describe('app-event minute roll-up (MySQL)', () => {
  let db: Awaited<ReturnType<typeof temporaryDatabase>>;
  beforeAll(async () => {
    db = await temporaryDatabase('appev_rollup');
  });
  afterAll(async () => db.drop());

  const put = (appId: string, type: string, minuteMs: number, count: number) =>
    db.pool.query(
      `INSERT INTO app_event_minutes (app_id, type, minute_ms, count) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE count = count + VALUES(count)`,
      [appId, type, minuteMs, count],
    );
  const rows = async (sql: string) => (await db.pool.query<RowDataPacket[]>(sql))[0].map((r) => ({ ...r }));

  it('counts events per app of one minute, summed over types', async () => {
    await put('game', 'buy_sword', T0, 3);
    await put('game', 'join_guild', T0, 2);
    await put('shop', 'buy', T0, 7);
    await put('game', 'buy_sword', T0 + MINUTE_MS, 100);
    const counts = await new MySqlAppEventMinuteCounts(db.pool).perApp(T0);
    expect(counts).toEqual(
      new Map([
        ['game', 5n],
        ['shop', 7n],
      ]),
    );
  });

  it('rolls minutes older than the newest minute minus 24 h into hours, once, and keeps the rest', async () => {
    const rollup = new MySqlMinuteRollup(db.pool, APP_EVENT_TABLES);
    const newest = T0 + 2 * 24 * HOUR_MS;
    await put('game', 'buy_sword', newest, 1);
    await put('game', 'buy_sword', newest - MINUTE_RETENTION_MS, 10); // kept
    const summary = await applyRollupRetention(rollup);
    // minutes T0 and T0+1 (from the test above) are rolled up into hour T0
    expect(summary).toMatchObject({ minutesRolledUp: 2, rowsRolledUp: 4, hourRowsDeleted: 0 });
    expect(
      // app_id and type are VARBINARY (migration 0006): read back as text.
      await rows(
        `SELECT CONVERT(app_id USING utf8mb4) AS app_id, CONVERT(type USING utf8mb4) AS type, hour_ms,
           CAST(count AS CHAR) AS n FROM app_event_hours ORDER BY app_id, type`,
      ),
    ).toEqual([
      { app_id: 'game', type: 'buy_sword', hour_ms: T0, n: '103' },
      { app_id: 'game', type: 'join_guild', hour_ms: T0, n: '2' },
      { app_id: 'shop', type: 'buy', hour_ms: T0, n: '7' },
    ]);
    expect(await rows('SELECT minute_ms FROM app_event_minutes ORDER BY minute_ms')).toEqual([
      { minute_ms: newest - MINUTE_RETENTION_MS },
      { minute_ms: newest },
    ]);
    // a rerun is harmless; a late event in a rolled-up minute is added by the next run
    expect(await applyRollupRetention(rollup)).toMatchObject({ minutesRolledUp: 0, rowsRolledUp: 0 });
    await put('game', 'buy_sword', T0 + 30 * MINUTE_MS, 1);
    expect(await applyRollupRetention(rollup)).toMatchObject({ minutesRolledUp: 1, rowsRolledUp: 1 });
    expect(await rows("SELECT CAST(count AS CHAR) AS n FROM app_event_hours WHERE type = 'buy_sword'")).toEqual([{ n: '104' }]);
    // 40 days later: the two minutes of day 1-2 are rolled up too, and every hour older than
    // 30 days before the newest minute expires (3 rows of hour T0, 2 of the rolled-up minutes)
    await put('game', 'buy_sword', T0 + 40 * 24 * HOUR_MS, 1);
    expect(await applyRollupRetention(rollup)).toMatchObject({ minutesRolledUp: 2, hourRowsDeleted: 5 });
    expect(await rows('SELECT COUNT(*) AS n FROM app_event_hours')).toEqual([{ n: 0 }]);
  });
});
