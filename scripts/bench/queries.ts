/**
 * Queries: POST /user_profiles/{cookie} and POST /aggregates latency over at least 1 M stored
 * tags, through the local runtime (services backend), every answer checked against the model.
 *
 * Data (BENCH_QUERY_TAGS, default 1,000,000 tags, plus 100 heavy cookies at the 200 VIEW + 200 BUY
 * cap): tag times 1 ms apart (the spec's 1000 tags/s, so 1 M tags span ~17 minutes); cookies
 * BENCH_QUERY_COOKIES (default 12,000: ~83 tags per cookie, what the spec's 24 h at 1000 tags/s
 * over ~1 M cookies gives each cookie); 1,000 origins, 250 brands, 67 categories.
 * Loading: profiles by direct multi-row INSERTs into `user_tags` (the rows the consumer writes);
 * aggregates through the real aggregate-user-tags handler in batches of 10,000 (`aws:kafka`
 * events), so the aggregate rows are exactly what the consumer makes.
 * Phases: paced profiles at 100/s (the spec's rate) and aggregates at 10/s for
 * BENCH_QUERY_SECONDS (default 20) each, then closed-loop capacity runs (8 in flight).
 *
 *   npm run bench -- queries
 */

import { migrationSources } from '../../lambdas/manifest';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import { migrate } from '../../lambdas/platform/sql/migrate';
import { LOCAL_KAFKA_EVENT_SOURCE } from '../local-runtime/kafka-poller';
import { invokeHandler } from '../local-runtime/lambda-invoker';
import { startRuntimeProcess } from '../local-runtime/spawn-runtime';
import {
  type AggregateKind,
  type AggregatesQuery,
  aggregatesPath,
  floorMinute,
  MINUTE_MS,
  type ProfileQuery,
  profilePath,
} from './allezon-format';
import { AllezonModel } from './allezon-model';
import { benchMain, cleanUpSubject, envNumber, newRunId, openSubjectPool, servicesSubject } from './bench-env';
import { toLogRecords, USER_TAG_PARTITIONS } from './consumer-batches';
import { HttpClient, parseJson } from './http-client';
import { pace } from './pacer';
import { Random } from './random';
import { type RuntimeFigures, readRuntimeLog } from './runtime-log';
import { elapsedMs, formatSummary, type LatencySummary, summarize } from './stats';
import { type SentTag, TagGenerator } from './tag-generator';

const TAGS = envNumber('BENCH_QUERY_TAGS', 1_000_000);
const COOKIES = envNumber('BENCH_QUERY_COOKIES', 12_000);
const HEAVY_COOKIES = 100;
const SECONDS = envNumber('BENCH_QUERY_SECONDS', 20);
const CAPACITY_PROFILES = envNumber('BENCH_QUERY_CAPACITY_PROFILES', 3000);
const CAPACITY_AGGREGATES = envNumber('BENCH_QUERY_CAPACITY_AGGREGATES', 1000);
const LOAD_CHUNK = 10_000;

interface Sample {
  readonly timeMs: number;
  readonly origin: string;
  readonly brandId: string;
  readonly categoryId: string;
}

interface Dataset {
  readonly model: AllezonModel;
  readonly fromMs: number;
  readonly toMs: number;
  readonly cookies: readonly string[];
  readonly heavy: readonly string[];
  /** Every 97th tag's filter values, to query filters that exist. */
  readonly samples: readonly Sample[];
}

type Answered<Q> = { query: Q; status: number; body: string; ms: number };

interface PhaseFigures {
  readonly phase: string;
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latency: LatencySummary;
  /** Latency per kind of query (e.g. heavy vs ordinary cookies). */
  readonly groups: Record<string, LatencySummary>;
  readonly statuses: Record<number, number>;
  readonly correct: number;
  readonly wrong: number;
  readonly firstWrong?: string;
}

