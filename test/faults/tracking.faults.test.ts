/**
 * Tracking (Allezon tags) under faults, on the services backend: a local runtime of its own (its
 * own topics, consumer groups and database, on a fixed port so a restarted runtime answers at the
 * same address). Real traffic: workers send tags to POST /user_tags like a real client — each tag
 * resent, byte for byte, until it is answered 204: after a timeout (no answer within 2 s), a 5xx
 * (waiting Retry-After) or a refused connection. A fault is injected mid-stream, then removed.
 *
 * The expected answer is a model: the set of acknowledged (204) tags. After each case the stores
 * must hold exactly that: the profile store (`user_tags`) each acknowledged tag once, as sent (no
 * acknowledged tag lost, none stored twice), and the minute aggregates (COUNT and SUM_PRICE per
 * action and minute, over any origin and per origin) exactly the model's sums (none counted twice,
 * resends included). Every answer during a fault must be quick: a 204 or a 503 problem+json with
 * Retry-After, none later than ANSWER_LIMIT_MS, none unanswered. Figures are printed.
 *
 * Cases: the Kafka broker SIGKILLed and restarted; MariaDB restarted while the consumers apply
 * batches; the runtime SIGKILLed mid-batch and restarted; poison records (dead-lettered, the
 * partition goes on); both consumer groups rewound to the beginning (every record delivered
 * again). This project runs alone, after every other one: stopping services breaks tests beside it.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { type Admin, type Consumer, Partitioners } from 'kafkajs';
import mysql from 'mysql2/promise';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { localServices } from '../../lambdas/platform/config';
import { deadLetterTopic } from '../../lambdas/platform/declarations';
import type { DeadLetter } from '../../lambdas/platform/topic-consumer';
import { trackingFunctions } from '../../lambdas/tracking/manifest';
import { userTagsTopic } from '../../lambdas/tracking/topics';
import { type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';
import { killKafkaBroker, restartStoppedServices, startService, stopService } from '../support/service-control';
import { servicesRun } from '../support/services-run';

/** Concurrent clients, and each one's pause between tags (~150 tags/s in all on an idle machine). */
const WORKERS = 12;
const PACE_MS = 60;
/** A client gives up waiting for an answer after this long and resends (an "unanswered" request). */
const CLIENT_TIMEOUT_MS = 2000;
/** Every answer, during a fault too, comes within this (the publish deadline is 800 ms). */
const ANSWER_LIMIT_MS = 1500;
/** Deadline for the stores to reach the model. */
const CONVERGE_MS = 120_000;

const MINUTE_MS = 60_000;
const ROOT = path.resolve(__dirname, '../..');

interface Answer {
  /** 0: no answer (timeout, refused connection). */
  readonly status: number;
  readonly ms: number;
  readonly at: number;
  readonly timedOut: boolean;
  readonly problem: boolean;
  readonly retryAfter: string | null;
}

