/**
 * The Allezon-style mixed run through the local runtime (services backend, its own database and
 * topic prefix): BENCH_ALLEZON_RATE tags/s (default 1000) for BENCH_ALLEZON_SECONDS (default 60),
 * with one /user_profiles query per 10 tags and one /aggregates query per 1000 tags, open loop.
 *
 * Every answer is compared with an in-process model of what was acknowledged (AllezonModel):
 * - a profile query asks for `[from, to)` with `to` no later than 1 s ago (the aim for profile
 *   visibility) and no later than the oldest tag still in flight, so its expected answer is fixed;
 *   a wrong answer is asked again 3 s and 9 s after the first ask: right first time, right
 *   within the spec's 10 s target, or wrong;
 * - an aggregates query asks for 1–10 whole minutes that ended at least 5 s ago (the aim) and are
 *   fully acknowledged, so its expected answer is exact; asked again after 5, 20 and 55 s
 *   (the target is 60 s).
 * Visibility is measured directly by probes: once a second a just-acknowledged tag's profile is
 * polled (every 50 ms for a second, then every 250 ms) until it shows; every 10 s a tag with a
 * unique origin is polled in the aggregates (50 ms, then 1 s) until it counts; at most 3 probes
 * at a time, so probing cannot pile load on a lagging system. After the load, a final sweep checks hot cookies, a
 * sample of cookies and every minute of the run once nothing is in flight.
 *
 *   npm run bench -- allezon
 *   BENCH_ALLEZON_SECONDS=300 npm run bench -- allezon
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { startRuntimeProcess } from '../local-runtime/spawn-runtime';
import {
  type Action,
  type AggregateKind,
  type AggregatesQuery,
  aggregatesPath,
  floorMinute,
  MAX_AGGREGATE_MINUTES,
  MINUTE_MS,
  type ProfileQuery,
  profilePath,
} from './allezon-format';
import { AllezonModel, SETTLED, type Verdict } from './allezon-model';
import { benchMain, cleanUpSubject, envNumber, newRunId, servicesSubject, sleep } from './bench-env';
import { type HttpAnswer, HttpClient, parseJson } from './http-client';
import { pace } from './pacer';
import { Random } from './random';
import { readRuntimeLog } from './runtime-log';
import { formatSummary, type LatencySummary, summarize } from './stats';
import { ALLEZON_MIX, type SentTag, TagClock, TagGenerator } from './tag-generator';

const SECONDS = envNumber('BENCH_ALLEZON_SECONDS', 60);
const RATE = envNumber('BENCH_ALLEZON_RATE', 1000);
const PROFILE_EVERY = 10;
const AGGREGATES_EVERY = 1000;
/** Aims (DESIGN.md): profiles visible within 1 s, aggregates within 5 s. */
const PROFILE_AIM_MS = 1000;
const AGGREGATES_AIM_MS = 5000;
/** Targets (the spec): profiles visible within 10 s, aggregates within 60 s. */
const PROFILE_TARGET_MS = 10_000;
const AGGREGATES_TARGET_MS = 60_000;
const TAG_TIMEOUT_MS = 5000;
/** The final sweep keeps asking what was wrong at the target this long, to tell late from lost. */
const EVENTUAL_MS = 180_000;
/**
 * When a wrong answer is asked again (ms after the first ask): twice within the target, so a
 * lagging system is not buried under re-asks; the final sweep then asks every 10 s up to
 * EVENTUAL_MS to tell late data from lost data.
 */
const PROFILE_REASK_MS = [3000, 9000];
const AGGREGATES_REASK_MS = [5000, 20_000, 55_000];
const EVENTUAL_EVERY_MS = 10_000;
/** Probe polling: every 50 ms for the first second, then every 250 ms (profiles) / 1 s (aggregates). */
const PROBE_FAST_MS = 50;
/** At most this many probes of a kind at a time: probing must not pile load on a lagging system. */
const MAX_ACTIVE_PROBES = 3;

type Outcome = 'first' | 'later' | 'wrong' | 'unverifiable';

interface CheckTally {
  first: number;
  later: number;
  wrong: number;
  unverifiable: number;
  /** Time from the first ask to the right answer, for answers right only after re-asking. */
  laterMs: number[];
  wrongReasons: string[];
  extraRequests: number;
  /** Final sweep only: wrong at the target, but right when asked again later (late, not lost). */
  eventually: number;
  eventuallyMs: number[];
}

