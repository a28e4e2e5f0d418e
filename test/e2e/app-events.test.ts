/**
 * App and game events end to end, through the real `npm start` process, on both backends: the
 * app-key authorizer (401/403 as API Gateway answers), per-event results of a mixed batch,
 * resent events stored once in the search index, and (services) counted once in
 * `app_event_minutes`. The services run creates its app with the admin command, as a user would.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { manifest } from '../../lambdas/manifest';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { localServices } from '../../lambdas/platform/config';
import { DemoAppEnv } from '../../lambdas/tracking/app-events-wiring';
import { generateIngestKey } from '../../lambdas/tracking/domain/ingest-key';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';

const ROOT = path.resolve(__dirname, '../..');

interface Backend {
  readonly appId: string;
  /** Env of the runtime process. */
  readonly env: Record<string, string>;
  /** The app's ingest key (issued before the runtime starts). */
  readonly key: () => string;
  readonly prepare?: () => Promise<void>;
  /** Minute counts of the app by type, when the backend has SQL. */
  readonly minuteCounts?: () => Promise<Record<string, number>>;
  readonly cleanup?: () => Promise<void>;
}

/** One fixed minute an hour ago, so events land in known buckets. */
const MINUTE = new Date(Math.floor((Date.now() - 3_600_000) / 60_000) * 60_000);
const at = (seconds: number) => new Date(MINUTE.getTime() + seconds * 1000).toISOString();

