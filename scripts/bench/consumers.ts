/**
 * Consumers: tags applied per second into MySQL by the real consumer handlers, called in-process
 * with `aws:kafka` batches shaped by `toMskEvent` exactly as the event-source mapping (and the
 * local runtime) sends them, at the manifest's batch sizes, against a dedicated database.
 * Baseline, same run, same rows: a raw mysql2 multi-row INSERT into a table shaped like
 * `user_tags`, at the same batch size. Phases:
 *   1. raw INSERT, batches of 500          vs  2. store-user-tags (profiles), batches of 500
 *   3. raw INSERT, batches of 1000         vs  4. aggregate-user-tags (aggregates), batches of 1000
 *   5. both handlers at once on fresh tags, as their two consumer groups run in the runtime
 * BENCH_CONSUMER_TAGS tags per phase (default 50000), Allezon key mix, 1000 tags/s of tag time.
 *
 *   npm run bench -- consumers
 */
import type { Handler } from 'aws-lambda';
import type { Pool } from 'mysql2/promise';
import { manifest, migrationSources } from '../../lambdas/manifest';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import type { FunctionSpec, KafkaSubscriptionSpec } from '../../lambdas/platform/manifest-types';
import { migrate } from '../../lambdas/platform/sql/migrate';
import { sqlPool } from '../../lambdas/platform/sql/pool';
import { LOCAL_KAFKA_EVENT_SOURCE } from '../local-runtime/kafka-poller';
import { invokeHandler } from '../local-runtime/lambda-invoker';
import { floorMinute } from './allezon-format';
import { AllezonModel } from './allezon-model';
import { benchMain, cleanUpSubject, envNumber, newRunId, openSubjectPool, servicesSubject } from './bench-env';
import { toBatches, toLogRecords, USER_TAG_PARTITIONS } from './consumer-batches';
import { Random } from './random';
import { StatementCounter } from './statement-counter';
import { elapsedMs, type LatencySummary, summarize } from './stats';
import { ALLEZON_MIX, type SentTag, TagGenerator } from './tag-generator';

const TAGS = envNumber('BENCH_CONSUMER_TAGS', 50_000);
const WARMUP_TAGS = Math.min(2000, TAGS);

interface Consumer {
  readonly fn: FunctionSpec;
  readonly subscription: KafkaSubscriptionSpec;
  readonly handler: Handler;
}

interface PhaseResult {
  readonly phase: string;
  readonly tags: number;
  readonly batchSize: number;
  readonly batches: number;
  readonly seconds: number;
  readonly tagsPerSecond: number;
  readonly batchMs: LatencySummary;
  /**
   * SQL round trips per tag (handlers: through the shared pool, BEGIN/COMMIT included; raw: one
   * INSERT per batch). In the "both at once" phases the two handlers' round trips are mixed.
   */
  readonly statementsPerTag: number;
}

function consumerOf(entry: string, handler: Handler): Consumer {
  const fn = manifest.functions.find((f) => f.entry === entry);
  const subscription = fn?.subscriptions?.[0];
  if (!fn || !subscription) throw new Error(`the manifest has no consumer with entry ${entry}`);
  return { fn, subscription, handler };
}

/** Round trips through the handlers' shared pool; set once the pool exists. */
let statements: StatementCounter | undefined;

/** Calls the handler once per batch, in order, as one consumer group's poller does. */
async function runConsumer(consumer: Consumer, records: readonly ConsumedRecord[], phase: string): Promise<PhaseResult> {
  const batches = toBatches(records, consumer.subscription.batchSize);
  const batchMs: number[] = [];
  const statementsBefore = statements?.count ?? 0;
  const started = process.hrtime.bigint();
  for (const batch of batches) {
    const t0 = process.hrtime.bigint();
    const outcome = await invokeHandler(consumer.handler, toMskEvent(batch, LOCAL_KAFKA_EVENT_SOURCE), consumer.fn);
    if (!outcome.ok) throw new Error(`${consumer.fn.name} failed a batch: ${String(outcome.error)}`);
    batchMs.push(elapsedMs(t0));
  }
  const total = elapsedMs(started);
  return phaseResult(
    phase,
    records.length,
    consumer.subscription.batchSize,
    batchMs,
    total,
    (statements?.count ?? 0) - statementsBefore,
  );
}

