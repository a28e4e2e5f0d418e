/**
 * Tracking migration 0006_binary_keys on a database that already holds data (local MariaDB;
 * fails when it is not running): a database migrated to 0005 and filled through the adapters is
 * migrated to 0006. Every row and every key byte stays, the adapters answer as before, keys,
 * indexes and the foreign key are as they were (the same queries use the same indexes), the
 * migration re-runs cleanly (also after stopping half-way), and new look-alike keys stay apart.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { migrationSources } from '../../lambdas/manifest';
import { localServices } from '../../lambdas/platform/config';
import { migrate, readMigrations } from '../../lambdas/platform/sql/migrate';
import { createDatabaseIfMissing, createPool, type Pool } from '../../lambdas/platform/sql/pool';
import { splitSqlStatements } from '../../lambdas/platform/sql/split-statements';
import { MySqlAggregateStore } from '../../lambdas/tracking/adapters/mysql-aggregate-store';
import { MySqlAppEventMinuteCounts } from '../../lambdas/tracking/adapters/mysql-app-event-aggregate-counts';
import { MySqlAppEventAggregates } from '../../lambdas/tracking/adapters/mysql-app-event-aggregates';
import { MySqlAppRegistry } from '../../lambdas/tracking/adapters/mysql-app-registry';
import { MySqlUserTagStore } from '../../lambdas/tracking/adapters/mysql-user-tag-store';
import { type AggregatableTag, type AggregateKey, ANY, MINUTE_MS } from '../../lambdas/tracking/domain/aggregates';
import type { CountableAppEvent } from '../../lambdas/tracking/domain/app-event-aggregates';
import { hashSecret } from '../../lambdas/tracking/domain/ingest-key';
import type { StoredUserTag } from '../../lambdas/tracking/domain/user-tag-store';

const server = (() => {
  const { host, port, user, password } = localServices().mysql;
  return { host, port, user, password };
})();
const database = `eventline_t_binkeys_${randomBytes(4).toString('hex')}`;
const tracking = migrationSources.find((source) => source.namespace === 'tracking')!;
const T0 = Date.parse('2022-03-01T00:00:00.000Z');
const all = { fromMs: T0 - 86_400_000, toMs: T0 + 86_400_000 };

/** Keys that are valid today and must come through byte for byte (one of each look-alike set). */
const COOKIES = ['Ck-ż😀', 'c1 ', 'tab\tcookie', 'UPPER', 'ends-with-tab\t'];
const ORIGINS = ['sklep-ż', 'o ', 'O'];
const APP_IDS = ['game', 'game-ż ', 'Game2'];

/** Key columns per table, and the primary key they are listed by in snapshots. */
const KEY_COLUMNS: Record<string, string[]> = {
  user_tags: ['topic', 'source_partition', 'source_offset', 'cookie', 'action', 'tag_time_ms'],
  consumer_offsets: ['consumer_group', 'topic', 'kafka_partition', 'next_offset'],
  tag_minute_aggregates: ['action', 'origin', 'brand_id', 'category_id', 'minute_ms', 'count', 'sum_price'],
  tag_hour_aggregates: ['action', 'origin', 'brand_id', 'category_id', 'hour_ms', 'count', 'sum_price'],
  apps: ['app_id', 'name', 'created_at'],
  app_keys: ['key_id', 'app_id', 'key_hash', 'created_at', 'revoked_at'],
  app_event_minutes: ['app_id', 'type', 'minute_ms', 'count'],
  app_event_hours: ['app_id', 'type', 'hour_ms', 'count'],
  app_event_ids: ['app_id', 'event_id', 'received_ms', 'first_token'],
};

/** Which VARBINARY size each key column gets (4 bytes per character of its VARCHAR). */
const BINARY_COLUMNS: Record<string, Record<string, number>> = {
  user_tags: { topic: 800, cookie: 1020 },
  consumer_offsets: { consumer_group: 800, topic: 800 },
  tag_minute_aggregates: { origin: 1024, brand_id: 512, category_id: 512 },
  tag_hour_aggregates: { origin: 1024, brand_id: 512, category_id: 512 },
  apps: { app_id: 256 },
  app_keys: { key_id: 128, app_id: 256 },
  app_event_minutes: { app_id: 256, type: 512 },
  app_event_hours: { app_id: 256, type: 512 },
  app_event_ids: { app_id: 256, event_id: 512 },
};

let pool: Pool;
let oldMigrations: string;
/** The tracking migrations up to 0006 (later ones, e.g. 0007's identities, are applied by the last test). */
let through0006: string;

async function rows<T extends RowDataPacket = RowDataPacket>(sql: string, values: unknown[] = []): Promise<T[]> {
  const [result] = await pool.query<T[]>(sql, values);
  return result;
}