const newTally = (): CheckTally => ({
  first: 0,
  later: 0,
  wrong: 0,
  unverifiable: 0,
  laterMs: [],
  wrongReasons: [],
  extraRequests: 0,
  eventually: 0,
  eventuallyMs: [],
});

const KINDS: readonly (readonly AggregateKind[])[] = [['COUNT'], ['SUM_PRICE'], ['COUNT', 'SUM_PRICE'], ['SUM_PRICE', 'COUNT']];

const keyOf = (cookie: string, action: Action) => `${action}\u0000${cookie}`;

class MixedRun {
  readonly model = new AllezonModel();
  private readonly random = new Random(0xa11e2);
  private readonly generator: TagGenerator;
  private readonly clock = new TagClock();
  private readonly tags: HttpClient;
  private readonly queries: HttpClient;
  private readonly probes: HttpClient;

  /** Tags sent and not answered yet, in send (= time) order. */
  private readonly inFlight = new Map<number, SentTag>();
  private lastTimeMs = 0;
  private readonly sent = new Map<string, number>();
  private readonly done = new Map<string, number>();
  /** Recently acknowledged tags, for picking cookies and filter values that exist. */
  private readonly recent: SentTag[] = [];
  /** Cookies and minutes of tags that were not acknowledged: whether they are stored is unknown. */
  private readonly uncertainCookies = new Set<string>();
  private readonly uncertainMinutes = new Set<number>();
  private readonly pendingChecks = new Set<Promise<void>>();

  readonly statuses: Record<string, number> = {};
  accepted = 0;
  dropped = 0;
  readonly latency = { tags: [] as number[], profiles: [] as number[], aggregates: [] as number[] };
  readonly profileChecks = newTally();
  readonly aggregateChecks = newTally();
  readonly sweepProfiles = newTally();
  readonly sweepAggregates = newTally();
  readonly profileVisibleMs: number[] = [];
  readonly aggregatesVisibleMs: number[] = [];
  probeMisses = 0;
  probeRequests = 0;
  probesSkipped = 0;
  private readonly activeProbes = { profiles: 0, aggregates: 0 };
  firstTimeMs = Number.POSITIVE_INFINITY;

  constructor(
    readonly url: string,
    readonly run: string,
  ) {
    this.generator = new TagGenerator({ ...ALLEZON_MIX, cookiePrefix: `a${run}-` }, this.random);
    this.tags = new HttpClient(url, { maxSockets: 256, timeoutMs: TAG_TIMEOUT_MS });
    this.queries = new HttpClient(url, { maxSockets: 512, timeoutMs: 30_000 });
    this.probes = new HttpClient(url, { maxSockets: 16, timeoutMs: 30_000 });
  }

  close(): void {
    for (const client of [this.tags, this.queries, this.probes]) client.close();
  }

  /** Every tag with a time before this has been answered (all in-range data is final). */
  private watermark(): number {
    for (const sent of this.inFlight.values()) return sent.timeMs;
    return this.lastTimeMs + 1;
  }

  private count(map: Map<string, number>, key: string): number {
    return map.get(key) ?? 0;
  }

  /** Sends one tag; resolves with its acknowledgement time, or undefined when it was dropped. */
  async sendTag(force: { origin?: string } = {}, record = true): Promise<{ sent: SentTag; ackAt?: number }> {
    const sent = this.generator.next(this.clock.next(), force);
    this.firstTimeMs = Math.min(this.firstTimeMs, sent.timeMs);
    this.lastTimeMs = sent.timeMs;
    const key = keyOf(sent.tag.cookie, sent.tag.action);
    this.inFlight.set(sent.seq, sent);
    this.sent.set(key, this.count(this.sent, key) + 1);
    const answer = await this.tags.request('POST', '/user_tags', sent.raw);
    if (record) this.latency.tags.push(answer.ms);
    const status = answer.status === 0 ? `error: ${answer.error}` : String(answer.status);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    let ackAt: number | undefined;
    if (answer.status === 204) {
      this.model.add(sent);
      this.accepted++;
      ackAt = performance.now();
      this.recent.push(sent);
      if (this.recent.length > 5000) this.recent.splice(0, 1000);
    } else {
      this.dropped++;
      this.uncertainCookies.add(sent.tag.cookie);
      this.uncertainMinutes.add(floorMinute(sent.timeMs));
    }
    this.inFlight.delete(sent.seq);
    this.done.set(key, this.count(this.done, key) + 1);
    return { sent, ackAt };
  }