interface SentTag {
  readonly raw: string;
  readonly action: 'VIEW' | 'BUY';
  readonly origin: string;
  readonly price: number;
  readonly minuteMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('tracking under faults (services backend)', () => {
  const { env, cleanup } = servicesRun('tfault');
  const prefix = env.EVENTLINE_TOPIC_PREFIX;
  const run = randomBytes(3).toString('hex');
  const services = localServices();
  const groups = [trackingFunctions.storeProfiles, trackingFunctions.aggregateTags].map(
    (fn) => prefix + (fn.subscriptions?.[0]?.consumerGroup ?? ''),
  );
  const topic = prefix + userTagsTopic.name;
  let port: number;
  let runtime: RunningRuntime | undefined;
  let url: string;
  let admin: Admin;
  const outputs: string[] = [];
  const output = () => [...outputs, runtime?.output() ?? ''].join('\n--- restarted ---\n').slice(-5000);

  /** The model: every tag sent (by identity), and which were acknowledged. */
  const sent = new Map<string, SentTag>();
  const acknowledged = new Set<string>();
  /** Tags are spread over 5 minutes starting 10 minutes ago (the tag schema allows the past). */
  const baseMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
  let sequence = 0;

  function newTag(): { identity: string; tag: SentTag } {
    const n = sequence++;
    const action = n % 3 === 0 ? 'BUY' : 'VIEW';
    const origin = `shop-${run}-${n % 3}`;
    const price = (n * 7919) % 10_000;
    const timeMs = baseMs + ((n * 7_777) % (5 * MINUTE_MS));
    const body = {
      time: new Date(timeMs).toISOString(),
      cookie: `cookie-${run}-${n % 40}`,
      country: 'PL',
      device: 'PC',
      action,
      origin,
      product_info: { product_id: n, brand_id: `brand-${n % 4}`, category_id: `cat-${n % 5}`, price },
    };
    const raw = JSON.stringify(body);
    const identity = createHash('sha256').update(raw).digest('hex');
    return { identity, tag: { raw, action, origin, price, minuteMs: Math.floor(timeMs / MINUTE_MS) * MINUTE_MS } };
  }

  async function send(raw: string): Promise<Answer> {
    const started = Date.now();
    try {
      const res = await fetch(`${url}/user_tags`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw,
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      return {
        status: res.status,
        ms: Date.now() - started,
        at: started,
        timedOut: false,
        problem: (res.headers.get('content-type') ?? '').startsWith('application/problem+json'),
        retryAfter: res.headers.get('retry-after'),
      };
    } catch (error) {
      const name = (error as Error).name;
      return {
        status: 0,
        ms: Date.now() - started,
        at: started,
        timedOut: name === 'TimeoutError' || name === 'AbortError',
        problem: false,
        retryAfter: null,
      };
    }
  }

  /** Workers sending new tags, each resent until 204; `stop` waits for every tag in flight to be acknowledged. */
  function startTraffic() {
    let running = true;
    const answers: Answer[] = [];
    const refused: string[] = [];
    let firstAckAfter = (since: number) => answers.find((a) => a.status === 204 && a.at >= since)?.at;
    const worker = async () => {
      while (running) {
        const { identity, tag } = newTag();
        sent.set(identity, tag);
        for (;;) {
          const answer = await send(tag.raw);
          answers.push(answer);
          if (answer.status === 204) {
            acknowledged.add(identity);
            break;
          }
          if (answer.status >= 400 && answer.status < 500) {
            refused.push(`${answer.status} for ${tag.raw}`);
            break;
          }
          // 5xx: wait as told; no answer: a short pause (a refused connection answers at once).
          await sleep(answer.retryAfter ? Number(answer.retryAfter) * 1000 : 250);
        }
        await sleep(PACE_MS);
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);
    return {
      answers,
      acks: () => answers.filter((a) => a.status === 204).length,
      firstAckAfter: (since: number) => firstAckAfter(since),
      stop: async () => {
        running = false;
        await Promise.all(workers);
        firstAckAfter = () => undefined;
        return refused;
      },
    };
  }

  async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms\n--- runtime output ---\n${output()}`);
      await sleep(50);
    }
  }

  async function withDatabase<T>(fn: (connection: mysql.Connection) => Promise<T>): Promise<T> {
    const { host, port: mysqlPort, user, password } = services.mysql;
    const connection = await mysql.createConnection({
      host,
      port: mysqlPort,
      user,
      password,
      database: env.EVENTLINE_MYSQL_DATABASE,
    });
    try {
      return await fn(connection);
    } finally {
      await connection.end();
    }
  }

  const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));

  /** Differences between the stores and the model of acknowledged tags (empty: exact). */
  async function differences(): Promise<{ lines: string[]; lost: number; doubled: number }> {
    const expectedRaw = [...acknowledged].map((id) => sent.get(id)?.raw as string);
    const expectedTotals = new Map<string, { count: bigint; sum: bigint }>();
    for (const id of acknowledged) {
      const tag = sent.get(id) as SentTag;
      for (const origin of ['', tag.origin]) {
        const key = `${tag.action}|${origin}|${tag.minuteMs}`;
        const total = expectedTotals.get(key) ?? { count: 0n, sum: 0n };
        expectedTotals.set(key, { count: total.count + 1n, sum: total.sum + BigInt(tag.price) });
      }
    }
    const { stored, totals } = await withDatabase(async (connection) => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT tag_json FROM user_tags');
      const [aggregates] = await connection.query<mysql.RowDataPacket[]>(
        `SELECT action, origin, minute_ms, CAST(count AS CHAR) AS count, CAST(sum_price AS CHAR) AS sum_price
         FROM tag_minute_aggregates WHERE brand_id = '' AND category_id = ''`,
      );
      return { stored: rows.map((row) => String(row.tag_json)), totals: aggregates };
    });
    const lines: string[] = [];
    const storedCount = new Map<string, number>();
    for (const raw of stored) storedCount.set(raw, (storedCount.get(raw) ?? 0) + 1);
    const expectedSet = new Set(expectedRaw);
    const lost = expectedRaw.filter((raw) => !storedCount.has(raw)).length;
    const doubled = [...storedCount.values()].filter((n) => n > 1).length;
    const unexpected = stored.filter((raw) => !expectedSet.has(raw)).length;
    if (lost > 0) lines.push(`profile store: ${lost} acknowledged tag(s) missing`);
    if (doubled > 0) lines.push(`profile store: ${doubled} tag(s) stored more than once`);
    if (unexpected > 0) lines.push(`profile store: ${unexpected} tag(s) never acknowledged`);
    const actual = new Map(
      totals.map((row) => [
        `${row.action}|${text(row.origin)}|${Number(row.minute_ms)}`,
        { count: BigInt(row.count), sum: BigInt(row.sum_price) },
      ]),
    );
    for (const key of new Set([...expectedTotals.keys(), ...actual.keys()])) {
      const want = expectedTotals.get(key);
      const got = actual.get(key);
      if (want?.count !== got?.count || want?.sum !== got?.sum) {
        lines.push(`aggregate ${key}: expected ${want?.count ?? 0}/${want?.sum ?? 0}, found ${got?.count ?? 0}/${got?.sum ?? 0}`);
      }
    }
    return { lines, lost, doubled };
  }

  /** Polls until the stores equal the model; resolves with how long that took (ms). */
  async function converge(): Promise<number> {
    const started = Date.now();
    let last = ['not read yet'];
    for (;;) {
      try {
        last = (await differences()).lines;
        if (last.length === 0) return Date.now() - started;
      } catch (error) {
        last = [`MySQL did not answer: ${(error as Error).message}`];
      }
      if (Date.now() - started > CONVERGE_MS) {
        throw new Error(
          `the stores did not reach the model within ${CONVERGE_MS} ms:\n${last.slice(0, 20).join('\n')}\n--- runtime output ---\n${output()}`,
        );
      }
      await sleep(500);
    }
  }

  /** Every answer within the window is a 204 or a quick 503 problem with Retry-After; returns figures. */
  function checkAnswers(answers: readonly Answer[], options: { allowUnreachable: boolean }) {
    const slow = answers.filter((a) => a.status !== 0 && a.ms > ANSWER_LIMIT_MS);
    const timedOut = answers.filter((a) => a.timedOut);
    const bad = answers.filter(
      (a) => a.status !== 0 && a.status !== 204 && !(a.status === 503 && a.problem && a.retryAfter !== null),
    );
    const unreachable = answers.filter((a) => a.status === 0 && !a.timedOut);
    expect({ slow: slow.length, timedOut: timedOut.length, bad: bad.map((a) => a.status) }).toEqual({
      slow: 0,
      timedOut: 0,
      bad: [],
    });
    if (!options.allowUnreachable) expect(unreachable.length).toBe(0);
    const problems = answers.filter((a) => a.status === 503);
    const max = Math.max(0, ...answers.filter((a) => a.status !== 0).map((a) => a.ms));
    const maxProblem = Math.max(0, ...problems.map((a) => a.ms));
    return { requests: answers.length, problems: problems.length, unreachable: unreachable.length, max, maxProblem };
  }

  async function startRuntime(): Promise<void> {
    // A crashed runtime's group members hold their partitions for the session timeout: 10 s, not 30.
    runtime = await startRuntimeProcess({ ...env, PORT: String(port), EVENTLINE_KAFKA_SESSION_TIMEOUT_MS: '10000' });
    url = runtime.url;
  }

  /** Kills the runtime's whole process group with SIGKILL (tsx and the runtime under it). */
  async function killRuntime(): Promise<void> {
    const group = runtime?.processGroup;
    if (!group) return;
    outputs.push(runtime?.output() ?? '');
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
    await runtime?.stop();
    runtime = undefined;
  }

  async function stopRuntime(): Promise<void> {
    outputs.push(runtime?.output() ?? '');
    await runtime?.stop();
    runtime = undefined;
  }

  /** How many records of the topic each consumer group has not committed yet, in all. */
  async function lag(): Promise<number> {
    const ends = await admin.fetchTopicOffsets(topic);
    let total = 0;
    for (const groupId of groups) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const end of ends) {
        const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        total += Number(end.high) - Math.max(0, Number(at));
      }
    }
    return total;
  }

  function report(title: string, lines: readonly string[]): void {
    console.log([`${title} (run ${run}):`, ...lines.map((line) => `  ${line}`)].join('\n'));
  }

  beforeAll(async () => {
    port = await freePort();
    admin = createLocalKafka().admin();
    await admin.connect();
    await startRuntime();
  }, 120_000);

  afterAll(async () => {
    // Whatever a failed test left stopped is started again before anything else.
    await restartStoppedServices();
    await runtime?.stop();
    await admin?.disconnect();
    await cleanup();
  }, 180_000);

  afterEach(async () => {
    await restartStoppedServices();
    if (!runtime) await startRuntime();
  }, 180_000);

  it('Kafka broker SIGKILLed mid-ingest and restarted: quick 503s with Retry-After, no acknowledged tag lost, none applied twice', async () => {
    const traffic = startTraffic();
    try {
      await waitFor(() => traffic.acks() >= 300, 60_000, 'traffic did not get 300 tags acknowledged');
      const killedAt = Date.now();
      await killKafkaBroker();
      await sleep(4000);
      const restartStarted = Date.now();
      const startMs = await startService('kafka');
      const answering = Date.now();
      await waitFor(
        () => traffic.firstAckAfter(answering) !== undefined,
        60_000,
        'no tag was acknowledged after Kafka came back',
      );
      const firstAck = traffic.firstAckAfter(answering) as number;
      await sleep(3000);
      const refused = await traffic.stop();
      expect(refused).toEqual([]);
      const during = traffic.answers.filter((a) => a.at >= killedAt && a.at < firstAck);
      const figures = checkAnswers(traffic.answers, { allowUnreachable: false });
      const lastAckBefore = Math.max(...traffic.answers.filter((a) => a.status === 204 && a.at < killedAt).map((a) => a.at));
      const catchUpMs = await converge();
      const { lost, doubled } = await differences();
      report('Kafka broker SIGKILLed mid-ingest', [
        `tags acknowledged: ${acknowledged.size} of ${sent.size} sent, ${figures.requests} requests in all (resends included)`,
        `broker down ${seconds(answering - killedAt)} (killed, 4 s, then kafka.sh start took ${seconds(startMs)} from ${seconds(restartStarted - killedAt)})`,
        `during the outage: ${during.length} answers, ${during.filter((a) => a.status === 503).length} of them 503 problem+json with Retry-After; slowest answer ${figures.maxProblem} ms (of any answer ${figures.max} ms), none unanswered`,
        `ingest recovery: first 204 ${seconds(firstAck - answering)} after the broker answered again (${seconds(firstAck - lastAckBefore)} without a 204)`,
        `stores exact ${seconds(catchUpMs)} after the traffic stopped: lost ${lost}, doubled ${doubled}`,
      ]);
      expect(during.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    } finally {
      await traffic.stop();
      await restartStoppedServices();
    }
  }, 300_000);

  it('MariaDB restarted while the consumers apply batches: ingest goes on, the stores catch up exactly', async () => {
    const traffic = startTraffic();
    try {
      const ackedBefore = traffic.acks();
      await waitFor(() => traffic.acks() >= ackedBefore + 200, 60_000, 'traffic did not get 200 tags acknowledged');
      const stoppedAt = Date.now();
      const stopMs = await stopService('mariadb');
      await sleep(3000);
      const startMs = await startService('mariadb');
      const back = Date.now();
      await sleep(2000);
      const refused = await traffic.stop();
      expect(refused).toEqual([]);
      const during = traffic.answers.filter((a) => a.at >= stoppedAt && a.at < back);
      // Ingest does not need MySQL: every answer while it was down was a 204.
      expect(during.filter((a) => a.status !== 204).length).toBe(0);
      const figures = checkAnswers(traffic.answers, { allowUnreachable: false });
      const catchUpMs = await converge();
      const { lost, doubled } = await differences();
      report('MariaDB restarted mid-stream', [
        `tags acknowledged: ${acknowledged.size} in all; ${during.length} requests while MariaDB was down, all 204 (slowest answer ${figures.max} ms)`,
        `MariaDB down ${seconds(back - stoppedAt)} (halt ${seconds(stopMs)}, 3 s, start ${seconds(startMs)})`,
        `stores exact ${seconds(catchUpMs)} after the traffic stopped (MariaDB back ${seconds(Date.now() - back - catchUpMs)} before that): lost ${lost}, doubled ${doubled}`,
      ]);
    } finally {
      await traffic.stop();
      await restartStoppedServices();
    }
  }, 300_000);

  it('the runtime SIGKILLed mid-batch and restarted: resends land once, the stores catch up exactly', async () => {
    const traffic = startTraffic();
    try {
      const ackedBefore = traffic.acks();
      await waitFor(() => traffic.acks() >= ackedBefore + 200, 60_000, 'traffic did not get 200 tags acknowledged');
      const killedAt = Date.now();
      await killRuntime();
      await startRuntime();
      const ready = Date.now();
      await waitFor(() => traffic.firstAckAfter(ready) !== undefined, 60_000, 'no tag was acknowledged after the restart');
      const firstAck = traffic.firstAckAfter(ready) as number;
      await sleep(2000);
      const refused = await traffic.stop();
      expect(refused).toEqual([]);
      const figures = checkAnswers(traffic.answers, { allowUnreachable: true });
      const catchUpMs = await converge();
      const { lost, doubled } = await differences();
      report('runtime SIGKILLed mid-batch', [
        `tags acknowledged: ${acknowledged.size} in all; ${figures.unreachable} requests found no runtime (resent)`,
        `runtime down ${seconds(ready - killedAt)} (SIGKILL, restart until ready); first 204 ${seconds(firstAck - ready)} after it was ready`,
        `stores exact ${seconds(catchUpMs)} after the traffic stopped: lost ${lost}, doubled ${doubled}`,
      ]);
    } finally {
      await traffic.stop();
    }
  }, 300_000);

  it('poison records are dead-lettered and the partition goes on', async () => {
    const producer = createLocalKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const reader: Consumer = createLocalKafka().consumer({ groupId: `${prefix}fault-dead-letters-${run}` });
    const letters: DeadLetter[] = [];
    await producer.connect();
    try {
      const traffic = startTraffic();
      const ackedBefore = traffic.acks();
      await waitFor(() => traffic.acks() >= ackedBefore + 50, 60_000, 'traffic did not get 50 tags acknowledged');
      // Keyed like a real tag, so they land in partitions the good tags use too.
      const poison = [
        { key: `cookie-${run}-1`, value: 'not json {' },
        { key: `cookie-${run}-2`, value: JSON.stringify({ time: 'yesterday', cookie: 'x' }) },
        { key: `cookie-${run}-3`, value: JSON.stringify({ surprise: true }) },
      ];
      await producer.send({ topic, messages: poison });
      const ackedAtPoison = traffic.acks();
      await waitFor(() => traffic.acks() >= ackedAtPoison + 100, 60_000, 'traffic did not go on after the poison');
      const refused = await traffic.stop();
      expect(refused).toEqual([]);
      checkAnswers(traffic.answers, { allowUnreachable: false });
      const catchUpMs = await converge();

      await reader.connect();
      await reader.subscribe({ topic: prefix + deadLetterTopic.name, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          letters.push(JSON.parse(message.value?.toString() ?? '{}') as DeadLetter);
        },
      });
      const deadline = Date.now() + 30_000;
      const ours = () => letters.filter((l) => l.source.topic === topic);
      while (ours().length < poison.length * 2 && Date.now() < deadline) await sleep(200);
      // Each of the two consumer groups of the topic dead-letters each poison record once.
      const byConsumer = new Map<string, string[]>();
      for (const letter of ours()) {
        const values = byConsumer.get(letter.consumer) ?? [];
        values.push(Buffer.from(letter.value ?? '', 'base64').toString('utf8'));
        byConsumer.set(letter.consumer, values);
      }
      expect([...byConsumer.keys()].sort()).toEqual(
        [trackingFunctions.aggregateTags.name, trackingFunctions.storeProfiles.name].sort(),
      );
      for (const values of byConsumer.values()) expect(values.sort()).toEqual(poison.map((p) => p.value).sort());
      const { lost, doubled } = await differences();
      report('poison records', [
        `${poison.length} poison records among ${acknowledged.size} acknowledged tags: dead-lettered once by each of the 2 consumers`,
        `stores exact ${seconds(catchUpMs)} after the traffic stopped (the partitions went on): lost ${lost}, doubled ${doubled}`,
      ]);
    } finally {
      await reader.disconnect().catch(() => undefined);
      await producer.disconnect();
      await admin.deleteGroups([`${prefix}fault-dead-letters-${run}`]).catch(() => undefined);
    }
  }, 300_000);

  it('OpenSearch stopped while app events flow: ingest answers 200, the counts stay exact, the index catches up to exactly the acknowledged events', async () => {
    const appId = `fault-${run}`;
    const created = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/admin/create-app.ts', appId, 'Fault game'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    if (created.status !== 0) throw new Error(`create-app failed: ${created.stderr}${created.stdout}`);
    const key = /^\s+(elk_\S+)$/m.exec(created.stdout)?.[1] as string;
    expect(key).toBeDefined();
    const index = new Client({ node: services.openSearchUrl, requestTimeout: 5_000, maxRetries: 0 });
    const events = new Map<string, { type: string; minuteMs: number }>();
    const accepted = new Set<string>();
    const answers: Answer[] = [];
    let running = true;
    let n = 0;
    const worker = async () => {
      while (running) {
        const batch = Array.from({ length: 5 }, () => {
          const i = n++;
          const timeMs = baseMs + ((i * 4_999) % (5 * MINUTE_MS));
          const event = {
            event_id: `ev-${run}-${i}`,
            type: ['purchase_sword', 'join_guild', 'level_up'][i % 3] as string,
            user_id: `player-${i % 25}`,
            time: new Date(timeMs).toISOString(),
            properties: { gold: i % 100, guild: `g${i % 4}` },
          };
          events.set(event.event_id, { type: event.type, minuteMs: Math.floor(timeMs / MINUTE_MS) * MINUTE_MS });
          return event;
        });
        const body = JSON.stringify({ events: batch });
        for (;;) {
          const started = Date.now();
          let answer: Answer;
          try {
            const res = await fetch(`${url}/v1/apps/${appId}/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': key },
              body,
              signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
            });
            const outcome = (await res.json()) as { accepted?: number };
            answer = {
              status: res.status,
              ms: Date.now() - started,
              at: started,
              timedOut: false,
              problem: (res.headers.get('content-type') ?? '').startsWith('application/problem+json'),
              retryAfter: res.headers.get('retry-after'),
            };
            if (res.status === 200 && outcome.accepted !== batch.length)
              throw new Error(`refused events: ${JSON.stringify(outcome)}`);
          } catch (error) {
            if ((error as Error).message.startsWith('refused events')) throw error;
            const name = (error as Error).name;
            answer = {
              status: 0,
              ms: Date.now() - started,
              at: started,
              timedOut: name === 'TimeoutError',
              problem: false,
              retryAfter: null,
            };
          }
          answers.push(answer);
          if (answer.status === 200) {
            for (const event of batch) accepted.add(event.event_id);
            break;
          }
          if (answer.status >= 400 && answer.status < 500) throw new Error(`batch refused with ${answer.status}`);
          await sleep(answer.retryAfter ? Number(answer.retryAfter) * 1000 : 250);
        }
        await sleep(100);
      }
    };

    /** Minute counts of this app in MySQL against the model (empty: exact). */
    const countDifferences = async (): Promise<string[]> => {
      const expected = new Map<string, number>();
      for (const id of accepted) {
        const e = events.get(id) as { type: string; minuteMs: number };
        expected.set(`${e.type}|${e.minuteMs}`, (expected.get(`${e.type}|${e.minuteMs}`) ?? 0) + 1);
      }
      const rows = await withDatabase(async (connection) => {
        const [found] = await connection.query<mysql.RowDataPacket[]>(
          'SELECT type, minute_ms, count FROM app_event_minutes WHERE app_id = ?',
          [appId],
        );
        return found;
      });
      const actual = new Map(rows.map((r) => [`${text(r.type)}|${Number(r.minute_ms)}`, Number(r.count)]));
      return [...new Set([...expected.keys(), ...actual.keys()])]
        .filter((k) => expected.get(k) !== actual.get(k))
        .map((k) => `count ${k}: expected ${expected.get(k) ?? 0}, found ${actual.get(k) ?? 0}`);
    };
    /** The app's search index against the model: every accepted event_id exactly once, nothing else. */
    const indexDifferences = async (): Promise<string[]> => {
      const name = `app-events-${appId}`;
      await index.indices.refresh({ index: name });
      const count = Number((await index.count({ index: name })).body.count);
      const ids = [...accepted];
      const found = await index.mget({ index: name, body: { ids } });
      const missing = (found.body as { docs: { found?: boolean }[] }).docs.filter((d) => !d.found).length;
      return count === ids.length && missing === 0
        ? []
        : [`index: ${count} documents, ${ids.length} expected, ${missing} missing`];
    };
    const until = async (what: string, probe: () => Promise<string[]>): Promise<number> => {
      const started = Date.now();
      let last: string[] = ['not read yet'];
      while (Date.now() - started < CONVERGE_MS) {
        last = await probe().catch((error: unknown) => [`${what} did not answer: ${(error as Error).message}`]);
        if (last.length === 0) return Date.now() - started;
        await sleep(500);
      }
      throw new Error(`${what} did not reach the model:\n${last.slice(0, 20).join('\n')}\n${output()}`);
    };

    const workers = Array.from({ length: 1 }, worker);
    try {
      await waitFor(() => accepted.size >= 100, 60_000, 'no 100 app events accepted');
      // The index consumer is running (its documents arrive) before OpenSearch stops.
      await until('the index', async () => {
        await index.indices.refresh({ index: `app-events-${appId}` });
        const count = Number((await index.count({ index: `app-events-${appId}` })).body.count);
        return count >= 50 ? [] : [`${count} documents`];
      });
      const stoppedAt = Date.now();
      const stopMs = await stopService('opensearch');
      await expect(index.cluster.health()).rejects.toThrow();
      await sleep(3000);
      const startMs = await startService('opensearch');
      const back = Date.now();
      const acceptedWhileDown = [...accepted].length;
      const duringDown = answers.filter((a) => a.at >= stoppedAt && a.at < back);
      await sleep(1000);
      running = false;
      await Promise.all(workers);
      // Ingest needs no OpenSearch: every answer while it was down was a 200.
      expect(duringDown.filter((a) => a.status !== 200).length).toBe(0);
      expect(answers.filter((a) => a.timedOut || a.ms > ANSWER_LIMIT_MS).length).toBe(0);
      const countsMs = await until('the minute counts', countDifferences);
      const indexMs = await until('the index', indexDifferences);
      report('OpenSearch stopped while app events flow', [
        `events accepted: ${accepted.size} in ${answers.length} batches of 5 (${acceptedWhileDown} by the time OpenSearch answered again); ${duringDown.length} batches answered, all 200, while it was down`,
        `OpenSearch down ${seconds(back - stoppedAt)} (halt ${seconds(stopMs)}, 3 s, start ${seconds(startMs)})`,
        `minute counts exact ${seconds(countsMs)} after the traffic stopped; the index caught up to exactly the accepted events ${seconds(indexMs + countsMs)} after: lost 0, doubled 0`,
      ]);
    } finally {
      running = false;
      await Promise.all(workers);
      await restartStoppedServices();
      await index.indices.delete({ index: `app-events-${appId}` }).catch(() => undefined);
      await index.close();
    }
  }, 300_000);

  it('both consumer groups rewound to the beginning (every record delivered again): the stores stay exact', async () => {
    await converge();
    const before = await differences();
    expect(before.lines).toEqual([]);
    await stopRuntime();
    // Offsets can be reset only in a group without members: the runtime left them on SIGTERM (a
    // member that did not is dropped after the session timeout, 30 s).
    const emptyBy = Date.now() + 60_000;
    for (;;) {
      const { groups: described } = await admin.describeGroups(groups);
      if (described.every((g) => g.state === 'Empty' || g.state === 'Dead')) break;
      if (Date.now() > emptyBy)
        throw new Error(`consumer groups still have members: ${JSON.stringify(described.map((g) => g.state))}`);
      await sleep(500);
    }
    const ends = await admin.fetchTopicOffsets(topic);
    const records = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    for (const groupId of groups) await admin.resetOffsets({ groupId, topic, earliest: true });
    expect(await lag()).toBe(records * groups.length);
    const restarted = Date.now();
    await startRuntime();
    const deadline = Date.now() + CONVERGE_MS;
    let remaining = await lag();
    while (remaining > 0) {
      if (Date.now() > deadline) throw new Error(`the rewound groups still lag by ${remaining} records\n${output()}`);
      await sleep(500);
      remaining = await lag();
    }
    const replayMs = Date.now() - restarted;
    const after = await differences();
    expect(after.lines).toEqual([]);
    report('consumer groups rewound', [
      `${records} records of ${topic} delivered again to each of ${groups.length} groups: ${acknowledged.size} acknowledged tags, 3 poison records, ${records - acknowledged.size - 3} copies of resent tags that landed after a 503 or an unanswered request`,
      `replayed in ${seconds(replayMs)} (runtime start included): the stores unchanged, lost ${after.lost}, doubled ${after.doubled}`,
    ]);
  }, 300_000);
});