async function loadData(run: string, subject: ReturnType<typeof servicesSubject>): Promise<Dataset & { loadSeconds: number }> {
  const pool = await openSubjectPool(subject, 4);
  await migrate(pool, migrationSources);
  const aggregateFn = (await import('../../lambdas/tracking/handlers/aggregate-user-tags')).handler;
  const aggregateSpec = (await import('../../lambdas/tracking/manifest')).trackingFunctions.aggregateTags;

  const random = new Random(0x5eed);
  const generator = new TagGenerator(
    {
      cookies: COOKIES,
      hotCookies: 0,
      hotShare: 0,
      origins: 1000,
      brands: 250,
      categories: 67,
      buyShare: 0.1,
      cookiePrefix: `q${run}-`,
    },
    random,
  );
  const heavy = Array.from({ length: HEAVY_COOKIES }, (_, i) => `q${run}-heavy-${i}`);
  const heavyTags = HEAVY_COOKIES * 400;
  const total = TAGS + heavyTags;
  const heavyEvery = Math.floor(total / heavyTags);
  const model = new AllezonModel();
  const samples: Sample[] = [];
  const fromMs = floorMinute(Date.now()) - 60 * MINUTE_MS;
  const offsets = new Array(USER_TAG_PARTITIONS).fill(0);
  let heavySent = 0;

  const started = process.hrtime.bigint();
  let profileMs = 0;
  let aggregateMs = 0;
  for (let first = 0; first < total; first += LOAD_CHUNK) {
    const chunk: SentTag[] = [];
    for (let i = first; i < Math.min(total, first + LOAD_CHUNK); i++) {
      let sent: SentTag;
      if (i % heavyEvery === 0 && heavySent < heavyTags) {
        const h = heavySent++;
        // Each heavy cookie gets 200 VIEWs and 200 BUYs: the most a profile can answer.
        sent = generator.next(fromMs + i, {
          cookie: heavy[h % HEAVY_COOKIES],
          action: Math.floor(h / HEAVY_COOKIES) % 2 ? 'BUY' : 'VIEW',
        });
      } else {
        sent = generator.next(fromMs + i);
      }
      model.add(sent);
      if (i % 97 === 0) {
        const { origin, product_info: p } = sent.tag;
        samples.push({ timeMs: sent.timeMs, origin, brandId: p.brand_id, categoryId: p.category_id });
      }
      chunk.push(sent);
    }
    const records = toLogRecords(chunk, offsets);
    const rows = records.map((r, k) => [
      r.topic,
      r.partition,
      r.offset,
      chunk[k].tag.cookie,
      chunk[k].tag.action,
      chunk[k].timeMs,
      chunk[k].raw,
    ]);
    const insertProfiles = async () => {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < rows.length; k += 2000) {
        await pool.query(
          'INSERT INTO user_tags (topic, source_partition, source_offset, cookie, action, tag_time_ms, tag_json) VALUES ?',
          [rows.slice(k, k + 2000)],
        );
      }
      profileMs += elapsedMs(t0);
    };
    const applyAggregates = async () => {
      const t0 = process.hrtime.bigint();
      const outcome = await invokeHandler(aggregateFn, toMskEvent(records, LOCAL_KAFKA_EVENT_SOURCE), aggregateSpec, {
        timeoutMs: 300_000,
      });
      if (!outcome.ok) throw new Error(`aggregate-user-tags failed while loading: ${String(outcome.error)}`);
      aggregateMs += elapsedMs(t0);
    };
    await Promise.all([insertProfiles(), applyAggregates()]);
    if ((first / LOAD_CHUNK) % 20 === 19) {
      console.log(`  loaded ${first + chunk.length} tags in ${(elapsedMs(started) / 1000).toFixed(0)} s`);
    }
  }
  const loadSeconds = elapsedMs(started) / 1000;
  const [[counts]] = (await pool.query(
    `SELECT (SELECT COUNT(*) FROM user_tags) AS tags, (SELECT COUNT(*) FROM tag_minute_aggregates) AS aggregate_rows`,
  )) as unknown as [{ tags: number; aggregate_rows: number }[]];
  console.log(
    `loaded ${counts.tags} tags (user_tags rows) and ${counts.aggregate_rows} minute-aggregate rows in ${loadSeconds.toFixed(0)} s ` +
      `(profiles ${(total / (profileMs / 1000)).toFixed(0)} rows/s by INSERT, aggregates ${(total / (aggregateMs / 1000)).toFixed(0)} tags/s through the handler, in parallel)`,
  );
  await pool.end();
  const { platform } = await import('../../lambdas/platform/wiring');
  await platform.close();
  const cookies = Array.from({ length: COOKIES }, (_, n) => generator.cookieName(n));
  return { model, fromMs, toMs: fromMs + total, cookies, heavy, samples, loadSeconds };
}