  /** The i-th event of the mix: a tag, and every 10th / 1000th also a query, plus the probes. */
  async fire(i: number): Promise<void> {
    const aggregatesProbe = i % (RATE * 10) === RATE * 5;
    const { sent, ackAt } = await this.sendTag(aggregatesProbe ? { origin: `probe_${this.run}_${i}` } : {});
    if (i % PROFILE_EVERY === PROFILE_EVERY - 1) this.track(this.checkProfile(this.profileQuery(), this.profileChecks, true));
    if (i % AGGREGATES_EVERY === AGGREGATES_EVERY - 1)
      this.track(this.checkAggregates(this.aggregatesQuery(), this.aggregateChecks, true));
    if (ackAt === undefined) return;
    if (i % RATE === RATE / 2) this.startProbe('profiles', () => this.probeProfile(sent, ackAt));
    if (aggregatesProbe) this.startProbe('aggregates', () => this.probeAggregates(sent, ackAt));
  }

  private startProbe(kind: 'profiles' | 'aggregates', probe: () => Promise<void>): void {
    if (this.activeProbes[kind] >= MAX_ACTIVE_PROBES) {
      this.probesSkipped++;
      return;
    }
    this.activeProbes[kind]++;
    this.track(probe().finally(() => this.activeProbes[kind]--));
  }

  /** Forgets the warm-up's figures (its tags stay in the model: they are in the stores). */
  resetFigures(): void {
    for (const key of Object.keys(this.statuses)) delete this.statuses[key];
    this.accepted = 0;
    this.dropped = 0;
    this.profileVisibleMs.length = 0;
    this.aggregatesVisibleMs.length = 0;
    this.probeRequests = 0;
    this.probeMisses = 0;
  }

  private track(check: Promise<void>): void {
    this.pendingChecks.add(check);
    void check.finally(() => this.pendingChecks.delete(check));
  }

  async settle(): Promise<void> {
    while (this.pendingChecks.size > 0) await Promise.all([...this.pendingChecks]);
  }

  /** A cookie that has tags (recently active, any seen, or a hot one) over a range ending ≥ 1 s ago. */
  private profileQuery(): ProfileQuery {
    const r = this.random;
    const pick = r.next();
    const cookie =
      this.recent.length === 0 || pick < 0.2
        ? this.generator.hotCookieName(r.int(ALLEZON_MIX.hotCookies))
        : pick < 0.7
          ? this.recent[this.recent.length - 1 - r.int(Math.min(this.recent.length, 1000))].tag.cookie
          : r.pick(this.recent).tag.cookie;
    const toMs = Math.min(this.watermark(), Date.now() - PROFILE_AIM_MS);
    // Mostly everything up to `to`; sometimes a narrower window inside the run.
    const fromMs = r.chance(0.7) ? toMs - 60 * MINUTE_MS : toMs - r.between(1, Math.max(2, toMs - this.firstTimeMs));
    return { cookie, fromMs, toMs, limit: r.chance(0.2) ? r.between(1, 200) : undefined };
  }

  /** 1–10 whole minutes, all acknowledged, that ended at least 5 s ago; filters from a tag in them. */
  private aggregatesQuery(): AggregatesQuery {
    const r = this.random;
    const endMs = floorMinute(Math.min(this.watermark(), Date.now() - AGGREGATES_AIM_MS));
    const minutes = r.between(1, MAX_AGGREGATE_MINUTES);
    const fromMs = endMs - minutes * MINUTE_MS;
    const inWindow = this.recent.filter((s) => s.timeMs >= fromMs && s.timeMs < endMs);
    const sample = inWindow.length > 0 ? r.pick(inWindow) : this.recent.length > 0 ? r.pick(this.recent) : undefined;
    const mask = sample ? r.int(8) : 0;
    return {
      fromMs,
      toMs: endMs,
      action: r.chance(0.5) ? 'VIEW' : 'BUY',
      origin: mask & 1 ? sample?.tag.origin : undefined,
      brandId: mask & 2 ? sample?.tag.product_info.brand_id : undefined,
      categoryId: mask & 4 ? sample?.tag.product_info.category_id : undefined,
      aggregates: r.pick(KINDS),
    };
  }

