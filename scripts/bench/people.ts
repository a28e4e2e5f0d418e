/**
 * People's read paths under seed 000's JMeter comparison: one read/edit mix against three read
 * paths, each a local runtime on the services backend (MariaDB, Kafka, OpenSearch, Redis,
 * cognito-local) over the same seeded profiles:
 *
 *   (a) EVENTLINE_PEOPLE_READ_PATH=cache,search,sql — cache, then OpenSearch, then MySQL
 *   (b) EVENTLINE_PEOPLE_READ_PATH=cache,sql        — cache, then MySQL
 *   (c) EVENTLINE_PEOPLE_READ_PATH=sql              — MySQL only: the baseline
 *
 * The mix, closed loop with BENCH_PEOPLE_USERS virtual users (default 10): 80 % GET a profile
 * (any seeded one, uniformly), 10 % PUT of a profile by its owner (signed in), 10 % search by
 * name (a last name's prefix as typed, half of them after a first name). Every configuration
 * gets exactly the same request sequence. The three runtimes run side by side on one seeded
 * subject and take turns (8 rounds, each in another order) so that the shared machine's changing
 * load falls on all three alike; after the cache is emptied each warms up for 3 s (unmeasured),
 * then each is measured for BENCH_PEOPLE_SECONDS in all (default 20); then the same with reads
 * alone (every request a GET of a profile), the read path without the other routes' load. RPS and
 * p50/p99 per route per configuration (client-side, and the runtime's own time per request from
 * its request log), CPU per request from /proc (the runtimes, MariaDB, Redis, OpenSearch, Kafka),
 * and ratios against (c) measured in the same run; last, the stores alone (the read path's adapter
 * calls, one at a time, without the runtime). Seed 000 found its full stack (Elasticsearch first)
 * slowest; here the cache path must be fastest. Figures and their meaning: docs/PERFORMANCE.md.
 *
 *   npm run bench -- people
 */
import { Client } from '@opensearch-project/opensearch';
import Redis from 'ioredis';
import { MySqlPeopleStore } from '../../lambdas/people/adapters/mysql-people-store';
import { CACHE_TTL_SECONDS, cacheKeyOf } from '../../lambdas/people/domain/people';
import { findInIndex, personInIndex } from '../../lambdas/people/domain/projection';
import { searchWordsOf } from '../../lambdas/people/domain/search';
import { RedisCache } from '../../lambdas/platform/cache/redis-cache';
import { localServices } from '../../lambdas/platform/config';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../local-runtime/spawn-runtime';
import { benchMain, cleanUpSubject, envNumber, newRunId, openSubjectPool, servicesSubject } from './bench-env';
import { HttpClient, parseJson } from './http-client';
import { cpuMsBy } from './process-cpu';
import { Random } from './random';
import { readRuntimeLog } from './runtime-log';
import { elapsedMs, formatSummary, type LatencySummary, type RouteFigures, routeFigures, summarize } from './stats';

const seconds = envNumber('BENCH_PEOPLE_SECONDS', 20);
const users = envNumber('BENCH_PEOPLE_USERS', 10);
const PROFILES = envNumber('BENCH_PEOPLE_PROFILES', 500);
const OWNERS = 20;
const WARM_UP_SECONDS = 3;
/** Measured turns per configuration (the measured seconds are split among them). */
const ROUNDS = 8;
const SEQUENCE = 200_000;
const PASSWORD = 'Bench-people-9';

const CONFIGURATIONS = [
  { key: 'a', readPath: 'cache,search,sql', label: '(a) cache + OpenSearch + MySQL' },
  { key: 'b', readPath: 'cache,sql', label: '(b) cache + MySQL' },
  { key: 'c', readPath: 'sql', label: '(c) MySQL only' },
] as const;

type Route = 'read' | 'edit' | 'search';
const ROUTES: readonly Route[] = ['read', 'edit', 'search'];
const ROUTE_NAMES: Record<Route, string> = {
  read: 'GET /v1/people/{username}',
  edit: 'PUT /v1/people/{username}',
  search: 'GET /v1/people?q=',
};

