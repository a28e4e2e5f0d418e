/**
 * Ingest: POST /user_tags through the local runtime (embedded and services backends) against a
 * bare Node HTTP server answering 204, measured in the same run. Closed loop: BENCH_REQUESTS
 * requests (default 5000) with BENCH_CONCURRENCY in flight (default 32), after 500 warm-up ones.
 *
 *   npm run bench -- ingest
 */
import { startRuntimeProcess } from '../local-runtime/spawn-runtime';
import { benchMain, cleanUpSubject, envNumber, newRunId, servicesSubject } from './bench-env';
import { type LoadRequest, type LoadResult, runLoad, startBareServer } from './load';

const total = envNumber('BENCH_REQUESTS', 5000);
const concurrency = envNumber('BENCH_CONCURRENCY', 32);
const warmup = Math.min(500, total);

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
    .padStart(7)} ms   statuses ${JSON.stringify(r.statuses)}`;

async function measure(url: string): Promise<LoadResult> {
  await runLoad(url, warmup, concurrency, tagRequest);
  return runLoad(url, total, concurrency, tagRequest);
}

async function main() {
  console.log(`ingest: POST /user_tags, ${total} requests, ${concurrency} concurrent, after ${warmup} warm-up requests\n`);
  const bare = await startBareServer();
  const baseline = await measure(bare.url);
  await bare.close();
  console.log(line('baseline: bare node http 204', baseline));

  const services = servicesSubject('ingest', newRunId());
  const subjects: [string, Record<string, string>][] = [
    ['local runtime, embedded backend', { EVENTLINE_BACKEND: 'embedded' }],
    ['local runtime, services (Kafka)', services.env],
  ];
  const results: Record<string, LoadResult & { throughputRatio: number; p99Ratio: number }> = {};
  try {
    for (const [name, env] of subjects) {
      const runtime = await startRuntimeProcess(env);
      try {
        const result = await measure(runtime.url);
        const ratios = { throughputRatio: result.perSecond / baseline.perSecond, p99Ratio: result.p99Ms / baseline.p99Ms };
        results[name] = { ...result, ...ratios };
        console.log(line(name, result));
        console.log(
          `${''.padEnd(34)} ratio to baseline: throughput ×${ratios.throughputRatio.toFixed(2)}, p99 ×${ratios.p99Ratio.toFixed(1)}`,
        );
      } finally {
        await runtime.stop();
      }
    }
  } finally {
    await cleanUpSubject(services);
  }
  return { benchmark: 'ingest', total, concurrency, warmup, baseline, subjects: results };
}

benchMain('ingest', main);