function describeAppEvents(name: string, backend: Backend) {
  describe(`app events end to end (${name} backend)`, () => {
    let runtime: RunningRuntime;
    beforeAll(async () => {
      await backend.prepare?.();
      runtime = await startRuntimeProcess(backend.env);
    }, 180_000);
    afterAll(async () => {
      await runtime?.stop();
      await backend.cleanup?.();
    }, 60_000);

    const post = (appId: string, body: unknown, key?: string) =>
      fetch(`${runtime.url}/v1/apps/${appId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'x-api-key': key }) },
        body: JSON.stringify(body),
      });

    it('answers 401 without a key and 403 with a wrong key or a key of another app', async () => {
      const batch = { events: [{ type: 'purchase_sword', user_id: 'p1' }] };
      const missing = await post(backend.appId, batch);
      expect([missing.status, await missing.json()]).toEqual([401, { message: 'Unauthorized' }]);
      const wrong = await post(backend.appId, batch, generateIngestKey().key);
      expect([wrong.status, await wrong.json()]).toEqual([403, { message: 'Forbidden' }]);
      const otherApp = await post('some-other-app', batch, backend.key());
      expect([otherApp.status, await otherApp.json()]).toEqual([403, { message: 'Forbidden' }]);
    });

    it('answers a mixed batch per event', async () => {
      const response = await post(
        backend.appId,
        {
          events: [
            {
              event_id: 'mix-1',
              type: 'purchase_sword',
              user_id: 'p1',
              time: at(1),
              properties: { price: 120, currency: 'gold' },
            },
            { event_id: 'mix-2', type: 'Purchase Sword', user_id: 'p1', time: at(2), properties: {} },
            { type: 'join_guild', user_id: 'p2', time: at(3), properties: { guild_name: 'Night Watch', level: 4 } },
            { event_id: 'mix-4', type: 'purchase_knife', user_id: 'p3', time: at(4), properties: { nested: { no: true } } },
          ],
        },
        backend.key(),
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        accepted: 2,
        rejected: 2,
        results: [
          { index: 0, event_id: 'mix-1', status: 'accepted' },
          { index: 1, event_id: 'mix-2', status: 'rejected', reason: expect.stringMatching(/^type: /) },
          { index: 2, event_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'accepted' },
          { index: 3, event_id: 'mix-4', status: 'rejected', reason: expect.stringMatching(/^properties\.nested: /) },
        ],
      });
    });

    it('stores a resent event once in the search index (and counts it once)', async () => {
      const sword = (id: string, price: number) => ({
        event_id: id,
        type: 'purchase_sword',
        user_id: 'p9',
        time: at(30),
        properties: { price, currency: 'gold' },
      });
      for (const events of [[sword('dup-1', 100), sword('dup-2', 100)], [sword('dup-1', 999)], [sword('dup-1', 100)]]) {
        const response = await post(backend.appId, { events }, backend.key());
        expect(response.status).toBe(200);
      }
      // mix-1, the generated join_guild, dup-1 and dup-2: four distinct events in MINUTE.
      const query = `from=${MINUTE.toISOString()}&to=${new Date(MINUTE.getTime() + 60_000).toISOString()}&interval=minute&group_by=type&sum=properties.price`;
      const answer = await eventually(
        async () => {
          const res = await fetch(`${runtime.url}/v1/apps/${backend.appId}/analytics?${query}`, {
            headers: { 'x-api-key': backend.key() },
          });
          // Right after the consumer creates the app's index OpenSearch may answer a search with
          // "all shards failed" (503) until the primary shard starts; the route passes that on as a
          // 5xx. Anything else than 200 or that is a failure.
          if (res.status >= 500) return undefined;
          expect(res.status).toBe(200);
          const body = (await res.json()) as {
            buckets: { count: number; sum?: number; groups: { key: string; count: number }[] }[];
          };
          return body.buckets[0]?.count === 4 ? body.buckets[0] : undefined;
        },
        60_000,
        200,
        () => runtime.output(),
      );
      expect(answer.groups).toEqual([
        { key: 'purchase_sword', count: 3, sum: 320 },
        { key: 'join_guild', count: 1, sum: 0 },
      ]);

      if (backend.minuteCounts) {
        const counts = await eventually(
          async () => {
            const c = await backend.minuteCounts?.();
            return c?.purchase_sword === 3 ? c : undefined;
          },
          60_000,
          200,
          () => runtime.output(),
        );
        expect(counts).toEqual({ purchase_sword: 3, join_guild: 1 });
      }
    }, 150_000);
  });
}

// --- embedded: the demo app and key come from the environment of `npm start` ------------------
const embeddedApp = `e2e-${randomBytes(3).toString('hex')}`;
const embeddedKey = generateIngestKey().key;
describeAppEvents('embedded', {
  appId: embeddedApp,
  env: { EVENTLINE_BACKEND: 'embedded', [DemoAppEnv.appId]: embeddedApp, [DemoAppEnv.key]: embeddedKey },
  key: () => embeddedKey,
});

// --- services: own topics and database; the app is created with the admin command ---------------
const run = randomBytes(4).toString('hex');
const prefix = `e2e-apps-${run}.`;
const database = `eventline_e2e_apps_${run}`;
const servicesApp = `e2e-${run}`;
let servicesKey = '';
const mysqlServer = () => {
  const { host, port, user, password } = localServices().mysql;
  return { host, port, user, password };
};

describeAppEvents('services', {
  appId: servicesApp,
  env: { EVENTLINE_BACKEND: 'services', EVENTLINE_TOPIC_PREFIX: prefix, EVENTLINE_MYSQL_DATABASE: database },
  key: () => servicesKey,
  prepare: async () => {
    const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/admin/create-app.ts', servicesApp, 'E2E game'], {
      cwd: ROOT,
      env: { ...process.env, EVENTLINE_BACKEND: 'services', EVENTLINE_MYSQL_DATABASE: database },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`create-app failed: ${result.stderr}${result.stdout}`);
    const key = /^\s+(elk_\S+)$/m.exec(result.stdout)?.[1];
    if (!key) throw new Error(`create-app printed no key:\n${result.stdout}`);
    servicesKey = key;
  },
  minuteCounts: async () => {
    const connection = await mysql.createConnection({ ...mysqlServer(), database });
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        'SELECT type, count FROM app_event_minutes WHERE app_id = ? AND minute_ms = ?',
        [servicesApp, MINUTE.getTime()],
      );
      return Object.fromEntries(rows.map((r) => [String(r.type), Number(r.count)]));
    } finally {
      await connection.end();
    }
  },
  cleanup: async () => {
    const admin = createLocalKafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: manifest.topics.map((t) => prefix + t.name) });
    await admin.disconnect();
    const connection = await mysql.createConnection(mysqlServer());
    await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
    await connection.end();
    await fetch(`${localServices().openSearchUrl}/app-events-${servicesApp}`, { method: 'DELETE' });
  },
});
