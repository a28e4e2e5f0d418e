/**
 * `npm run bench`: every benchmark, one after the other, each in its own process (its own
 * database, topic prefix and runtime). `npm run bench -- <name> [<name>...]` runs the named ones.
 * Figures go to the console and to `.local/bench/<name>-<time>.json`; docs/PERFORMANCE.md
 * records them with the command that produced them. Needs `npm run services:up`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './bench-env';

/** name → script, in the order `npm run bench` runs them (cheapest first). */
const BENCHMARKS: Readonly<Record<string, { script: string; what: string }>> = {
  coldstart: {
    script: 'coldstart.ts',
    what: 'module init of every built bundle in cdk.out (npm run synth first), layer on NODE_PATH, vs a bare handler',
  },
  ingest: { script: 'ingest.ts', what: 'POST /user_tags throughput and latency vs a bare Node server' },
  consumers: {
    script: 'consumers.ts',
    what: 'tags applied per second into MySQL (profiles + aggregates) vs a raw multi-row insert',
  },
  queries: { script: 'queries.ts', what: '/user_profiles and /aggregates latency over 1 M stored tags' },
  happenings: {
    script: 'happenings.ts',
    what: "seed 001's Taurus scenario on happenings: 75 % GETs, 25 % admin POST → PATCH → DELETE, 10 then 100 users",
  },
  people: {
    script: 'people.ts',
    what: "seed 000's JMeter comparison: 80 % GET profile, 10 % PUT, 10 % search against cache+OpenSearch+MySQL, cache+MySQL, MySQL",
  },
  reminders: {
    script: 'reminders.ts',
    what: 'reminder mails handed to SES after remindAt: 1000 reminders due over 2 minutes, p50/p99/max, never early',
  },
  allezon: {
    script: 'allezon.ts',
    what: 'Allezon mixed run (default 1000 tags/s for 60 s): latency, drops, correctness and visibility',
  },
};

function main(): number {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from:`);
    for (const [name, { what }] of Object.entries(BENCHMARKS)) console.error(`  ${name.padEnd(10)} ${what}`);
    return 2;
  }
  const names = requested.length > 0 ? requested : Object.keys(BENCHMARKS);
  const failed: string[] = [];
  for (const name of names) {
    console.log(`\n=== bench ${name}: ${BENCHMARKS[name].what} ===\n`);
    const script = path.join(__dirname, BENCHMARKS[name].script);
    const { status } = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [script], { cwd: ROOT, stdio: 'inherit' });
    if (status !== 0) failed.push(name);
  }
  if (failed.length > 0) {
    console.error(`\nbenchmarks failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}

process.exit(main());
