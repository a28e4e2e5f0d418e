/**
 * `npm run bench -- coldstart`: module init of every built Lambda bundle, as a cold start pays it.
 *
 * Reads the synthesized templates in `cdk.out` (run `npm run synth` first; `COLDSTART_OUT=<dir>`
 * reads another output directory), finds each function's asset folder (its `aws:asset:path`) and
 * the runtime-deps layer's `nodejs/node_modules`, and requires each bundle in a fresh Node 22
 * process per run, with the layer on NODE_PATH (what /opt/nodejs/node_modules is in Lambda) and
 * the environment the function has in Lambda (its template variables plus what the Lambda runtime
 * sets). Only the `require` is timed, not Node's own start. A bare handler
 * (`export const handler = async () => ({})`, built with the same esbuild options) is measured the
 * same way in the same rounds: the ratio against it is what other load on the machine moves least.
 * Rounds go function by function in turn, so a burst of load spreads over all of them.
 * Needs no service and no network. `COLDSTART_RUNS` (default 7) sets the runs per function.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { esbuildOptionsOf, eventlineBundling } from '../../lib/constructs/eventline-function';
import { benchMain, envNumber, ROOT } from './bench-env';

/** Targets of issue 9: a bundle under 1 MB, module init p50 under 150 ms. */
const MAX_BUNDLE_BYTES = 1024 * 1024;
const MAX_INIT_P50_MS = 150;

interface Subject {
  readonly name: string;
  readonly bundle: string;
  readonly environment: Record<string, string>;
}

interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

/** Every Lambda function of the synthesized app whose asset is an esbuild bundle, and the layer. */
export function subjectsOf(outDir: string): { functions: Subject[]; layerModules: string } {
  const functions: Subject[] = [];
  let layerModules: string | undefined;
  for (const file of readdirSync(outDir).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(path.join(outDir, file), 'utf8')) as Template;
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string') continue;
      const assetDir = path.resolve(outDir, assetPath);
      if (resource.Type === 'AWS::Lambda::LayerVersion' && existsSync(path.join(assetDir, 'nodejs', 'node_modules'))) {
        layerModules = path.join(assetDir, 'nodejs', 'node_modules');
      }
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const bundle = path.join(assetDir, 'index.js');
      const name = resource.Properties?.FunctionName;
      // CDK's own providers have no name of ours and are not esbuild bundles of Eventline code.
      if (typeof name !== 'string' || !existsSync(bundle)) continue;
      const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      const environment: Record<string, string> = {};
      for (const [key, value] of Object.entries(variables ?? {})) {
        // Tokens (ARNs, endpoints) resolve at deploy time; a placeholder is enough to require the bundle.
        environment[key] = typeof value === 'string' ? value : `resolved-at-deploy-${id}`;
      }
      functions.push({ name, bundle, environment });
    }
  }
  if (!layerModules) throw new Error(`no runtime-deps layer with nodejs/node_modules in ${outDir}: run npm run synth`);
  functions.sort((a, b) => a.name.localeCompare(b.name));
  return { functions, layerModules };
}

/** The bare handler, bundled with the options every Eventline function uses (minified CJS, node22). */
function bareHandler(directory: string): Subject {
  const entry = path.join(directory, 'bare.ts');
  writeFileSync(entry, 'export const handler = async () => ({});\n');
  const bundle = path.join(directory, 'bare', 'index.js');
  // Eventline's esbuild options without the prelude every function runs first (lambda-prelude.ts).
  buildSync({ ...esbuildOptionsOf(eventlineBundling([])), inject: [], entryPoints: [entry], outfile: bundle, logLevel: 'error' });
  // As the functions run: no NODE_OPTIONS (their stack traces are mapped lazily, lambda-prelude.ts).
  return { name: '(bare handler)', bundle, environment: {} };
}

/** Timed in the child: only the require (module init), not Node's start. */
const CHILD = `
const start = process.hrtime.bigint();
const loaded = require(process.env.COLDSTART_BUNDLE);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
if (typeof loaded.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ ms }));
`;