function profileQuery(data: Dataset, random: Random): ProfileQuery {
  const cookie = random.chance(0.1) ? random.pick(data.heavy) : random.pick(data.cookies);
  const limit = random.chance(0.2) ? random.between(1, 200) : undefined;
  if (random.chance(0.7)) return { cookie, fromMs: data.fromMs - MINUTE_MS, toMs: data.toMs + MINUTE_MS, limit };
  const a = random.between(data.fromMs, data.toMs);
  const b = random.between(data.fromMs, data.toMs);
  return { cookie, fromMs: Math.min(a, b), toMs: Math.max(a, b) + 1, limit };
}

const KINDS: readonly (readonly AggregateKind[])[] = [['COUNT'], ['SUM_PRICE'], ['COUNT', 'SUM_PRICE'], ['SUM_PRICE', 'COUNT']];

function aggregatesQuery(data: Dataset, random: Random): AggregatesQuery {
  const sample = random.pick(data.samples);
  const minutes = random.between(1, 10);
  const firstMinute = floorMinute(data.fromMs);
  const lastStart = Math.max(firstMinute, floorMinute(data.toMs) - (minutes - 1) * MINUTE_MS);
  // A window around a real tag, so the filter values exist in it.
  const fromMs = Math.min(lastStart, Math.max(firstMinute, floorMinute(sample.timeMs) - random.int(minutes) * MINUTE_MS));
  const mask = random.int(8);
  return {
    fromMs,
    toMs: fromMs + minutes * MINUTE_MS,
    action: random.chance(0.5) ? 'VIEW' : 'BUY',
    origin: mask & 1 ? sample.origin : undefined,
    brandId: mask & 2 ? sample.brandId : undefined,
    categoryId: mask & 4 ? sample.categoryId : undefined,
    aggregates: random.pick(KINDS),
  };
}

/** Checked after the phase, so the checking never competes with the measurement. */
function figures<Q>(
  phase: string,
  answers: readonly Answered<Q>[],
  seconds: number,
  check: (query: Q, body: unknown) => { ok: boolean; reason?: string },
  groupOf?: (query: Q) => string,
): PhaseFigures {
  const statuses: Record<number, number> = {};
  let correct = 0;
  let wrong = 0;
  let firstWrong: string | undefined;
  for (const a of answers) {
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const verdict =
      a.status === 200 ? check(a.query, parseJson(a.body)) : { ok: false, reason: `status ${a.status}: ${a.body.slice(0, 200)}` };
    if (verdict.ok) correct++;
    else {
      wrong++;
      firstWrong ??= `${JSON.stringify(a.query)}: ${verdict.reason}`;
    }
  }
  const groups: Record<string, LatencySummary> = {};
  if (groupOf) {
    const byGroup = new Map<string, number[]>();
    for (const a of answers) {
      const group = groupOf(a.query);
      byGroup.set(group, [...(byGroup.get(group) ?? []), a.ms]);
    }
    for (const [group, samples] of byGroup) groups[group] = summarize(samples);
  }
  const result = {
    phase,
    groups,
    requests: answers.length,
    seconds,
    perSecond: answers.length / seconds,
    latency: summarize(answers.map((a) => a.ms)),
    statuses,
    correct,
    wrong,
    firstWrong,
  };
  console.log(
    `${phase.padEnd(40)} ${result.perSecond.toFixed(0).padStart(5)} req/s  ${formatSummary(result.latency)}  correct ${correct}/${answers.length}${firstWrong ? `\n    first wrong: ${firstWrong.slice(0, 400)}` : ''}`,
  );
  for (const [group, summary] of Object.entries(groups)) console.log(`    ${group.padEnd(36)} ${formatSummary(summary)}`);
  return result;
}