const FIRSTS = ['Anna', 'Jan', 'Maria', 'Piotr', 'Katarzyna', 'Tomasz', 'Agnieszka', 'Paweł', 'Ewa', 'Michał', 'Zofia'];
// biome-ignore format: a list of names reads better packed
const LAST = [
  'Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński', 'Szymański',
  'Woźniak', 'Dąbrowski', 'Kozłowski', 'Jankowski', 'Mazur', 'Kwiatkowski', 'Krawczyk', 'Piotrowski', 'Grabowski',
  'Nowakowski', 'Pawłowski', 'Michalski', 'Nowicki', 'Adamczyk', 'Dudek', 'Zając', 'Wieczorek', 'Jabłoński', 'Król',
  'Majewski', 'Olszewski', 'Jaworski', 'Wróbel', 'Malinowski', 'Pawlak', 'Witkowski', 'Walczak', 'Stępień', 'Górski',
  'Rutkowski', 'Michalak', 'Sikora', 'Ostrowski', 'Baran', 'Duda', 'Szewczyk', 'Tomaszewski', 'Pietrzak', 'Marciniak',
  'Wróblewski', 'Zalewski',
];
const MOODS = ['happy', 'busy', 'curious', 'tired', 'excited', 'calm'];

/** A profile as its owner would fill the seed's form: every field set, a journal of a few paragraphs. */
function profileOf(i: number, edit: number): string {
  const first = FIRSTS[i % FIRSTS.length] as string;
  const last = LAST[Math.floor(i / FIRSTS.length) % LAST.length] as string;
  return JSON.stringify({
    firstName: first,
    lastName: last,
    email: `person${i}@example.com`,
    country: 'PL',
    birthday: `19${70 + (i % 30)}-0${1 + (i % 9)}-1${i % 10}`,
    occupation: 'Engineer',
    relationshipStatus: 'single',
    mobileNumber: `+48 600 ${String(100_000 + i).slice(-6)}`,
    description: `${first} ${last} likes concerts, long walks and the occasional hackathon. `.repeat(3),
    mood: `${MOODS[(i + edit) % MOODS.length]} (edit ${edit})`,
    journal: 'Today I went to a happening and met people from the neighbourhood. '.repeat(15),
    pictureUrl: `https://pictures.example.com/${i}.jpg`,
    background: '#336699',
  });
}

interface Owner {
  readonly username: string;
  readonly index: number;
  readonly token: string;
}

/** The request for each position of the run: the same sequence for every configuration. */
interface Planned {
  readonly route: Route;
  readonly target: number;
  readonly query?: string;
}

/** The mix (80/10/10), or reads alone (every request a GET of a profile). */
function plan(kind: 'mix' | 'reads'): Planned[] {
  const random = new Random(8000);
  return Array.from({ length: SEQUENCE }, (_, i): Planned => {
    const slot = kind === 'reads' ? 0 : i % 10;
    if (slot < 8) return { route: 'read', target: random.int(PROFILES + OWNERS) };
    if (slot === 8) return { route: 'edit', target: random.int(OWNERS) };
    const last = LAST[random.int(LAST.length)] as string;
    const typed = last.slice(0, random.between(3, last.length));
    return { route: 'search', target: 0, query: random.int(2) === 0 ? typed : `${FIRSTS[random.int(FIRSTS.length)]} ${typed}` };
  });
}

/** What one configuration's measured rounds add up to. */
interface Tally {
  /** Where this configuration is in the planned sequence (each one goes through the same sequence). */
  position: number;
  seconds: number;
  readonly samples: Record<Route, { ms: number; status: number }[]>;
  /** Which store answered the 200 GETs (x-eventline-read-from). */
  readonly readFrom: Record<string, number>;
  searchItems: number;
  /** What the runtime printed during the measured turns: one line per request with its handler time. */
  serverLog: string;
  /** CPU milliseconds spent during the measured turns, by the runtimes and by each service. */
  readonly cpuMs: Record<string, number>;
}

const newTally = (): Tally => ({
  position: 0,
  seconds: 0,
  samples: { read: [], edit: [], search: [] },
  readFrom: {},
  searchItems: 0,
  serverLog: '',
  cpuMs: {},
});