  /**
   * Asks, and asks again at `reaskMs` (after the first ask) while the answer is wrong. Right by
   * `deadlineMs`: right (first time or later). Otherwise wrong; with `eventualMs` it keeps asking
   * every 10 s up to then, counting `eventually` when the answer turns right (late, not lost).
   */
  private async recheck(
    tally: CheckTally,
    deadlineMs: number,
    reaskMs: readonly number[],
    ask: () => Promise<HttpAnswer>,
    judge: (answer: HttpAnswer) => Verdict,
    unverifiable: boolean,
    eventualMs = 0,
  ): Promise<Outcome> {
    const started = performance.now();
    let lastReason = '';
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) tally.extraRequests++;
      const answer = await ask();
      const waited = performance.now() - started;
      const verdict: Verdict =
        answer.status === 200 ? judge(answer) : { ok: false, reason: `status ${answer.status} ${answer.body.slice(0, 200)}` };
      if (verdict.ok && waited <= deadlineMs) {
        if (attempt === 0) tally.first++;
        else {
          tally.later++;
          tally.laterMs.push(waited);
        }
        return attempt === 0 ? 'first' : 'later';
      }
      if (verdict.ok) {
        tally.eventually++;
        tally.eventuallyMs.push(waited);
        return this.wrong(tally, unverifiable, `right only after ${waited.toFixed(0)} ms (${lastReason})`);
      }
      lastReason = verdict.reason;
      const nextAt =
        attempt < reaskMs.length
          ? reaskMs[attempt]
          : waited < eventualMs
            ? (Math.floor(waited / EVENTUAL_EVERY_MS) + 1) * EVENTUAL_EVERY_MS
            : undefined;
      if (nextAt === undefined) return this.wrong(tally, unverifiable, verdict.reason);
      await sleep(Math.max(0, started + nextAt - performance.now()));
    }
  }

  private wrong(tally: CheckTally, unverifiable: boolean, reason: string): Outcome {
    if (unverifiable) {
      tally.unverifiable++;
      return 'unverifiable';
    }
    tally.wrong++;
    if (tally.wrongReasons.length < 5) tally.wrongReasons.push(reason);
    return 'wrong';
  }

  async checkProfile(q: ProfileQuery, tally: CheckTally, duringLoad: boolean): Promise<void> {
    let first = true;
    await this.recheck(
      tally,
      PROFILE_TARGET_MS,
      PROFILE_REASK_MS,
      async () => {
        const doneAtAsk = {
          VIEW: this.count(this.done, keyOf(q.cookie, 'VIEW')),
          BUY: this.count(this.done, keyOf(q.cookie, 'BUY')),
        };
        const answer = await this.queries.request('POST', profilePath(q));
        if (first) this.latency.profiles.push(answer.ms);
        first = false;
        // Tags of the cookie unanswered when asked, or sent since, may already be stored and trim.
        const pending = {
          VIEW: this.count(this.sent, keyOf(q.cookie, 'VIEW')) - doneAtAsk.VIEW,
          BUY: this.count(this.sent, keyOf(q.cookie, 'BUY')) - doneAtAsk.BUY,
        };
        return Object.assign(answer, { pending });
      },
      (answer) => {
        const { pending } = answer as HttpAnswer & { pending: Record<Action, number> };
        return this.model.checkProfile(parseJson(answer.body), q, duringLoad ? { pending, lagging: true } : SETTLED);
      },
      this.uncertainCookies.has(q.cookie),
      duringLoad ? 0 : EVENTUAL_MS,
    );
  }

  async checkAggregates(q: AggregatesQuery, tally: CheckTally, regular: boolean): Promise<void> {
    let first = true;
    let uncertain = false;
    for (let m = q.fromMs; m < q.toMs; m += MINUTE_MS) uncertain ||= this.uncertainMinutes.has(m);
    await this.recheck(
      tally,
      AGGREGATES_TARGET_MS,
      AGGREGATES_REASK_MS,
      async () => {
        const answer = await this.queries.request('POST', aggregatesPath(q));
        if (first && regular) this.latency.aggregates.push(answer.ms);
        first = false;
        return answer;
      },
      (answer) => this.model.checkAggregates(parseJson(answer.body), q),
      uncertain,
      regular ? 0 : EVENTUAL_MS,
    );
  }

  /** Polls the tag's own millisecond of its cookie every 50 ms until it shows. */
  async probeProfile(sent: SentTag, ackAt: number): Promise<void> {
    const q: ProfileQuery = { cookie: sent.tag.cookie, fromMs: sent.timeMs, toMs: sent.timeMs + 1 };
    const expected = JSON.parse(sent.raw) as unknown;
    for (;;) {
      this.probeRequests++;
      const answer = await this.probes.request('POST', profilePath(q));
      const body = parseJson(answer.body) as { views?: unknown[]; buys?: unknown[] } | undefined;
      const list = sent.tag.action === 'VIEW' ? body?.views : body?.buys;
      if (answer.status === 200 && list?.some((t) => isDeepStrictEqual(t, expected))) {
        this.profileVisibleMs.push(performance.now() - ackAt);
        return;
      }
      const waited = performance.now() - ackAt;
      if (waited > 3 * PROFILE_TARGET_MS) {
        this.probeMisses++;
        return;
      }
      await sleep(waited < 1000 ? PROBE_FAST_MS : 250);
    }
  }

  /** Polls the minute of a tag with a unique origin every 250 ms until it counts 1. */
  async probeAggregates(sent: SentTag, ackAt: number): Promise<void> {
    const minute = floorMinute(sent.timeMs);
    const q: AggregatesQuery = {
      fromMs: minute,
      toMs: minute + MINUTE_MS,
      action: sent.tag.action,
      origin: sent.tag.origin,
      aggregates: ['COUNT'],
    };
    for (;;) {
      this.probeRequests++;
      const answer = await this.probes.request('POST', aggregatesPath(q));
      const body = parseJson(answer.body) as { rows?: string[][] } | undefined;
      if (answer.status === 200 && body?.rows?.[0]?.[3] === '1') {
        this.aggregatesVisibleMs.push(performance.now() - ackAt);
        return;
      }
      const waited = performance.now() - ackAt;
      if (waited > 2 * AGGREGATES_TARGET_MS) {
        this.probeMisses++;
        return;
      }
      await sleep(waited < 1000 ? PROBE_FAST_MS : 1000);
    }
  }

  /** Once nothing is in flight: hot cookies, a sample of cookies and every minute of the run. */
  async finalSweep(): Promise<void> {
    const r = this.random;
    const cookies = new Set(Array.from({ length: ALLEZON_MIX.hotCookies }, (_, n) => this.generator.hotCookieName(n)));
    const all = this.model.cookies();
    while (cookies.size < Math.min(all.length, ALLEZON_MIX.hotCookies + 300)) cookies.add(r.pick(all));
    const profiles = [...cookies].map((cookie) => ({ cookie, fromMs: this.firstTimeMs - MINUTE_MS, toMs: this.lastTimeMs + 1 }));

    const aggregates: AggregatesQuery[] = [];
    const last = floorMinute(this.lastTimeMs) + MINUTE_MS;
    for (let from = floorMinute(this.firstTimeMs); from < last; from += MAX_AGGREGATE_MINUTES * MINUTE_MS) {
      const to = Math.min(last, from + MAX_AGGREGATE_MINUTES * MINUTE_MS);
      for (const action of ['VIEW', 'BUY'] as const)
        aggregates.push({ fromMs: from, toMs: to, action, aggregates: ['COUNT', 'SUM_PRICE'] });
    }
    for (let n = 0; n < 50 && this.recent.length > 0; n++) {
      const s = r.pick(this.recent);
      const base = { fromMs: floorMinute(s.timeMs), toMs: floorMinute(s.timeMs) + MINUTE_MS, action: s.tag.action };
      const p = s.tag.product_info;
      aggregates.push({ ...base, origin: s.tag.origin, aggregates: ['COUNT'] });
      aggregates.push({ ...base, brandId: p.brand_id, aggregates: ['SUM_PRICE'] });
      aggregates.push({ ...base, categoryId: p.category_id, aggregates: ['COUNT', 'SUM_PRICE'] });
      aggregates.push({
        ...base,
        origin: s.tag.origin,
        brandId: p.brand_id,
        categoryId: p.category_id,
        aggregates: ['SUM_PRICE', 'COUNT'],
      });
    }
    const jobs: (() => Promise<void>)[] = [
      ...profiles.map((q) => () => this.checkProfile(q, this.sweepProfiles, false)),
      ...aggregates.map((q) => () => this.checkAggregates(q, this.sweepAggregates, false)),
    ];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < jobs.length) await jobs[next++]();
      }),
    );
  }
}

