/**
 * People's two sinks under faults, on the services backend: a local runtime of its own (its own
 * topics, consumer groups, database and cache keys; the `people` index is shared, so only this
 * run's usernames are looked at). A stream of profile writes (several users, rewrites, deletes,
 * one writer per user so each user's writes are sequential) runs while a store is stopped:
 *
 * 1. OpenSearch stopped mid-stream: every write is still answered 202 (Kafka is up); reads keep
 *    answering, from the cache or, once this run's cache entries are removed, from MySQL; search
 *    answers from MySQL; MySQL holds every acknowledged write's newest version while OpenSearch is
 *    still down. OpenSearch is started again and the index catches up from Kafka to exactly the
 *    MySQL state (same usernames, versions, tombstones, contents).
 * 2. MariaDB stopped mid-stream (the SQL sink's store itself — the real fault behind "the MySQL
 *    sink stopped"; the consumer stopping alone is the milder case, covered by the same
 *    catch-up): writes 202; reads from the cache or the index; search from the index, which holds
 *    every write while MySQL is down; after the restart MySQL catches up to exactly the index.
 *
 * The expected answer is a model: per username, the acknowledged write with the highest version.
 * Figures (writes, outage, catch-up) are printed. This project runs alone, after every other one
 * (`npm test`, or `npm run test:faults`): stopping services breaks tests running beside it.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import { localServices } from '../../lambdas/platform/config';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';
import { apiClient } from '../support/api-client';
import { type FaultService, restartStoppedServices, startService, stopService } from '../support/service-control';
import { servicesRun } from '../support/services-run';

type Json = Record<string, unknown>;

/** A person as a store holds it, or as the model expects it. */
interface PersonState {
  readonly version: number;
  readonly deleted: boolean;
  /** Each write's mood names the write: the contents are compared too, not only versions. */
  readonly mood?: string;
}
type Snapshot = ReadonlyMap<string, PersonState>;

const USERS = 10;
const WRITERS = 3;
/** Each writer's pause between writes: a rate (~40 writes/s in all), not a wait for anything. */
const PACE_MS = 60;
/** How long reads and searches are checked while a store is down. */
const OUTAGE_READS_MS = 12_000;
/** Deadline for a store to reach the expected state (a sink's retry backoff grows to 30 s). */
const CONVERGE_MS = 120_000;
const READ_HEADER = 'x-eventline-read-from';