function lambdaEnvironment(subject: Subject, layerModules: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: subject.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${subject.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'coldstart',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
    LAMBDA_TASK_ROOT: path.dirname(subject.bundle),
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    // Never used by a require; present as in Lambda so nothing looks for a profile file instead.
    AWS_ACCESS_KEY_ID: 'ASIACOLDSTART',
    AWS_SECRET_ACCESS_KEY: 'coldstart',
    AWS_SESSION_TOKEN: 'coldstart',
    NODE_PATH: layerModules,
    ...subject.environment,
    COLDSTART_BUNDLE: subject.bundle,
  };
}

function requireOnce(subject: Subject, layerModules: string): number {
  const result = spawnSync(process.execPath, ['-e', CHILD], {
    cwd: path.dirname(subject.bundle),
    env: lambdaEnvironment(subject, layerModules),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`requiring ${subject.name} failed (exit ${result.status}):\n${result.stderr.slice(0, 2000)}`);
  }
  return (JSON.parse(result.stdout) as { ms: number }).ms;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Row {
  readonly name: string;
  readonly bundleBytes: number;
  readonly initMs: number[];
  readonly p50: number;
  readonly p90: number;
  readonly ratio: number;
  readonly withinTargets: boolean;
}

async function run() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 22) throw new Error(`measure with Node 22 (Lambda's nodejs22.x); this is ${process.version}`);
  const outDir = path.resolve(ROOT, process.env.COLDSTART_OUT ?? 'cdk.out');
  const runs = envNumber('COLDSTART_RUNS', 7);
  const { functions, layerModules } = subjectsOf(outDir);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'eventline-coldstart-'));
  try {
    const bare = bareHandler(scratch);
    const subjects = [bare, ...functions];
    console.log(
      `${functions.length} functions from ${path.relative(ROOT, outDir) || outDir}, ${runs} runs each, Node ${process.version}`,
    );
    console.log(`layer: ${path.relative(ROOT, layerModules)} on NODE_PATH`);
    const times = new Map<string, number[]>(subjects.map((subject) => [subject.name, []]));
    for (let round = 0; round < runs; round++) {
      for (const subject of subjects) times.get(subject.name)?.push(requireOnce(subject, layerModules));
      process.stderr.write(`round ${round + 1}/${runs}, load ${os.loadavg()[0].toFixed(2)}\n`);
    }
    const bareP50 = percentile(times.get(bare.name) ?? [], 50);
    const rows: Row[] = subjects.map((subject) => {
      const initMs = times.get(subject.name) ?? [];
      const bundleBytes = statSync(subject.bundle).size;
      const p50 = percentile(initMs, 50);
      return {
        name: subject.name,
        bundleBytes,
        initMs,
        p50,
        p90: percentile(initMs, 90),
        ratio: p50 / bareP50,
        withinTargets: bundleBytes < MAX_BUNDLE_BYTES && p50 < MAX_INIT_P50_MS,
      };
    });
    console.log(
      `\n${'function'.padEnd(46)} ${'bundle'.padStart(9)} ${'init p50'.padStart(9)} ${'p90'.padStart(8)} ${'× bare'.padStart(7)}`,
    );
    for (const row of rows) {
      const flag = row === rows[0] ? '' : row.withinTargets ? '' : '  ← over target';
      console.log(
        `${row.name.padEnd(46)} ${`${(row.bundleBytes / 1024).toFixed(0)} KB`.padStart(9)} ${`${row.p50.toFixed(1)} ms`.padStart(9)} ${`${row.p90.toFixed(1)} ms`.padStart(8)} ${row.ratio.toFixed(1).padStart(7)}${flag}`,
      );
    }
    const measured = rows.slice(1);
    const over = measured.filter((row) => !row.withinTargets).map((row) => row.name);
    const largest = Math.max(...measured.map((row) => row.bundleBytes));
    const slowest = Math.max(...measured.map((row) => row.p50));
    console.log(
      `\nlargest bundle ${(largest / 1024).toFixed(0)} KB (target < 1024 KB); slowest init p50 ${slowest.toFixed(1)} ms (target < ${MAX_INIT_P50_MS} ms); ` +
        (over.length === 0 ? 'every function within the targets' : `over target: ${over.join(', ')}`),
    );
    return { runs, node: process.version, bareP50, rows, over };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) benchMain('coldstart', run);