/** Waits until the consumers have joined their groups: a tag visible in both stores. */
async function warmUp(run: MixedRun): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < 100; i++) await run.sendTag({}, false);
  const { sent, ackAt } = await run.sendTag({ origin: `warmup_${run.run}` }, false);
  if (ackAt === undefined) throw new Error('the runtime did not accept the warm-up tags');
  await Promise.all([run.probeProfile(sent, ackAt), run.probeAggregates(sent, ackAt)]);
  if (run.probeMisses > 0) throw new Error('warm-up tags never became visible: are the consumers running?');
  run.resetFigures();
  return (performance.now() - started) / 1000;
}

function tallyLine(name: string, t: CheckTally, aim: string, target: string): string {
  const total = t.first + t.later + t.wrong + t.unverifiable;
  const later = t.later > 0 ? `, right after re-asking ${t.later} (${formatSummary(summarize(t.laterMs))})` : '';
  const unverifiable = t.unverifiable > 0 ? `, unverifiable (a dropped tag) ${t.unverifiable}` : '';
  const eventually =
    t.wrong > 0 && t.eventuallyMs.length > 0
      ? ` (of which right later: ${t.eventually}, ${formatSummary(summarize(t.eventuallyMs))})`
      : '';
  return `${name.padEnd(30)} ${total} checked: right first time (data ≥ ${aim} old) ${t.first}${later}, wrong after ${target} ${t.wrong}${eventually}${unverifiable}; ${t.extraRequests} re-asks${t.wrongReasons.length ? `\n    first wrong: ${t.wrongReasons[0].slice(0, 400)}` : ''}`;
}