/**
 * CPU spent so far by the three runtimes together (whichever runtime's consumers handle the sinks'
 * records, it is the work the turn caused) and by each service the requests use.
 */
function cpuNow(runtimes: readonly RunningRuntime[]): Record<string, number> {
  const groups = new Set(runtimes.map((runtime) => runtime.processGroup));
  return cpuMsBy({
    runtimes: (p) => groups.has(p.processGroup),
    MySQL: (p) => p.name === 'mariadbd',
    Redis: (p) => p.name === 'redis-server',
    OpenSearch: (p) => p.name === 'java' && p.commandLine().includes('org.opensearch.bootstrap'),
    Kafka: (p) => p.name === 'java' && p.commandLine().includes('kafka.Kafka'),
  });
}

/** Runs one measured turn and counts the CPU it took against `tally`. */
async function measuredTurn(runtimes: readonly RunningRuntime[], tally: Tally, run: () => Promise<void>): Promise<void> {
  const before = cpuNow(runtimes);
  await run();
  const after = cpuNow(runtimes);
  for (const [source, ms] of Object.entries(after)) tally.cpuMs[source] = (tally.cpuMs[source] ?? 0) + ms - (before[source] ?? 0);
}

/** The route of a line of the runtime's request log. */
function routeOfLine(method: string, path: string): string {
  if (path === '/v1/people' || path.startsWith('/v1/people?')) return 'search';
  if (path.startsWith('/v1/people/')) return method === 'GET' ? 'read' : 'edit';
  return `${method} ${path.split('?')[0]}`;
}

interface MixResult {
  readonly seconds: number;
  readonly totalPerSecond: number;
  readonly routes: Record<Route, RouteFigures>;
  readonly readFrom: Record<string, number>;
  readonly searchItemsMean: number;
  /** The handlers' own time per route, as the runtime measured it (the rest of a client's latency is queueing). */
  readonly server: Record<string, LatencySummary>;
  /** CPU milliseconds per request (all routes), by the runtimes and by each service, and in all. */
  readonly cpuMsPerRequest: Record<string, number>;
}

function resultOf(tally: Tally): MixResult {
  const { samples, seconds: elapsed } = tally;
  const total = ROUTES.reduce((sum, route) => sum + samples[route].length, 0);
  return {
    seconds: elapsed,
    totalPerSecond: total / elapsed,
    routes: {
      read: routeFigures(samples.read, elapsed),
      edit: routeFigures(samples.edit, elapsed),
      search: routeFigures(samples.search, elapsed),
    },
    readFrom: tally.readFrom,
    searchItemsMean: samples.search.length === 0 ? 0 : tally.searchItems / samples.search.length,
    server: readRuntimeLog(tally.serverLog, routeOfLine).routes,
    cpuMsPerRequest: Object.fromEntries(
      [...Object.entries(tally.cpuMs), ['total', Object.values(tally.cpuMs).reduce((sum, ms) => sum + ms, 0)] as const].map(
        ([source, ms]) => [source, total === 0 ? 0 : ms / total],
      ),
    ),
  };
}

/** Runs the planned sequence, from where `tally` left it, with `users` in flight until `forSeconds` pass. */
async function mix(
  runtime: RunningRuntime,
  forSeconds: number,
  tally: Tally,
  names: readonly string[],
  owners: readonly Owner[],
  sequence: readonly Planned[],
): Promise<void> {
  const client = new HttpClient(runtime.url, { maxSockets: users, timeoutMs: 30_000 });
  const { samples, readFrom } = tally;
  const logFrom = runtime.output().length;
  const started = Date.now();
  const deadline = started + forSeconds * 1000;
  const user = async () => {
    while (Date.now() < deadline) {
      const i = tally.position++;
      const planned = sequence[i % sequence.length] as Planned;
      if (planned.route === 'read') {
        const answer = await client.request('GET', `/v1/people/${encodeURIComponent(names[planned.target] as string)}`);
        samples.read.push(answer);
        const from = String(answer.headers?.['x-eventline-read-from'] ?? 'none');
        if (answer.status === 200) readFrom[from] = (readFrom[from] ?? 0) + 1;
      } else if (planned.route === 'edit') {
        const owner = owners[planned.target] as Owner;
        samples.edit.push(
          await client.request('PUT', `/v1/people/${encodeURIComponent(owner.username)}`, profileOf(owner.index, i), {
            authorization: `Bearer ${owner.token}`,
          }),
        );
      } else {
        const answer = await client.request('GET', `/v1/people?q=${encodeURIComponent(planned.query ?? '')}&limit=20`);
        samples.search.push(answer);
        tally.searchItems += ((parseJson(answer.body) as { items?: unknown[] } | undefined)?.items ?? []).length;
      }
    }
  };
  await Promise.all(Array.from({ length: users }, user));
  tally.seconds += (Date.now() - started) / 1000;
  tally.serverLog += runtime.output().slice(logFrom);
  client.close();
}