/** The baseline: the same rows as the profile store writes, one multi-row INSERT per batch. */
async function runRawInsert(pool: Pool, table: string, records: readonly ConsumedRecord[], batchSize: number, phase: string) {
  const batches = toBatches(records, batchSize);
  const batchMs: number[] = [];
  const started = process.hrtime.bigint();
  for (const batch of batches) {
    const t0 = process.hrtime.bigint();
    const rows = batch.map((r) => {
      const raw = r.value!.toString('utf8');
      const tag = JSON.parse(raw) as { cookie: string; action: string; time: string };
      return [r.topic, r.partition, r.offset, tag.cookie, tag.action, Date.parse(tag.time), raw];
    });
    await pool.query(
      `INSERT INTO ${table} (topic, source_partition, source_offset, cookie, action, tag_time_ms, tag_json) VALUES ?`,
      [rows],
    );
    batchMs.push(elapsedMs(t0));
  }
  return phaseResult(phase, records.length, batchSize, batchMs, elapsedMs(started), batches.length);
}

function phaseResult(
  phase: string,
  tags: number,
  batchSize: number,
  batchMs: number[],
  totalMs: number,
  statementCount: number,
): PhaseResult {
  return {
    statementsPerTag: statementCount / tags,
    phase,
    tags,
    batchSize,
    batches: batchMs.length,
    seconds: totalMs / 1000,
    tagsPerSecond: tags / (totalMs / 1000),
    batchMs: summarize(batchMs),
  };
}

const print = (r: PhaseResult, ratio?: number) =>
  console.log(
    `${r.phase.padEnd(44)} ${r.tagsPerSecond.toFixed(0).padStart(7)} tags/s  (${r.tags} tags in ${r.seconds.toFixed(1)} s, ${r.batches} batches of ≤${r.batchSize}, batch p50 ${r.batchMs.p50Ms.toFixed(0)} ms p99 ${r.batchMs.p99Ms.toFixed(0)} ms${r.phase.startsWith('both') ? '' : `, ${((r.statementsPerTag * r.tags) / r.batches).toFixed(0)} SQL round trips per batch`})${ratio === undefined ? '' : `  ×${ratio.toFixed(2)} of raw`}`,
  );

