/**
 * Happenings under seed 001's Taurus scenario, against the services backend (MariaDB, Kafka,
 * OpenSearch, cognito-local): 75 % GETs (half lists by topic, half reads by id) and 25 % admin
 * write cycles (POST → PATCH → DELETE of a fresh happening), closed loop with 10 and then 100
 * virtual users for BENCH_HAPPENINGS_SECONDS each (default 20). RPS and p50/p95/p99 per request
 * type; the baseline is a bare Node server answering 204 at the same concurrency, measured in the
 * same run. Seed 001 reported 2000 RPS at 10 users on an 8-core i7.
 *
 *   npm run bench -- happenings
 */
import { startRuntimeProcess } from '../local-runtime/spawn-runtime';
import { benchMain, cleanUpSubject, envNumber, newRunId, servicesSubject } from './bench-env';
import { HttpClient, parseJson } from './http-client';
import { startBareServer } from './load';
import { summarize } from './stats';

const seconds = envNumber('BENCH_HAPPENINGS_SECONDS', 20);
const SEEDED = 200;
const TOPICS = ['music', 'sport', 'tech', 'food', 'art'];

type Kind = 'list' | 'read' | 'create' | 'update' | 'delete';
interface Figures {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly statuses: Record<number, number>;
}

function happening(i: number): string {
  const start = Date.UTC(2027, 0, 1) + (i % 1000) * 3_600_000;
  return JSON.stringify({
    title: `Bench happening ${i}`,
    description: `A happening made by the load test, number ${i}.`,
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 7_200_000).toISOString(),
    timezone: 'Europe/Warsaw',
    place: { name: `Hall ${i % 20}`, lat: 52.2 + (i % 10) / 100, lon: 21.0 + (i % 7) / 100 },
    topics: [TOPICS[i % TOPICS.length] as string],
  });
}

function figures(samples: { ms: number; status: number }[], elapsed: number): Figures {
  const statuses: Record<number, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const sorted = summarize(samples.map((s) => s.ms));
  const sortedMs = samples.map((s) => s.ms).sort((a, b) => a - b);
  const p95Ms = sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * 0.95))] ?? 0;
  return {
    requests: samples.length,
    perSecond: samples.length / elapsed,
    p50Ms: sorted.p50Ms,
    p95Ms,
    p99Ms: sorted.p99Ms,
    statuses,
  };
}

/** Users run the scenario until the deadline; every request is recorded under its kind. */
async function scenario(url: string, users: number, token: string, ids: readonly string[]) {
  const client = new HttpClient(url, { maxSockets: users, timeoutMs: 30_000 });
  const auth = { authorization: `Bearer ${token}` };
  const samples: Record<Kind, { ms: number; status: number }[]> = { list: [], read: [], create: [], update: [], delete: [] };
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  const user = async () => {
    while (Date.now() < deadline) {
      const i = n++;
      if (i % 4 !== 3) {
        const answer =
          i % 2 === 0
            ? await client.request('GET', `/v1/happenings?topic=${TOPICS[i % TOPICS.length]}&limit=20`)
            : await client.request('GET', `/v1/happenings/${ids[i % ids.length]}`);
        samples[i % 2 === 0 ? 'list' : 'read'].push(answer);
        continue;
      }
      const created = await client.request('POST', '/v1/happenings', happening(100_000 + i), auth);
      samples.create.push(created);
      const id = (parseJson(created.body) as { id?: string } | undefined)?.id;
      if (!id) continue;
      samples.update.push(await client.request('PATCH', `/v1/happenings/${id}`, JSON.stringify({ title: `Moved ${i}` }), auth));
      samples.delete.push(await client.request('DELETE', `/v1/happenings/${id}`, '', auth));
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: users }, user));
  const elapsed = (Date.now() - started) / 1000;
  client.close();
  const total = Object.values(samples).reduce((sum, list) => sum + list.length, 0);
  return {
    users,
    seconds: elapsed,
    totalPerSecond: total / elapsed,
    byKind: Object.fromEntries(Object.entries(samples).map(([kind, list]) => [kind, figures(list, elapsed)])) as Record<
      Kind,
      Figures
    >,
  };
}

async function baseline(users: number) {
  const bare = await startBareServer();
  const client = new HttpClient(bare.url, { maxSockets: users, timeoutMs: 30_000 });
  const samples: { ms: number; status: number }[] = [];
  const deadline = Date.now() + Math.min(seconds, 10) * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: users }, async () => {
      while (Date.now() < deadline) samples.push(await client.request('GET', '/'));
    }),
  );
  client.close();
  await bare.close();
  return figures(samples, (Date.now() - started) / 1000);
}

const row = (name: string, f: Figures) =>
  `${name.padEnd(10)} ${f.perSecond.toFixed(0).padStart(6)} req/s  p50 ${f.p50Ms.toFixed(1).padStart(7)} ms  p95 ${f.p95Ms
    .toFixed(1)
    .padStart(7)} ms  p99 ${f.p99Ms.toFixed(1).padStart(7)} ms  ${JSON.stringify(f.statuses)}`;

async function main() {
  const subject = servicesSubject('happenings', newRunId());
  const runtime = await startRuntimeProcess(subject.env);
  const results: Record<string, unknown> = {};
  try {
    const client = new HttpClient(runtime.url, { maxSockets: 8, timeoutMs: 30_000 });
    const signIn = await client.request(
      'POST',
      '/v1/sessions',
      JSON.stringify({ username: 'admin', password: 'Local-admin-password-1' }),
    );
    const token = (parseJson(signIn.body) as { accessToken?: string } | undefined)?.accessToken;
    if (!token) throw new Error(`the local admin could not sign in: ${signIn.status} ${signIn.body}`);
    const ids: string[] = [];
    for (let i = 0; i < SEEDED; i++) {
      const created = await client.request('POST', '/v1/happenings', happening(i), { authorization: `Bearer ${token}` });
      const id = (parseJson(created.body) as { id?: string } | undefined)?.id;
      if (!id) throw new Error(`seeding failed: ${created.status} ${created.body}`);
      ids.push(id);
    }
    client.close();
    console.log(
      `happenings: ${SEEDED} seeded; scenario 75 % GET (list, read), 25 % POST → PATCH → DELETE; ${seconds} s per load\n`,
    );
    for (const users of [10, 100]) {
      const base = await baseline(users);
      const run = await scenario(runtime.url, users, token, ids);
      console.log(
        `${users} users: ${run.totalPerSecond.toFixed(0)} req/s in all (baseline bare node 204: ${base.perSecond.toFixed(0)} req/s, ratio ×${(run.totalPerSecond / base.perSecond).toFixed(2)})`,
      );
      for (const [kind, f] of Object.entries(run.byKind)) console.log(`  ${row(kind, f)}`);
      console.log('');
      results[`users${users}`] = { ...run, baseline: base };
    }
  } finally {
    await runtime.stop();
    await cleanUpSubject(subject);
  }
  return { benchmark: 'happenings', seconds, seeded: SEEDED, results };
}

benchMain('happenings', main);