/** Every row of every tracking table, each value as hex bytes (or text), sorted in JS. */
async function snapshot(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, columns] of Object.entries(KEY_COLUMNS)) {
    const list = columns.map((c) => `HEX(${c})`).join(', ');
    const found = await rows(`SELECT CONCAT_WS('|', ${list}) AS v FROM ${table}`);
    out[table] = found.map((r) => String(r.v)).sort();
  }
  return out;
}

/** Index and foreign-key definitions of the tracking tables. */
async function keyDefinitions(): Promise<string[]> {
  const indexes = await rows(
    `SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
  );
  const foreign = await rows(
    `SELECT CONSTRAINT_NAME, TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY CONSTRAINT_NAME`,
  );
  return [...indexes, ...foreign].map((r) => JSON.stringify(Object.values(r)));
}

let offset = 0;
const userTag = (cookie: string, secondsAfterT0: number): StoredUserTag => ({
  cookie,
  action: 'VIEW',
  timeMs: T0 + secondsAfterT0 * 1000,
  raw: JSON.stringify({ cookie, n: offset }),
  position: { topic: 'user-tags', partition: 0, offset: String(offset++) },
});

const aggregatable = (origin: string, i: number): AggregatableTag => ({
  topic: 'user-tags',
  partition: 1,
  offset: i,
  action: 'BUY',
  origin,
  brandId: 'b-ż',
  categoryId: 'c ',
  price: 100 + i,
  timeMs: T0 + i * 1000,
});
const aggregateKey = (origin: string): AggregateKey => ({ action: 'BUY', origin, brandId: ANY, categoryId: ANY });

const appEvent = (appId: string, i: number, eventId: string, type: string): CountableAppEvent => ({
  topic: 'app-events',
  partition: 0,
  offset: i,
  appId,
  eventId,
  type,
  timeMs: T0 + i * 1000,
  receivedAtMs: T0 + i * 1000 + 5,
});

/** How the server runs the adapters' key lookups: access type and index, not row estimates. */
async function plans() {
  const plan = async (sql: string, values: unknown[]) => {
    const [row] = await rows(`EXPLAIN ${sql}`, values);
    return { type: row?.type, key: row?.key, possibleKeys: String(row?.possible_keys ?? '').split(',') };
  };
  return {
    profile: await plan(
      `SELECT tag_json FROM user_tags WHERE cookie = ? AND action = ? AND tag_time_ms >= ? AND tag_time_ms < ?
        ORDER BY tag_time_ms DESC, source_offset DESC LIMIT 10`,
      ['bulk-7', 'VIEW', all.fromMs, all.toMs],
    ),
    trim: await plan(
      'SELECT cookie, action FROM user_tags WHERE (cookie, action) IN ((?, ?), (?, ?)) GROUP BY cookie, action HAVING COUNT(*) > ?',
      ['bulk-7', 'VIEW', 'c1 ', 'VIEW', 200],
    ),
    aggregate: await plan(
      `SELECT minute_ms FROM tag_minute_aggregates
        WHERE action = ? AND origin = ? AND brand_id = ? AND category_id = ? AND minute_ms >= ? AND minute_ms < ?`,
      ['BUY', 'o ', '', '', all.fromMs, all.toMs],
    ),
    counts: await plan(
      'SELECT type, minute_ms, count FROM app_event_minutes WHERE app_id = ? AND minute_ms >= ? AND minute_ms < ? ORDER BY type, minute_ms',
      ['game', T0, T0 + MINUTE_MS],
    ),
    ids: await plan(
      'SELECT app_id, event_id FROM app_event_ids WHERE (app_id, event_id) IN ((?, ?), (?, ?)) AND first_token = ?',
      ['game', 'E2', 'game', 'e-ż 1', 'x'],
    ),
    offsets: await plan(
      'SELECT topic, kafka_partition, next_offset FROM consumer_offsets WHERE consumer_group = ? AND (topic, kafka_partition) IN ((?, ?))',
      ['tracking-aggregate-tags', 'user-tags', 1],
    ),
    keysOfApp: await plan('SELECT key_id FROM app_keys WHERE app_id = ? ORDER BY created_at, key_id', ['game']),
  };
}

/** The profile store's insert before migration 0007 (no identity column); these tags trim nothing. */
async function insertOldTags(tags: readonly StoredUserTag[]): Promise<void> {
  await pool.query(
    `INSERT INTO user_tags (topic, source_partition, source_offset, cookie, action, tag_time_ms, tag_json)
     VALUES ? ON DUPLICATE KEY UPDATE source_offset = source_offset`,
    [tags.map((t) => [t.position.topic, t.position.partition, t.position.offset, t.cookie, t.action, t.timeMs, t.raw])],
  );
}

/** What the adapters answer about the seeded data. */
async function answers() {
  const tags = new MySqlUserTagStore(pool);
  const aggregates = new MySqlAggregateStore(pool);
  const registry = new MySqlAppRegistry(pool);
  const appEvents = new MySqlAppEventAggregates(pool);
  return {
    profiles: await Promise.all(COOKIES.map((cookie) => tags.newest(cookie, 'VIEW', all, 10))),
    aggregates: await Promise.all(ORIGINS.map((origin) => aggregates.minuteTotals(aggregateKey(origin), all))),
    any: await aggregates.minuteTotals(aggregateKey(ANY), all),
    apps: await Promise.all(APP_IDS.map((appId) => registry.getApp(appId))),
    keys: await Promise.all(APP_IDS.map((appId) => registry.listKeys(appId))),
    key: await registry.findKey('00000000000000a1'),
    counts: await Promise.all(APP_IDS.map((appId) => appEvents.minuteCounts(appId, T0, T0 + MINUTE_MS))),
    perApp: [...(await new MySqlAppEventMinuteCounts(pool).perApp(T0)).entries()],
  };
}

beforeAll(async () => {
  await createDatabaseIfMissing(server, database);
  pool = createPool({ ...server, database, connectionLimit: 4 });
  // The tracking migrations before 0006, as a deployment of the previous version applied them.
  oldMigrations = await mkdtemp(path.join(tmpdir(), 'eventline-migrations-'));
  for (const file of await readdir(tracking.directory)) {
    if (/^000[1-5]_.*\.sql$/.test(file)) await copyFile(path.join(tracking.directory, file), path.join(oldMigrations, file));
  }
  through0006 = await mkdtemp(path.join(tmpdir(), 'eventline-migrations-'));
  for (const file of await readdir(tracking.directory)) {
    if (/^000[1-6]_.*\.sql$/.test(file)) await copyFile(path.join(tracking.directory, file), path.join(through0006, file));
  }
  const applied = await migrate(pool, [{ namespace: 'tracking', directory: oldMigrations }]);
  expect(applied).toHaveLength(5);

  // Data written by the adapters on the old schema (the profile store's rows as its insert of
  // that version wrote them: today's adapter also writes 0007's identity column).
  await insertOldTags(COOKIES.map((cookie, i) => userTag(cookie, i)));
  // Enough cookies that the optimizer has statistics to choose by.
  await insertOldTags(Array.from({ length: 400 }, (_, i) => userTag(`bulk-${i % 80}`, i % 600)));
  await new MySqlAggregateStore(pool).addTags(
    'tracking-aggregate-tags',
    ORIGINS.map((origin, i) => aggregatable(origin, i)),
  );
  const registry = new MySqlAppRegistry(pool);
  for (const appId of APP_IDS) await registry.createApp({ appId, name: `App ${appId}` }, new Date(T0));
  await registry.addKey({ keyId: '00000000000000a1', appId: 'game-ż ', keyHash: hashSecret('s1') }, new Date(T0));
  await registry.addKey({ keyId: '00000000000000b2', appId: 'game', keyHash: hashSecret('s2') }, new Date(T0 + 1));
  await registry.revokeKey('00000000000000b2', new Date(T0 + 2));
  await new MySqlAppEventAggregates(pool).count(
    'tracking-aggregate-app-events',
    APP_IDS.flatMap((appId, a) => [appEvent(appId, 2 * a, 'e-ż 1', 'quest '), appEvent(appId, 2 * a + 1, 'E2', 'Quest')]),
  );
});

afterAll(async () => {
  await pool?.end();
  const admin = await mysql.createConnection(server);
  await admin.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
  await admin.end();
  if (oldMigrations) await rm(oldMigrations, { recursive: true, force: true });
  if (through0006) await rm(through0006, { recursive: true, force: true });
});

describe('tracking migration 0006_binary_keys on existing data', () => {
  let before: Record<string, string[]>;
  let beforeAnswers: Awaited<ReturnType<typeof answers>>;
  let beforeKeys: string[];
  let beforePlans: Awaited<ReturnType<typeof plans>>;

  beforeAll(async () => {
    before = await snapshot();
    beforeAnswers = await answers();
    beforeKeys = await keyDefinitions();
    beforePlans = await plans();
    expect(await migrate(pool, [{ namespace: 'tracking', directory: through0006 }])).toEqual(['tracking/0006_binary_keys']);
  });

  it('keeps every row and every byte of every key', async () => {
    expect(before.user_tags).toHaveLength(COOKIES.length + 400);
    expect(before.tag_minute_aggregates.length).toBeGreaterThan(0);
    expect(before.app_keys).toHaveLength(2);
    expect(await snapshot()).toEqual(before);
  });

  it('turns every key column into VARBINARY sized 4 bytes per former character', async () => {
    const columns = await rows(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS n, IS_NULLABLE AS nullable
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE = 'varbinary'`,
    );
    const found: Record<string, Record<string, number>> = {};
    for (const { t, c, n, nullable } of columns) {
      expect(nullable).toBe('NO');
      found[t] = { ...found[t], [c]: Number(n) };
    }
    expect(found).toEqual(BINARY_COLUMNS);
    // Non-key text keeps its character set.
    const [name] = await rows(
      `SELECT CHARACTER_SET_NAME AS cs FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'apps' AND COLUMN_NAME = 'name'`,
    );
    expect(name?.cs).toBe('utf8mb4');
  });

  it('keeps primary keys, indexes and the foreign key, which is still enforced', async () => {
    expect(await keyDefinitions()).toEqual(beforeKeys);
    await expect(
      pool.query("INSERT INTO app_keys (key_id, app_id, key_hash) VALUES ('00000000000000c3', 'game ', REPEAT('0', 64))"),
    ).rejects.toMatchObject({ errno: 1452 });
    await expect(pool.query("DELETE FROM apps WHERE app_id = 'game'")).rejects.toMatchObject({ errno: 1451 });
  });

  it('the adapters answer as before', async () => {
    const after = await answers();
    expect(after).toEqual(beforeAnswers);
    expect(after.profiles.every((p) => p.length === 1)).toBe(true);
    expect(after.apps.map((app) => app?.appId)).toEqual(APP_IDS);
    expect(after.key?.appId).toBe('game-ż ');
    expect(after.counts.map((c) => c.map((m) => m.type))).toEqual(APP_IDS.map(() => ['Quest', 'quest ']));
  });

  it('the key lookups use the same indexes as before', async () => {
    const after = await plans();
    // The indexes each lookup can use are the same (which one the optimizer picks on these tiny
    // tables may follow its statistics; the ones that matter are pinned below).
    const usable = (p: typeof after) => Object.fromEntries(Object.entries(p).map(([name, plan]) => [name, plan.possibleKeys]));
    expect(usable(after)).toEqual(usable(beforePlans));
    expect(beforePlans.profile).toMatchObject({ key: 'user_tags_by_cookie_action_time' });
    expect(after.profile).toMatchObject({ key: 'user_tags_by_cookie_action_time' });
    expect(after.aggregate).toMatchObject({ key: 'PRIMARY' });
    expect(after.counts.possibleKeys).toContain('PRIMARY');
    expect(after.ids.possibleKeys).toContain('PRIMARY');
    expect(after.offsets.possibleKeys).toContain('PRIMARY');
    expect(after.keysOfApp).toMatchObject({ key: 'app_keys_by_app' });
  });

  it('runs again cleanly, also after stopping half-way (foreign key dropped, not re-added)', async () => {
    const [binaryKeys] = (await readMigrations(tracking)).filter((m) => m.name === 'binary_keys');
    const statements = splitSqlStatements(binaryKeys!.sql);
    const definitions = await keyDefinitions();
    for (const statement of statements) await pool.query(statement);
    expect(await keyDefinitions()).toEqual(definitions);
    await pool.query('ALTER TABLE app_keys DROP FOREIGN KEY app_keys_app');
    for (const statement of statements) await pool.query(statement);
    expect(await keyDefinitions()).toEqual(definitions);
    expect(await snapshot()).toEqual(before);
    expect(await migrate(pool, [{ namespace: 'tracking', directory: through0006 }])).toEqual([]);
  });

  it('keeps new look-alikes of migrated keys apart from them (after the later migrations)', async () => {
    expect(await migrate(pool, [tracking])).toEqual(['tracking/0007_applied_identities']);
    const tags = new MySqlUserTagStore(pool);
    const fresh = userTag('c1', 5);
    await tags.append([fresh], 200);
    expect(await tags.newest('c1', 'VIEW', all, 10)).toEqual([fresh.raw]);
    expect(await tags.newest('c1 ', 'VIEW', all, 10)).toEqual(beforeAnswers.profiles[1]);

    const registry = new MySqlAppRegistry(pool);
    expect(await registry.createApp({ appId: 'game ', name: 'Padded' }, new Date(T0))).toBe('created');
    expect((await registry.getApp('game '))?.name).toBe('Padded');
    expect((await registry.getApp('game'))?.name).toBe('App game');
  });
});
