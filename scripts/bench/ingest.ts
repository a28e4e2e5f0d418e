/**
 * Ingest: POST /user_tags through the local runtime (embedded and services backends) against a
 * bare Node HTTP server answering 204, measured in the same run, before and after the subjects
 * (the machine is shared: each ratio is against the mean of the two). Closed loop: BENCH_REQUESTS
 * requests (default 5000) with BENCH_CONCURRENCY in flight (default 32), after 500 warm-up ones.
 * BENCH_INGEST_SUBJECTS=embedded (or services) measures one backend only.
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
  `${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)} req/s   p50 ${r.p50Ms.toFixed(2).padStart(7)} ms   p99 ${r.p99Ms
    .toFixed(2)
    .padStart(7)} ms   statuses ${JSON.stringify(r.statuses)}   (load ${os.loadavg()[0].toFixed(2)})`;

async function measureBaseline(name: string): Promise<LoadResult> {
  const bare = await startBareServer();
  try {
    const result = await measure(bare.url);
    console.log(line(name, result));
    return result;
  } finally {
    await bare.close();
  }
}

async function measure(url: string): Promise<LoadResult> {
  await runLoad(url, warmup, concurrency, tagRequest);
  return runLoad(url, total, concurrency, tagRequest);
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
  const measured: [string, LoadResult][] = [];
  try {
    for (const [name, env] of chosen) {
      const runtime = await startRuntimeProcess(env);
      try {
        const result = await measure(runtime.url);
        measured.push([name, result]);
        console.log(line(name, result));
      } finally {
        await runtime.stop();
      }
    }
  } finally {
    if (chosen.some(([, env]) => env.EVENTLINE_BACKEND === 'services')) await cleanUpSubject(services);
  }
  const after = await measureBaseline('baseline again, after the subjects');
  const baseline = {
    perSecond: (before.perSecond + after.perSecond) / 2,
    p99Ms: (before.p99Ms + after.p99Ms) / 2,
  };
  console.log(`\nratios to the baseline (mean of before and after: ${baseline.perSecond.toFixed(0)} req/s):`);
  const results: Record<string, LoadResult & { throughputRatio: number; p99Ratio: number }> = {};
  for (const [name, result] of measured) {
    const ratios = { throughputRatio: result.perSecond / baseline.perSecond, p99Ratio: result.p99Ms / baseline.p99Ms };
    results[name] = { ...result, ...ratios };
    console.log(`${name.padEnd(34)} throughput ×${ratios.throughputRatio.toFixed(2)}, p99 ×${ratios.p99Ratio.toFixed(1)}`);
  }
  return { benchmark: 'ingest', total, concurrency, warmup, baseline: { before, after }, subjects: results };
}

benchMain('ingest', main);