async function main() {
  const run = newRunId();
  const subject = servicesSubject('consumers', run);
  // Before any handler module is loaded: the handlers' wiring reads these on first use.
  Object.assign(process.env, subject.env);
  const pool = await openSubjectPool(subject);
  try {
    await migrate(pool, migrationSources);
    // Both parallel phases share this pool (as in one runtime process); counted for the analysis.
    statements = new StatementCounter(await sqlPool());
    for (const table of ['raw_user_tags_warmup', 'raw_user_tags_500', 'raw_user_tags_1000']) {
      await pool.query(`CREATE TABLE ${table} LIKE user_tags`);
    }
    const store = consumerOf(
      'lambdas/tracking/handlers/store-user-tags.ts',
      (await import('../../lambdas/tracking/handlers/store-user-tags')).handler,
    );
    const aggregate = consumerOf(
      'lambdas/tracking/handlers/aggregate-user-tags.ts',
      (await import('../../lambdas/tracking/handlers/aggregate-user-tags')).handler,
    );

    // Tag times at 1000 tags/s (the spec's rate) from a minute boundary; the Allezon key mix.
    const generator = new TagGenerator({ ...ALLEZON_MIX, cookiePrefix: `c${run}-` }, new Random(0xc0ffee));
    const model = new AllezonModel();
    let timeMs = floorMinute(Date.now()) - 10 * 60_000;
    const makeTags = (n: number): SentTag[] =>
      Array.from({ length: n }, () => {
        const sent = generator.next(timeMs++);
        model.add(sent);
        return sent;
      });
    const offsets = new Array(USER_TAG_PARTITIONS).fill(0);
    const warmup = toLogRecords(makeTags(WARMUP_TAGS), offsets);
    const first = toLogRecords(makeTags(TAGS), offsets);
    const second = toLogRecords(makeTags(TAGS), offsets);

    console.log(
      `consumers: ${TAGS} tags per phase (after ${WARMUP_TAGS} warm-up), database ${subject.database}, key mix: ${ALLEZON_MIX.cookies} cookies (${ALLEZON_MIX.hotCookies} hot with ${ALLEZON_MIX.hotShare * 100} % of tags), ${ALLEZON_MIX.origins} origins, ${ALLEZON_MIX.brands} brands, ${ALLEZON_MIX.categories} categories\n`,
    );
    await runRawInsert(pool, 'raw_user_tags_warmup', warmup, 500, 'warm-up');
    await runConsumer(store, warmup, 'warm-up');
    await runConsumer(aggregate, warmup, 'warm-up');

    const raw500 = await runRawInsert(
      pool,
      'raw_user_tags_500',
      first,
      store.subscription.batchSize,
      'baseline: raw multi-row INSERT',
    );
    print(raw500);
    const profiles = await runConsumer(store, first, 'store-user-tags (profiles)');
    print(profiles, profiles.tagsPerSecond / raw500.tagsPerSecond);
    const raw1000 = await runRawInsert(
      pool,
      'raw_user_tags_1000',
      first,
      aggregate.subscription.batchSize,
      'baseline: raw multi-row INSERT',
    );
    print(raw1000);
    const aggregates = await runConsumer(aggregate, first, 'aggregate-user-tags (aggregates)');
    print(aggregates, aggregates.tagsPerSecond / raw1000.tagsPerSecond);

    const bothStarted = process.hrtime.bigint();
    const [bothProfiles, bothAggregates] = await Promise.all([
      runConsumer(store, second, 'both at once: profiles'),
      runConsumer(aggregate, second, 'both at once: aggregates'),
    ]);
    const bothSeconds = elapsedMs(bothStarted) / 1000;
    const both = { tags: TAGS, seconds: bothSeconds, tagsPerSecond: TAGS / bothSeconds };
    print(bothProfiles);
    print(bothAggregates);
    console.log(
      `${'both at once: tags applied to both stores'.padEnd(44)} ${both.tagsPerSecond.toFixed(0).padStart(7)} tags/s  ×${(both.tagsPerSecond / raw500.tagsPerSecond).toFixed(2)} of raw (batches of 500)`,
    );

    const check = await checkStores(pool, model, run);
    console.log(`\nstores checked against the expected answers: ${check.ok ? 'ok' : 'WRONG'} (${check.detail})`);
    if (!check.ok) throw new Error(`the stores do not hold what was applied: ${check.detail}`);
    return {
      benchmark: 'consumers',
      tagsPerPhase: TAGS,
      mix: ALLEZON_MIX,
      phases: { raw500, profiles, raw1000, aggregates, bothProfiles, bothAggregates, both },
      ratios: {
        profiles: profiles.tagsPerSecond / raw500.tagsPerSecond,
        aggregates: aggregates.tagsPerSecond / raw1000.tagsPerSecond,
        both: both.tagsPerSecond / raw500.tagsPerSecond,
      },
      check,
    };
  } finally {
    await pool.end();
    const { platform } = await import('../../lambdas/platform/wiring');
    await platform.close();
    await cleanUpSubject(subject);
  }
}

/**
 * A benchmark of wrong code is worthless: the profile store must hold exactly the newest 200 per
 * cookie and action, and the aggregates (the "no filter" rows) must count every tag once.
 */
async function checkStores(pool: Pool, model: AllezonModel, run: string): Promise<{ ok: boolean; detail: string }> {
  let expectedRows = 0;
  for (const cookie of model.cookies()) {
    for (const action of ['VIEW', 'BUY'] as const) expectedRows += Math.min(model.keepPerAction, model.tagCount(cookie, action));
  }
  const [[profileRow]] = (await pool.query(`SELECT COUNT(*) AS n FROM user_tags WHERE cookie LIKE ?`, [
    `c${run}-%`,
  ])) as unknown as [{ n: number }[]];
  const [aggregateRows] = (await pool.query(
    `SELECT action, CAST(SUM(count) AS CHAR) AS n FROM tag_minute_aggregates
     WHERE origin = '' AND brand_id = '' AND category_id = '' GROUP BY action`,
  )) as unknown as [{ action: string; n: string }[]];
  const counted = aggregateRows.reduce((total, row) => total + Number(row.n), 0);
  const ok = Number(profileRow.n) === expectedRows && counted === model.size;
  return {
    ok,
    detail: `user_tags rows ${profileRow.n} (expected ${expectedRows} after the 200-per-action trim), aggregated tags ${counted} (expected ${model.size})`,
  };
}

benchMain('consumers', main);
