/**
 * `npm run bench`: POST /user_tags through the local runtime (embedded and services backends)
 * against a bare Node HTTP server answering 204, measured in the same run. Prints one line per
 * subject and the ratios; docs/PERFORMANCE.md records the figures.
 *
 *   npm run bench                 all subjects (services backend needs `npm run services:up`)
 *   BENCH_REQUESTS=20000 npm run bench
 */
import { randomBytes } from 'node:crypto';
import { startRuntimeProcess } from '../local-runtime/spawn-runtime';
import { type LoadRequest, type LoadResult, runLoad, startBareServer } from './load';

const total = Number(process.env.BENCH_REQUESTS ?? 5000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
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

async function main(): Promise<void> {
  console.log(`POST /user_tags: ${total} requests, ${concurrency} concurrent, after ${warmup} warm-up requests\n`);
  const bare = await startBareServer();
  const baseline = await measure(bare.url);
  await bare.close();
  console.log(line('baseline: bare node http 204', baseline));

  const run = randomBytes(3).toString('hex');
  const subjects: [string, Record<string, string>][] = [
    ['local runtime, embedded backend', { EVENTLINE_BACKEND: 'embedded' }],
    [
      'local runtime, services (Kafka)',
      { EVENTLINE_BACKEND: 'services', EVENTLINE_TOPIC_PREFIX: `bench-${run}.`, EVENTLINE_MYSQL_DATABASE: `eventline_bench` },
    ],
  ];
  for (const [name, env] of subjects) {
    const runtime = await startRuntimeProcess(env);
    try {
      const result = await measure(runtime.url);
      console.log(line(name, result));
      console.log(
        `${''.padEnd(34)} ratio to baseline: throughput ×${(result.perSecond / baseline.perSecond).toFixed(2)}, p99 ×${(result.p99Ms / baseline.p99Ms).toFixed(1)}`,
      );
    } finally {
      await runtime.stop();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