async function paced<Q>(client: HttpClient, perSecond: number, make: () => Q, path: (q: Q) => string) {
  const answers: Answered<Q>[] = [];
  const result = await pace({
    perSecond,
    durationMs: SECONDS * 1000,
    maxInFlight: 256,
    fire: async () => {
      const query = make();
      const answer = await client.request('POST', path(query));
      answers.push({ query, ...answer });
    },
  });
  return { answers, seconds: result.seconds };
}

async function closedLoop<Q>(client: HttpClient, total: number, concurrency: number, make: () => Q, path: (q: Q) => string) {
  const answers: Answered<Q>[] = [];
  let issued = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued++ < total) {
        const query = make();
        const answer = await client.request('POST', path(query));
        answers.push({ query, ...answer });
      }
    }),
  );
  return { answers, seconds: elapsedMs(started) / 1000 };
}

async function main() {
  const run = newRunId();
  const subject = servicesSubject('queries', run);
  Object.assign(process.env, subject.env);
  try {
    console.log(
      `queries: ${TAGS} tags over ${COOKIES} cookies + ${HEAVY_COOKIES} heavy cookies × 400 tags, database ${subject.database}; loading…`,
    );
    const data = await loadData(run, subject);
    // At debug the runtime also prints a line per consumer batch, which the server-side figures read.
    const runtime = await startRuntimeProcess({ ...subject.env, EVENTLINE_LOG_LEVEL: 'debug' }, 180_000);
    const client = new HttpClient(runtime.url, { maxSockets: 64, timeoutMs: 30_000 });
    const random = new Random(0xbeef);
    const profileCheck = (q: ProfileQuery, body: unknown) => data.model.checkProfile(body, q);
    const heavy = new Set(data.heavy);
    const profileGroup = (q: ProfileQuery) => (heavy.has(q.cookie) ? 'heavy cookies (200+200 tags)' : 'ordinary cookies');
    const aggregatesCheck = (q: AggregatesQuery, body: unknown) => data.model.checkAggregates(body, q);
    const phases: PhaseFigures[] = [];
    let server: RuntimeFigures | undefined;
    try {
      // Warm-up: connections, JIT, the pool.
      await closedLoop(client, 200, 4, () => profileQuery(data, random), profilePath);
      await closedLoop(client, 50, 4, () => aggregatesQuery(data, random), aggregatesPath);
      console.log('');
      const profilesPaced = await paced(client, 100, () => profileQuery(data, random), profilePath);
      phases.push(figures('profiles, paced 100/s', profilesPaced.answers, profilesPaced.seconds, profileCheck, profileGroup));
      const aggregatesPaced = await paced(client, 10, () => aggregatesQuery(data, random), aggregatesPath);
      phases.push(figures('aggregates, paced 10/s', aggregatesPaced.answers, aggregatesPaced.seconds, aggregatesCheck));
      const profilesLoop = await closedLoop(client, CAPACITY_PROFILES, 8, () => profileQuery(data, random), profilePath);
      phases.push(
        figures('profiles, capacity (8 in flight)', profilesLoop.answers, profilesLoop.seconds, profileCheck, profileGroup),
      );
      const aggregatesLoop = await closedLoop(
        client,
        CAPACITY_AGGREGATES,
        8,
        () => aggregatesQuery(data, random),
        aggregatesPath,
      );
      phases.push(figures('aggregates, capacity (8 in flight)', aggregatesLoop.answers, aggregatesLoop.seconds, aggregatesCheck));
      server = readRuntimeLog(runtime.output());
      console.log('\nserver side (as the runtime logged it, all phases incl. warm-up):');
      for (const [route, summary] of Object.entries(server.routes))
        console.log(`  ${route.padEnd(34)} ${formatSummary(summary)}`);
    } finally {
      client.close();
      await runtime.stop();
    }
    const wrong = phases.reduce((n, p) => n + p.wrong, 0);
    if (wrong > 0) console.error(`\n${wrong} WRONG answers (see above)`);
    return {
      benchmark: 'queries',
      tags: data.model.size,
      cookies: COOKIES,
      heavyCookies: HEAVY_COOKIES,
      loadSeconds: data.loadSeconds,
      phases,
      server,
    };
  } finally {
    await cleanUpSubject(subject);
  }
}

benchMain('queries', main);
