/**
 * Ingest: POST /user_tags through the local runtime (embedded and services backends) against a
 * bare Node HTTP server answering 204, measured in the same run, before and after the subjects
 * (the machine is shared: each ratio is against the mean of the two). Closed loop: BENCH_REQUESTS
 * requests (default 5000) with BENCH_CONCURRENCY in flight (default 32), after 500 warm-up ones.
 * BENCH_INGEST_SUBJECTS=embedded (or services) measures one backend only.
 *
 * Each runtime is measured twice: fresh (the first requests after it started: V8 is still
 * compiling the request path, on the same 2 cores) and warmed (the same runtime after
 * BENCH_WARMED_AFTER more requests, default 15000: the steady state a developer's runtime is in
 * after its first minute). Both are printed; neither replaces the other.
 *
 *   npm run bench -- ingest
 */
import os from 'node:os';
import { startRuntimeProcess } from '../local-runtime/spawn-runtime';
import { benchMain, cleanUpSubject, envNumber, newRunId, servicesSubject } from './bench-env';
import { type LoadRequest, type LoadResult, runLoad, startBareServer } from './load';

const total = envNumber('BENCH_REQUESTS', 5000);
const concurrency = envNumber('BENCH_CONCURRENCY', 32);
const warmup = Math.min(500, total);
const warmedAfter = envNumber('BENCH_WARMED_AFTER', 15000);
const only = process.env.BENCH_INGEST_SUBJECTS?.split(',').map((name) => name.trim());
if (only?.some((name) => name !== 'embedded' && name !== 'services')) {
  throw new Error('BENCH_INGEST_SUBJECTS lists embedded and/or services');
}

const tagRequest = (i: number): LoadRequest => ({
  method: 'POST',
  path: '/user_tags',
  body: JSON.stringify({
    time: new Date(Date.UTC(2022, 2, 1) + i).toISOString(),
    cookie: `bench-cookie-${i % 1000}`,
    country: 'PL',
    device: 'PC',
    action: i % 10 === 0 ? 'BUY' : 'VIEW',
    origin: `origin-${i % 50}`,
    product_info: { product_id: i % 5000, brand_id: `brand-${i % 25}`, category_id: `cat-${i % 7}`, price: 100 + (i % 900) },
  }),
});

const line = (name: string, r: LoadResult) =>
  `${name.padEnd(42)} ${r.perSecond.toFixed(0).padStart(7)} req/s   p50 ${r.p50Ms.toFixed(2).padStart(7)} ms   p99 ${r.p99Ms
    .toFixed(2)
    .padStart(7)} ms   statuses ${JSON.stringify(r.statuses)}   (load ${os.loadavg()[0].toFixed(2)})`;

/** A server measured fresh (after `warmup` requests) and warmed (after `warmedAfter` more). */
interface Phases {
  readonly fresh: LoadResult;
  readonly warmed: LoadResult;
}

async function measureBaseline(name: string): Promise<Phases> {
  const bare = await startBareServer();
  try {
    return await measurePhases(name, bare.url);
  } finally {
    await bare.close();
  }
}

async function measurePhases(name: string, url: string): Promise<Phases> {
  await runLoad(url, warmup, concurrency, tagRequest);
  const fresh = await runLoad(url, total, concurrency, tagRequest);
  console.log(line(name, fresh));
  await runLoad(url, warmedAfter, concurrency, tagRequest);
  const warmed = await runLoad(url, total, concurrency, tagRequest);
  console.log(line(`${name}, warmed`, warmed));
  return { fresh, warmed };
}

async function main() {
  console.log(`ingest: POST /user_tags, ${total} requests, ${concurrency} concurrent, after ${warmup} warm-up requests\n`);
  const before = await measureBaseline('baseline: bare node http 204');

  const services = servicesSubject('ingest', newRunId());
  const subjects: [string, Record<string, string>][] = [
    ['local runtime, embedded backend', { EVENTLINE_BACKEND: 'embedded' }],
    ['local runtime, services (Kafka)', services.env],
  ];
  const chosen = subjects.filter(([, env]) => !only || only.includes(env.EVENTLINE_BACKEND ?? ''));
  const measured: [string, Phases][] = [];
  try {
    for (const [name, env] of chosen) {
      const runtime = await startRuntimeProcess(env);
      try {
        measured.push([name, await measurePhases(name, runtime.url)]);
      } finally {
        await runtime.stop();
      }
    }
  } finally {
    if (chosen.some(([, env]) => env.EVENTLINE_BACKEND === 'services')) await cleanUpSubject(services);
  }
  const after = await measureBaseline('baseline again, after the subjects');
  const results: Record<string, LoadResult & { throughputRatio: number; p99Ratio: number }> = {};
  for (const phase of ['fresh', 'warmed'] as const) {
    // Each phase against the bare server in the same phase: JIT warm-up slows both at first.
    const baseline = {
      perSecond: (before[phase].perSecond + after[phase].perSecond) / 2,
      p99Ms: (before[phase].p99Ms + after[phase].p99Ms) / 2,
    };
    console.log(`\nratios to the ${phase} baseline (mean of before and after: ${baseline.perSecond.toFixed(0)} req/s):`);
    for (const [name, phases] of measured) {
      const result = phases[phase];
      const ratios = { throughputRatio: result.perSecond / baseline.perSecond, p99Ratio: result.p99Ms / baseline.p99Ms };
      const label = phase === 'fresh' ? name : `${name}, warmed`;
      results[label] = { ...result, ...ratios };
      console.log(`${label.padEnd(42)} throughput ×${ratios.throughputRatio.toFixed(2)}, p99 ×${ratios.p99Ratio.toFixed(1)}`);
    }
  }
  return { benchmark: 'ingest', total, concurrency, warmup, warmedAfter, baseline: { before, after }, subjects: results };
}

benchMain('ingest', main);
