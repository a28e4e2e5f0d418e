/**
 * App analytics end to end through the real `npm start` process, on both backends: the seed-004
 * game (swords, knives, guilds, with metadata, several users) is sent to
 * `POST /v1/apps/{appId}/events` with an ingest key, indexed by the consumer, and read back from
 * `GET /v1/apps/{appId}/analytics` — what seed 004 computed with Spark SQL over Parquet.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import mysql from 'mysql2/promise';
import { manifest } from '../../lambdas/manifest';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { localServices } from '../../lambdas/platform/config';
import { MySqlAppRegistry } from '../../lambdas/tracking/adapters/mysql-app-registry';
import { appEventIndexName } from '../../lambdas/tracking/domain/app-event-index';
import { issueAppKey } from '../../lambdas/tracking/domain/app-registry';
import { generateIngestKey } from '../../lambdas/tracking/domain/ingest-key';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';

interface Backend {
  /** Environment of the runtime process. */
  readonly env: Record<string, string>;
  /** After the runtime is up (migrations applied): the app and its ingest key. */
  app(): Promise<{ appId: string; key: string }>;
  cleanup(): Promise<void>;
}

interface Answer {
  app_id: string;
  interval: string;
  from: string;
  to: string;
  buckets: {
    start: string;
    count: number;
    sum?: number;
    groups?: { key: string | number; count: number; sum?: number }[];
    other_count?: number;
  }[];
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

function describeAnalytics(name: string, backend: () => Backend) {
  describe(`app analytics end to end (${name} backend)`, () => {
    let runtime: RunningRuntime;
    let setup: Backend;
    let appId: string;
    let key: string;
    // Two hours back, on an hour boundary: inside the ingest's 90-day window, never in the future.
    const base = (Math.floor(Date.now() / HOUR) - 2) * HOUR;
    const at = (offsetMs: number) => new Date(base + offsetMs).toISOString();
    const run = randomBytes(3).toString('hex');

    beforeAll(async () => {
      setup = backend();
      runtime = await startRuntimeProcess(setup.env);
      ({ appId, key } = await setup.app());
    }, 120_000);

    afterAll(async () => {
      await runtime?.stop();
      await setup?.cleanup();
    }, 60_000);

    const postEvents = (events: unknown[], apiKey = key, app = appId) =>
      fetch(`${runtime.url}/v1/apps/${app}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ events }),
      });

    const analytics = (query: string, apiKey = key, app = appId) =>
      fetch(`${runtime.url}/v1/apps/${app}/analytics?${query}`, { headers: { 'x-api-key': apiKey } });

    const analyticsOk = async (query: string): Promise<Answer> => {
      const response = await analytics(query);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`analytics answered ${response.status}: ${text}`);
      return JSON.parse(text) as Answer;
    };

    // The game of seed 004: six players buy a sword (price 10..15), knives "very sharp", guilds.
    const swords = Array.from({ length: 6 }, (_, i) => ({
      event_id: `sword-${run}-${i}`,
      type: 'purchase_sword',
      user_id: `user${i + 1}`,
      time: at(i * MINUTE),
      properties: { weapon: 'sword', price: 10 + i, host: `user${(i % 2) + 1}.comcast.com` },
    }));
    const knives = [MINUTE, MINUTE + 30_000, 3 * MINUTE].map((offset, i) => ({
      event_id: `knife-${run}-${i}`,
      type: 'purchase_knife',
      user_id: `user${i + 1}`,
      time: at(offset),
      properties: { weapon: 'knife', price: 4, description: 'very sharp knife' },
    }));
    const guilds = [
      { event_id: `guild-${run}-0`, type: 'join_guild', user_id: 'user1', time: at(2 * MINUTE), properties: { guild: 'red' } },
      { event_id: `guild-${run}-1`, type: 'join_guild', user_id: 'user2', time: at(10 * MINUTE), properties: { guild: 'blue' } },
    ];
    const hour = `from=${at(0)}&to=${at(HOUR)}&interval=hour`;

    it('accepts the game events per item, rejecting only the bad one', async () => {
      const response = await postEvents([...swords, ...knives, { type: 'Not A Type', user_id: 'x' }, ...guilds]);
      expect(response.status).toBe(200);
      const outcome = (await response.json()) as {
        accepted: number;
        rejected: number;
        results: { index: number; status: string }[];
      };
      expect(outcome.accepted).toBe(11);
      expect(outcome.rejected).toBe(1);
      expect(outcome.results[9]).toMatchObject({ index: 9, status: 'rejected' });
    });

    it('counts every event once indexed, and a resent event_id only once', async () => {
      const counted = await eventually(async () => {
        const response = await analytics(hour);
        // A 503 problem while the new index's shards come up means "retry", as it says.
        if (response.status === 503) return undefined;
        const answer = (await response.json()) as Answer;
        expect(response.status).toBe(200);
        return answer.buckets[0]?.count === 11 ? answer : undefined;
      }, 30_000);
      expect(counted).toEqual({
        app_id: appId,
        interval: 'hour',
        from: at(0),
        to: at(HOUR),
        buckets: [{ start: at(0), count: 11 }],
      });

      expect((await postEvents([swords[0], knives[0]])).status).toBe(200);
      // A marker event proves the resend went through the pipeline before the count is read.
      const marker = { event_id: `marker-${run}`, type: 'marker', user_id: 'user1', time: at(59 * MINUTE), properties: {} };
      expect((await postEvents([marker])).status).toBe(200);
      const after = await eventually(async () => {
        const answer = await analyticsOk(hour);
        return answer.buckets[0]?.count === 12 ? answer : undefined;
      }, 30_000);
      expect(after.buckets).toEqual([{ start: at(0), count: 12 }]);
    });

    it('answers per minute, filtered by type, grouped by a property, with sums; empty minutes too', async () => {
      const answer = await analyticsOk(
        `from=${at(0)}&to=${at(6 * MINUTE)}&interval=minute&type=purchase_sword,purchase_knife` +
          '&group_by=properties.weapon&sum=properties.price',
      );
      expect(answer.buckets).toEqual([
        { start: at(0), count: 1, sum: 10, groups: [{ key: 'sword', count: 1, sum: 10 }], other_count: 0 },
        {
          start: at(MINUTE),
          count: 3,
          sum: 19,
          groups: [
            { key: 'knife', count: 2, sum: 8 },
            { key: 'sword', count: 1, sum: 11 },
          ],
          other_count: 0,
        },
        { start: at(2 * MINUTE), count: 1, sum: 12, groups: [{ key: 'sword', count: 1, sum: 12 }], other_count: 0 },
        {
          start: at(3 * MINUTE),
          count: 2,
          sum: 17,
          groups: [
            { key: 'knife', count: 1, sum: 4 },
            { key: 'sword', count: 1, sum: 13 },
          ],
          other_count: 0,
        },
        { start: at(4 * MINUTE), count: 1, sum: 14, groups: [{ key: 'sword', count: 1, sum: 14 }], other_count: 0 },
        { start: at(5 * MINUTE), count: 1, sum: 15, groups: [{ key: 'sword', count: 1, sum: 15 }], other_count: 0 },
      ]);

      const quiet = await analyticsOk(`from=${at(6 * MINUTE)}&to=${at(9 * MINUTE)}&interval=minute`);
      expect(quiet.buckets.map((b) => b.count)).toEqual([0, 0, 0]);
    });

    it('filters by property values and ranges, and groups by type', async () => {
      const where = (...conditions: string[]) => conditions.map((c) => `where=${encodeURIComponent(c)}`).join('&');
      const expensiveSwords = await analyticsOk(`${hour}&${where('properties.weapon:sword', 'properties.price>=12')}`);
      expect(expensiveSwords.buckets[0].count).toBe(4);
      const sharp = await analyticsOk(`${hour}&${where('properties.description:very sharp knife')}`);
      expect(sharp.buckets[0].count).toBe(3);
      const eitherGuild = await analyticsOk(`${hour}&${where('properties.guild:red|blue', 'user_id:user2')}`);
      expect(eitherGuild.buckets[0].count).toBe(1);

      const byType = await analyticsOk(`${hour}&group_by=type&group_size=3`);
      expect(byType.buckets[0]).toEqual({
        start: at(0),
        count: 12,
        groups: [
          { key: 'purchase_sword', count: 6 },
          { key: 'purchase_knife', count: 3 },
          { key: 'join_guild', count: 2 },
        ],
        other_count: 1, // the marker
      });
    });

    it('refuses bad parameters with problem+json naming them', async () => {
      const response = await analytics(`from=${at(0)}&interval=fortnight`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toEqual(['query.to', 'query.interval']);

      const textSum = await analytics(`${hour}&sum=properties.weapon`);
      expect(textSum.status).toBe(400);
    });

    it('needs a key of this very app', async () => {
      const noKey = await fetch(`${runtime.url}/v1/apps/${appId}/analytics?${hour}`);
      expect(noKey.status).toBe(401);
      const wrongKey = await analytics(hour, generateIngestKey().key);
      expect(wrongKey.status).toBe(403);
      const otherApp = await analytics(hour, key, `${appId}-other`);
      expect(otherApp.status).toBe(403);
    });
  });
}

const run = randomBytes(4).toString('hex');

describeAnalytics('embedded', () => {
  // The embedded runtime seeds exactly one app with the key it is given.
  const appId = `e2e-analytics-${run}`;
  const { key } = generateIngestKey();
  return {
    env: { EVENTLINE_BACKEND: 'embedded', EVENTLINE_DEMO_APP_ID: appId, EVENTLINE_DEMO_APP_KEY: key },
    app: async () => ({ appId, key }),
    cleanup: async () => {},
  };
});

describeAnalytics('services: Kafka, MariaDB, OpenSearch', () => {
  // Own topics, database and app (so its own index): this run shares the services with nobody.
  const prefix = `e2e-analytics-${run}.`;
  const database = `eventline_e2e_analytics_${run}`;
  const appId = `e2e-analytics-${run}`;
  const { host, port, user, password } = localServices().mysql;
  return {
    env: { EVENTLINE_BACKEND: 'services', EVENTLINE_TOPIC_PREFIX: prefix, EVENTLINE_MYSQL_DATABASE: database },
    app: async () => {
      // What the admin command does, against the database the runtime has just migrated.
      const pool = mysql.createPool({ host, port, user, password, database, connectionLimit: 1 });
      try {
        const issued = await issueAppKey(new MySqlAppRegistry(pool), appId, 'Analytics e2e game', new Date());
        return { appId, key: issued.key };
      } finally {
        await pool.end();
      }
    },
    cleanup: async () => {
      const admin = createLocalKafka().admin();
      await admin.connect();
      await admin.deleteTopics({ topics: manifest.topics.map((t) => prefix + t.name) });
      await admin.disconnect();
      const connection = await mysql.createConnection({ host, port, user, password });
      await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
      await connection.end();
      const search = new Client({ node: localServices().openSearchUrl });
      await search.indices.delete({ index: appEventIndexName(appId) }, { ignore: [404] });
      await search.close();
    },
  };
});