async function requestOk(client: HttpClient, method: string, path: string, body: string, expected: number, token?: string) {
  const answer = await client.request(method, path, body, token ? { authorization: `Bearer ${token}` } : {});
  if (answer.status !== expected) throw new Error(`${method} ${path}: ${answer.status} ${answer.body}`);
  return parseJson(answer.body) as Record<string, unknown>;
}

/** In parallel, `concurrency` at a time. */
async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`);
const ratio = (value: number, base: number) => (base > 0 ? `×${(value / base).toFixed(2)}` : '-');

/**
 * What each store costs the read path by itself: the same adapter calls the handlers make, one at a
 * time, from this process, without the runtime around them (every cache read a hit).
 */
async function storesAlone(
  subject: ReturnType<typeof servicesSubject>,
  names: readonly string[],
  sequence: readonly Planned[],
): Promise<Record<string, LatencySummary & { clientCpuMs: number }>> {
  const services = localServices();
  const pool = await openSubjectPool(subject, 2);
  const cache = new RedisCache(new Redis(services.redisUrl), `eventline:${subject.topicPrefix}`);
  const store = new MySqlPeopleStore(async () => pool);
  const index = new OpenSearchIndex(new Client({ node: services.openSearchUrl }), { closeClient: true });
  const queries = sequence.flatMap((planned) => (planned.query === undefined ? [] : [planned.query]));
  // Each call's time, and this process's CPU per call (the client side: the request, the answer's parsing).
  const timed = async (count: number, call: (i: number) => Promise<unknown>) => {
    const samples: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await call(i);
      samples.push(elapsedMs(started));
    }
    const cpu = process.cpuUsage(cpuBefore);
    return { ...summarize(samples), clientCpuMs: (cpu.user + cpu.system) / 1000 / count };
  };
  try {
    for (const username of names) {
      const person = await store.get(username);
      if (person) await cache.putIfNewer(cacheKeyOf(username), person.version, JSON.stringify(person), CACHE_TTL_SECONDS);
    }
    const name = (i: number) => names[i % names.length] as string;
    const query = (i: number) => searchWordsOf(queries[i % queries.length] as string);
    return {
      'cache: Redis HMGET of the entry': await timed(2000, (i) => cache.getVersioned(cacheKeyOf(name(i)))),
      'sql: MySQL by primary key': await timed(2000, (i) => store.get(name(i))),
      'search: OpenSearch GET by id': await timed(2000, (i) => personInIndex(index, name(i))),
      'search by name: OpenSearch': await timed(300, (i) => findInIndex(index, { text: query(i), offset: 0, limit: 20 })),
      'search by name: MySQL': await timed(300, (i) => store.findByName({ words: query(i).words, offset: 0, limit: 20 })),
    };
  } finally {
    await cache.close();
    await index.close();
    await pool.end();
  }
}

/** Each configuration's figures per route, then the ratios against (c), the last. */
function report(routes: readonly Route[], measured: readonly MixResult[]): void {
  for (const [k, configuration] of CONFIGURATIONS.entries()) {
    const result = measured[k] as MixResult;
    console.log(
      `${configuration.label} (EVENTLINE_PEOPLE_READ_PATH=${configuration.readPath}): ${result.totalPerSecond.toFixed(0)} req/s in all; GETs answered from ${JSON.stringify(result.readFrom)}${routes.includes('search') ? `; ${result.searchItemsMean.toFixed(1)} people per search page` : ''}`,
    );
    const cpu = Object.entries(result.cpuMsPerRequest)
      .map(([source, ms]) => `${source} ${ms.toFixed(2)}`)
      .join(', ');
    console.log(`  CPU per request (ms): ${cpu}`);
    for (const route of routes) {
      const f = result.routes[route];
      const server = result.server[route];
      console.log(
        `  ${ROUTE_NAMES[route].padEnd(26)} ${f.perSecond.toFixed(0).padStart(6)} req/s  p50 ${ms(f.p50Ms).padStart(9)}  p99 ${ms(f.p99Ms).padStart(9)}  ${JSON.stringify(f.statuses)}; in the runtime p50 ${ms(server?.p50Ms ?? Number.NaN)}, p99 ${ms(server?.p99Ms ?? Number.NaN)}`,
      );
    }
  }
  const base = measured[measured.length - 1] as MixResult;
  console.log('against (c) MySQL only, measured in the same run (req/s ratio; p50 and p99 ratios, lower is faster):');
  for (const [k, configuration] of CONFIGURATIONS.entries()) {
    const result = measured[k] as MixResult;
    const cells = routes.map((route) => {
      const f = result.routes[route];
      const b = base.routes[route];
      return `${route} ${ratio(f.perSecond, b.perSecond)} req/s, p50 ${ratio(f.p50Ms, b.p50Ms)}, p99 ${ratio(f.p99Ms, b.p99Ms)}`;
    });
    console.log(
      `  ${configuration.label.padEnd(32)} all ${ratio(result.totalPerSecond, base.totalPerSecond)}; ${cells.join('; ')}`,
    );
  }
  console.log('');
}

async function main() {
  const run = newRunId();
  const subject = servicesSubject('people', run);
  const names = Array.from({ length: PROFILES }, (_, i) => `bench-${run}-p${i}`);
  const ownerNames = Array.from({ length: OWNERS }, (_, j) => `bench-${run}-o${j}`);
  const everyone = [...names, ...ownerNames];
  const services = localServices();
  const index = new Client({ node: services.openSearchUrl });
  const redis = new Redis(services.redisUrl);
  const results: Record<string, Record<string, MixResult & { readPath: string }>> = {};
  let storeFigures: Record<string, LatencySummary & { clientCpuMs: number }> = {};
  try {
    // Seeding: owners sign up and write their own profiles, the admin writes the others'.
    const runtime = await startRuntimeProcess({ ...subject.env, EVENTLINE_PEOPLE_READ_PATH: 'cache,search,sql' });
    const owners: Owner[] = [];
    try {
      const client = new HttpClient(runtime.url, { maxSockets: 10, timeoutMs: 30_000 });
      const session = (username: string, password: string) =>
        requestOk(client, 'POST', '/v1/sessions', JSON.stringify({ username, password }), 200).then((b) => String(b.accessToken));
      const admin = await session('admin', 'Local-admin-password-1');
      const started = Date.now();
      await eachLimited(
        ownerNames.map((username, j) => ({ username, j })),
        5,
        async ({ username, j }) => {
          const email = `${username}@example.com`;
          await requestOk(client, 'POST', '/v1/accounts', JSON.stringify({ username, email, password: PASSWORD }), 201);
          const token = await session(username, PASSWORD);
          owners.push({ username, index: PROFILES + j, token });
          await requestOk(client, 'PUT', `/v1/people/${username}`, profileOf(PROFILES + j, 0), 202, token);
        },
      );
      owners.sort((x, y) => x.index - y.index);
      await eachLimited(
        names.map((username, i) => ({ username, i })),
        10,
        async ({ username, i }) => {
          await requestOk(client, 'PUT', `/v1/people/${username}`, profileOf(i, 0), 202, admin);
        },
      );
      client.close();
      // Both stores hold every profile before anything is measured.
      const pool = await openSubjectPool(subject, 1);
      try {
        await eventually(
          async () => {
            const [rows] = await pool.query('SELECT COUNT(*) AS n FROM people_profiles WHERE deleted = 0');
            const inSql = Number((rows as { n: number }[])[0]?.n);
            const counted = await index.count({ index: 'people', body: { query: { ids: { values: everyone } } } });
            const inIndex = Number((counted.body as { count: number }).count);
            return inSql === everyone.length && inIndex === everyone.length ? true : undefined;
          },
          120_000,
          500,
          () => runtime.output(),
        );
      } finally {
        await pool.end();
      }
      console.log(
        `people: ${everyone.length} profiles seeded (${OWNERS} by their signed-in owners) and in both stores in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } finally {
      await runtime.stop();
    }

    // The three runtimes run side by side and take turns, round after round (each round in another
    // order), so a change in the machine's load (it is shared) falls on all three alike.
    await redis.del(...everyone.map((username) => `eventline:${subject.topicPrefix}people:profile:${username}`));
    const runtimes = await Promise.all(
      CONFIGURATIONS.map((configuration) =>
        startRuntimeProcess({ ...subject.env, EVENTLINE_PEOPLE_READ_PATH: configuration.readPath }),
      ),
    );
    try {
      console.log(
        `${users} users; the three runtimes side by side, ${WARM_UP_SECONDS} s warm-up each (cache emptied first), then ${ROUNDS} rounds of ${seconds / ROUNDS} s each, in turn: ${seconds} s measured per configuration\n`,
      );
      for (const runtime of runtimes) await mix(runtime, WARM_UP_SECONDS, newTally(), everyone, owners, plan('mix'));
      for (const phase of ['mix', 'reads'] as const) {
        console.log(
          phase === 'mix'
            ? 'the mix: 80 % GET a profile, 10 % PUT by its owner, 10 % search by name'
            : 'reads alone: every request a GET of a profile (the read path without the other routes)',
        );
        const sequence = plan(phase);
        const tallies = CONFIGURATIONS.map(newTally);
        for (let round = 0; round < ROUNDS; round++) {
          for (let turn = 0; turn < CONFIGURATIONS.length; turn++) {
            const k = (round + turn) % CONFIGURATIONS.length;
            const tally = tallies[k] as Tally;
            await measuredTurn(runtimes, tally, () =>
              mix(runtimes[k] as RunningRuntime, seconds / ROUNDS, tally, everyone, owners, sequence),
            );
          }
        }
        const measured = tallies.map(resultOf);
        results[phase] = Object.fromEntries(
          CONFIGURATIONS.map((configuration, k) => [
            configuration.key,
            { ...(measured[k] as MixResult), readPath: configuration.readPath },
          ]),
        );
        report(phase === 'mix' ? ROUTES : ['read'], measured);
      }
    } finally {
      await Promise.all(runtimes.map((runtime) => runtime.stop()));
    }
    console.log('the stores alone: the adapter calls of the read path, one at a time, without the runtime');
    const stores = await storesAlone(subject, everyone, plan('mix'));
    for (const [what, summary] of Object.entries(stores)) {
      console.log(`  ${what.padEnd(34)} ${formatSummary(summary)}; client CPU ${summary.clientCpuMs.toFixed(2)} ms per call`);
    }
    storeFigures = stores;
  } finally {
    // The index is shared by every run: this run's documents go with it (the local distribution has
    // no _delete_by_query: it lacks the reindex module).
    try {
      const removed = await index.bulk({ body: everyone.map((id) => ({ delete: { _index: 'people', _id: id } })) });
      if ((removed.body as { errors: boolean }).errors) console.log("some of this run's documents stayed in the people index");
    } catch (error) {
      console.log(`could not remove this run's documents from the people index: ${(error as Error).message}`);
    }
    await index.close();
    redis.disconnect();
    await cleanUpSubject(subject);
  }
  return {
    benchmark: 'people',
    seconds,
    users,
    profiles: PROFILES + OWNERS,
    warmUpSeconds: WARM_UP_SECONDS,
    results,
    stores: storeFigures,
  };
}

benchMain('people', main);