describe('people sinks under faults (services backend)', () => {
  const { env, cleanup } = servicesRun('faults');
  const run = randomBytes(3).toString('hex');
  const lastName = `Fault${run}`;
  const users = Array.from({ length: USERS }, (_, i) => `fault-${run}-${i}`);
  const services = localServices();
  const index = new Client({ node: services.openSearchUrl, requestTimeout: 5_000, maxRetries: 0 });
  const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let runtime: RunningRuntime;
  let token: string;

  const call = apiClient<Json>(() => runtime.url);
  const output = () => runtime?.output() ?? '';

  /** The model: every acknowledged version per username, and the newest acknowledged state. */
  const acknowledged = new Map<string, Set<number>>(users.map((u) => [u, new Set<number>()]));
  const newest = new Map<string, PersonState>();
  const acknowledge = (username: string, state: PersonState) => {
    acknowledged.get(username)?.add(state.version);
    const current = newest.get(username);
    if (!current || state.version > current.version) newest.set(username, state);
  };
  const liveUsers = (snapshot: Snapshot) =>
    [...snapshot.entries()]
      .filter(([, s]) => !s.deleted)
      .map(([u]) => u)
      .sort();

  let sequence = 0;
  const profile = (username: string, mood: string) => ({
    firstName: `Writer ${username.slice(-1)}`,
    lastName,
    mood,
    country: 'PL',
    description: `Profile of ${username}, written by the fault test.`,
  });

  /** Writes without pause until stopped; every answer must be 202 with a version. */
  function startStream() {
    let running = true;
    let writes = 0;
    const refused: string[] = [];
    const writer = async (w: number) => {
      const mine = users.filter((_, i) => i % WRITERS === w);
      while (running) {
        const username = mine[Math.floor(Math.random() * mine.length)] as string;
        const current = newest.get(username);
        const remove = current !== undefined && !current.deleted && Math.random() < 0.2;
        const mood = `write ${++sequence}`;
        try {
          const res = remove
            ? await call('DELETE', `/v1/people/${username}`, undefined, token)
            : await call('PUT', `/v1/people/${username}`, profile(username, mood), token);
          const version = res.body.version;
          if (res.status !== 202 || typeof version !== 'number') {
            refused.push(`${remove ? 'DELETE' : 'PUT'} ${username}: ${res.status} ${JSON.stringify(res.body)}`);
          } else {
            acknowledge(username, remove ? { version, deleted: true } : { version, deleted: false, mood });
            writes++;
          }
        } catch (error) {
          refused.push(`${remove ? 'DELETE' : 'PUT'} ${username}: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    return {
      writes: () => writes,
      /** Stops the stream; resolves with the writes that were not answered 202 (expected: none). */
      stop: async () => {
        running = false;
        await Promise.all(writers);
        return refused;
      },
    };
  }

  /** This run's people in MySQL (the runtime's own database); a fresh connection each time. */
  async function sqlState(): Promise<Snapshot> {
    const { host, port, user, password } = services.mysql;
    const connection = await mysql.createConnection({ host, port, user, password, database: env.EVENTLINE_MYSQL_DATABASE });
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        'SELECT username, version, deleted, mood FROM people_profiles WHERE username IN (?)',
        [users],
      );
      return new Map(
        rows.map((row) => [
          Buffer.isBuffer(row.username) ? row.username.toString('utf8') : String(row.username),
          {
            version: Number(row.version),
            deleted: Number(row.deleted) === 1,
            ...(row.mood === null ? {} : { mood: String(row.mood) }),
          },
        ]),
      );
    } finally {
      await connection.end();
    }
  }

  /** This run's people in the `people` index (documents by username; tombstones included). */
  async function indexState(): Promise<Snapshot> {
    const res = await index.mget({ index: 'people', body: { ids: users } });
    const docs = (res.body as { docs: { _id: string; found?: boolean; _source?: Json }[] }).docs;
    return new Map(
      docs
        .filter((doc) => doc.found && doc._source)
        .map((doc) => {
          const source = doc._source as Json;
          const deleted = source.deleted === true;
          return [doc._id, { version: Number(source.version), deleted, ...(deleted ? {} : { mood: String(source.mood) }) }];
        }),
    );
  }

  function differences(expected: Snapshot, actual: Snapshot): string[] {
    const lines: string[] = [];
    for (const username of users) {
      const want = expected.get(username);
      const got = actual.get(username);
      const text = (s?: PersonState) => (s ? `v${s.version}${s.deleted ? ' deleted' : ` ${s.mood}`}` : 'absent');
      if (text(want) !== text(got)) lines.push(`${username}: expected ${text(want)}, found ${text(got)}`);
    }
    return lines;
  }

  /** Polls `read` until it equals `expected`; resolves with how long that took (ms). */
  async function converge(store: string, read: () => Promise<Snapshot>, expected: Snapshot): Promise<number> {
    const started = Date.now();
    let last = ['not read yet'];
    for (;;) {
      try {
        last = differences(expected, await read());
        if (last.length === 0) return Date.now() - started;
      } catch (error) {
        last = [`${store} did not answer: ${(error as Error).message}`];
      }
      if (Date.now() - started > CONVERGE_MS) {
        throw new Error(
          `${store} did not reach the expected state within ${CONVERGE_MS} ms:\n${last.join('\n')}\n--- runtime output ---\n${output().slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Removes this run's profile entries from the cache, so the next reads go past it. */
  async function forgetCache(): Promise<void> {
    await redis.del(...users.map((u) => `eventline:${env.EVENTLINE_TOPIC_PREFIX}people:profile:${u}`));
  }

  interface ReadLog {
    readonly from: Record<string, number>;
    /** 200 answers whose version no write of that user was acknowledged with (checked once the stream stopped). */
    readonly answered: { username: string; version: number }[];
    readonly problems: string[];
    searches: number;
  }

  /** One read of every user and one search, as anyone (no token) would make them, during an outage. */
  async function readRound(log: ReadLog, readFrom: readonly string[], searchFrom: string): Promise<void> {
    for (const username of users) {
      const res = await call('GET', `/v1/people/${username}`);
      if (res.status === 200) {
        const from = res.headers.get(READ_HEADER) ?? 'none';
        log.from[from] = (log.from[from] ?? 0) + 1;
        if (!readFrom.includes(from)) log.problems.push(`GET ${username} answered from ${from}`);
        log.answered.push({ username, version: Number(res.body.version) });
      } else if (res.status !== 404) {
        log.problems.push(`GET ${username}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    const found = await call('GET', `/v1/people?q=${lastName}&limit=50`);
    log.searches++;
    if (found.status !== 200) log.problems.push(`search: ${found.status} ${JSON.stringify(found.body)}`);
    else if (found.headers.get(READ_HEADER) !== searchFrom) {
      log.problems.push(`search answered from ${found.headers.get(READ_HEADER)}, expected ${searchFrom}`);
    }
  }

  /** Reads and searches for OUTAGE_READS_MS while the stream goes on; every other round without the cache. */
  async function readDuringOutage(readFrom: readonly string[], searchFrom: string): Promise<ReadLog> {
    const log: ReadLog = { from: {}, answered: [], problems: [], searches: 0 };
    const started = Date.now();
    for (let round = 0; Date.now() - started < OUTAGE_READS_MS; round++) {
      if (round % 2 === 1) await forgetCache();
      await readRound(log, readFrom, searchFrom);
    }
    return log;
  }

  /** Every 200 read answered a version that was acknowledged for that user (no invented or lost version). */
  function unacknowledgedReads(log: ReadLog): string[] {
    return log.answered
      .filter(({ username, version }) => !acknowledged.get(username)?.has(version))
      .map(({ username, version }) => `GET ${username} answered version ${version}, never acknowledged`);
  }

  /** The search's usernames from this run (the index is shared with other runs). */
  async function searched(): Promise<{ from: string | null; usernames: string[] }> {
    const res = await call('GET', `/v1/people?q=${lastName}&limit=50`);
    expect(res.status).toBe(200);
    const items = res.body.items as { username: string }[];
    return {
      from: res.headers.get(READ_HEADER),
      usernames: items
        .map((item) => item.username)
        .filter((u) => users.includes(u))
        .sort(),
    };
  }

  /** After an outage: every read answers the model's state exactly (the writer's cache entries, or the stores). */
  async function expectReadsMatch(expected: Snapshot): Promise<void> {
    for (const username of users) {
      const state = expected.get(username);
      const res = await call('GET', `/v1/people/${username}`);
      if (!state || state.deleted) expect({ username, status: res.status }).toEqual({ username, status: 404 });
      else
        expect({ username, status: res.status, version: res.body.version, mood: res.body.mood }).toEqual({
          username,
          status: 200,
          version: state.version,
          mood: state.mood,
        });
    }
  }

  /**
   * The common shape of both faults: the stream runs, `service` stops mid-stream, reads and
   * searches are checked during the outage, the stream stops, `survivor` must hold every write
   * while `service` is still down; then `service` starts and `laggard` must catch up to exactly
   * the same state.
   */
  async function fault(options: {
    readonly service: FaultService;
    readonly readFrom: readonly string[];
    readonly searchFrom: string;
    readonly survivor: { readonly name: string; readonly read: () => Promise<Snapshot> };
    readonly laggard: { readonly name: string; readonly read: () => Promise<Snapshot> };
  }): Promise<void> {
    const { service, survivor, laggard } = options;
    const stream = startStream();
    try {
      // Both sinks have started (their groups joined) before the fault.
      const before = stream.writes();
      await eventually(
        async () => {
          if (stream.writes() < before + 20) return undefined;
          const [a, b] = await Promise.all([survivor.read(), laggard.read()]);
          return a.size > 0 && b.size > 0 ? true : undefined;
        },
        60_000,
        250,
        output,
      );
      const writesBefore = stream.writes();
      const stopMs = await stopService(service);
      const down = Date.now();
      // Really down: the store itself does not answer.
      await expect(laggard.read()).rejects.toThrow();
      const log = await readDuringOutage(options.readFrom, options.searchFrom);
      const refused = await stream.stop();
      const writesDuring = stream.writes() - writesBefore;
      expect(refused).toEqual([]);
      expect(log.problems).toEqual([]);
      expect(unacknowledgedReads(log)).toEqual([]);
      // Reads really went past the cache to the store that is left.
      const behindCache = options.readFrom.filter((from) => from !== 'cache');
      expect(behindCache.some((from) => (log.from[from] ?? 0) > 0)).toBe(true);

      const expected: Snapshot = new Map(newest);
      const survivorMs = await converge(survivor.name, survivor.read, expected);
      const live = liveUsers(expected);
      // Search answers from the store that is left, with exactly the live profiles.
      await eventually(
        async () => {
          const page = await searched();
          return page.from === options.searchFrom && page.usernames.join() === live.join() ? true : undefined;
        },
        30_000,
        250,
        output,
      );

      const startMs = await startService(service);
      const back = Date.now();
      const catchUpMs = await converge(laggard.name, laggard.read, expected);
      expect(differences(await survivor.read(), await laggard.read())).toEqual([]);
      await expectReadsMatch(expected);
      await eventually(async () => ((await searched()).usernames.join() === live.join() ? true : undefined), 30_000);

      console.log(
        [
          `${service} stopped mid-stream (run ${run}, ${USERS} users):`,
          `  writes: ${stream.writes()} acknowledged (202) in all, ${writesDuring} while ${service} was down or stopping; none refused`,
          `  stop took ${(stopMs / 1000).toFixed(1)} s, start ${(startMs / 1000).toFixed(1)} s; outage (stopped → answering again) ${((back - down) / 1000).toFixed(1)} s`,
          `  reads during the outage: ${JSON.stringify(log.from)} (200s by store), ${log.searches} searches from ${options.searchFrom}`,
          `  ${survivor.name} held every write ${(survivorMs / 1000).toFixed(1)} s after the stream stopped`,
          `  ${laggard.name} caught up ${(catchUpMs / 1000).toFixed(1)} s after ${service} answered again (${expected.size} people, ${live.length} live)`,
        ].join('\n'),
      );
    } finally {
      await stream.stop();
      await restartStoppedServices();
    }
  }

  const mysqlStore = { name: 'MySQL', read: sqlState };
  const searchStore = { name: 'the people index', read: indexState };

  beforeAll(async () => {
    await redis.connect();
    runtime = await startRuntimeProcess({ ...env, EVENTLINE_PEOPLE_READ_PATH: 'cache,search,sql' });
    const res = await call('POST', '/v1/sessions', { username: 'admin', password: 'Local-admin-password-1' });
    expect(res.status).toBe(200);
    token = String(res.body.accessToken);
  }, 120_000);

  afterAll(async () => {
    // Whatever a failed test left stopped is started again before anything else.
    await restartStoppedServices();
    await runtime?.stop();
    await index.bulk({ body: users.map((id) => ({ delete: { _index: 'people', _id: id } })) }).catch(() => undefined);
    await index.close();
    redis.disconnect();
    await cleanup();
  }, 180_000);

  it('OpenSearch stopped mid-stream: writes 202, reads from cache or MySQL, MySQL has every write; the index catches up to exactly MySQL', async () => {
    await fault({
      service: 'opensearch',
      readFrom: ['cache', 'sql'],
      searchFrom: 'sql',
      survivor: mysqlStore,
      laggard: searchStore,
    });
  }, 300_000);

  it('MariaDB stopped mid-stream: writes 202, reads from cache or the index, the index has every write; MySQL catches up to exactly the index', async () => {
    await fault({
      service: 'mariadb',
      readFrom: ['cache', 'search'],
      searchFrom: 'search',
      survivor: searchStore,
      laggard: mysqlStore,
    });
  }, 300_000);
});