async function main() {
  const runId = newRunId();
  const subject = servicesSubject('allezon', runId);
  // At debug the runtime also prints a line per consumer batch, which the server-side figures read.
  const runtime = await startRuntimeProcess({ ...subject.env, EVENTLINE_LOG_LEVEL: 'debug' }, 180_000);
  const run = new MixedRun(runtime.url, runId);
  try {
    const warmupSeconds = await warmUp(run);
    console.log(
      `allezon: ${RATE} tags/s for ${SECONDS} s, 1 profile query per ${PROFILE_EVERY} tags, 1 aggregates query per ${AGGREGATES_EVERY} tags; database ${subject.database}, topics ${subject.topicPrefix}*; consumers ready after ${warmupSeconds.toFixed(1)} s\n`,
    );
    // The load generator shares the 2 cores: its own event-loop delay is part of every latency it sees.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const paced = await pace({ perSecond: RATE, durationMs: SECONDS * 1000, maxInFlight: 2000, fire: (i) => run.fire(i) });
    loopDelay.disable();
    // The histogram holds whole timer intervals: the delay is what exceeds the 10 ms resolution.
    const delayMs = (ns: number) => Math.max(0, ns / 1e6 - 10);
    const generatorLoopDelayMs = {
      p50: delayMs(loopDelay.percentile(50)),
      p99: delayMs(loopDelay.percentile(99)),
      max: delayMs(loopDelay.max),
    };
    const loadSeconds = paced.seconds;
    await run.finalSweep();
    await run.settle();

    const routes: Record<string, LatencySummary> = {
      'POST /user_tags': summarize(run.latency.tags),
      'POST /user_profiles': summarize(run.latency.profiles),
      'POST /aggregates': summarize(run.latency.aggregates),
    };
    const over200 = (xs: number[]) => xs.filter((ms) => ms > 200).length;
    console.log(
      `tags: ${paced.fired} sent in ${loadSeconds.toFixed(1)} s (${(paced.fired / loadSeconds).toFixed(0)}/s, generator at most ${paced.behindMs.toFixed(0)} ms behind schedule): accepted ${run.accepted}, dropped ${run.dropped} ${JSON.stringify(run.statuses)}`,
    );
    for (const [route, summary] of Object.entries(routes)) console.log(`${route.padEnd(22)} ${formatSummary(summary)}`);
    console.log(
      `load generator's own event-loop delay: p50 ${generatorLoopDelayMs.p50.toFixed(1)} ms, p99 ${generatorLoopDelayMs.p99.toFixed(1)} ms, max ${generatorLoopDelayMs.max.toFixed(0)} ms`,
    );
    console.log(
      `over 200 ms: tags ${over200(run.latency.tags)}, profiles ${over200(run.latency.profiles)}, aggregates ${over200(run.latency.aggregates)}\n`,
    );
    console.log(tallyLine('profiles during the load', run.profileChecks, '1 s', '10 s'));
    console.log(tallyLine('aggregates during the load', run.aggregateChecks, '5 s', '60 s'));
    console.log(tallyLine('final sweep: profiles', run.sweepProfiles, '0 s', '10 s'));
    console.log(tallyLine('final sweep: aggregates', run.sweepAggregates, '0 s', '60 s'));
    const profileVisible = summarize(run.profileVisibleMs);
    const aggregatesVisible = summarize(run.aggregatesVisibleMs);
    console.log(`\ntime until visible, profiles (probes):   ${formatSummary(profileVisible)}`);
    console.log(`time until visible, aggregates (probes): ${formatSummary(aggregatesVisible)}`);
    console.log(
      `probe requests ${run.probeRequests}, probes never visible ${run.probeMisses}, probes skipped (3 of the kind already running) ${run.probesSkipped}`,
    );

    const server = readRuntimeLog(runtime.output());
    console.log('\nserver side (as the runtime logged it, whole run incl. warm-up, probes and sweep):');
    for (const [route, summary] of Object.entries(server.routes)) console.log(`  ${route.padEnd(34)} ${formatSummary(summary)}`);
    for (const [fn, c] of Object.entries(server.consumers)) {
      console.log(
        `  ${fn.padEnd(34)} ${c.batches} batches, ${c.records} records (mean ${c.meanBatchSize.toFixed(0)}), batch ${formatSummary(c.batchMs)}, busy ${c.busySeconds.toFixed(1)} s`,
      );
    }

    const wrong = run.profileChecks.wrong + run.aggregateChecks.wrong + run.sweepProfiles.wrong + run.sweepAggregates.wrong;
    return {
      benchmark: 'allezon',
      rate: RATE,
      seconds: SECONDS,
      sent: paced.fired,
      loadSeconds,
      generatorBehindMs: paced.behindMs,
      generatorLoopDelayMs,
      accepted: run.accepted,
      dropped: run.dropped,
      statuses: run.statuses,
      routes,
      over200ms: {
        tags: over200(run.latency.tags),
        profiles: over200(run.latency.profiles),
        aggregates: over200(run.latency.aggregates),
      },
      checks: {
        profiles: { ...run.profileChecks, laterMs: summarize(run.profileChecks.laterMs) },
        aggregates: { ...run.aggregateChecks, laterMs: summarize(run.aggregateChecks.laterMs) },
        sweepProfiles: {
          ...run.sweepProfiles,
          laterMs: summarize(run.sweepProfiles.laterMs),
          eventuallyMs: summarize(run.sweepProfiles.eventuallyMs),
        },
        sweepAggregates: {
          ...run.sweepAggregates,
          laterMs: summarize(run.sweepAggregates.laterMs),
          eventuallyMs: summarize(run.sweepAggregates.eventuallyMs),
        },
      },
      visibility: {
        profiles: profileVisible,
        aggregates: aggregatesVisible,
        probeRequests: run.probeRequests,
        probeMisses: run.probeMisses,
        probesSkipped: run.probesSkipped,
      },
      server,
      wrong,
    };
  } finally {
    run.close();
    await runtime.stop();
    await cleanUpSubject(subject);
  }
}

benchMain('allezon', main);
