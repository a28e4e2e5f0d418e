/**
 * Lambda bundles run without `--enable-source-maps`; lambdas/platform/lambda-prelude.ts (injected
 * first into every bundle) maps stack traces when they are formatted instead. The traces must be
 * the very ones Node writes with the flag, and the map must not be read while the bundle loads.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { esbuildOptionsOf, eventlineBundling } from '../../lib/constructs/eventline-function';

const ROOT = path.resolve(__dirname, '../..');
let directory: string;
let bundle: string;

/** Requires the bundle, then formats the fixture's stack traces; reports which maps were read before and after. */
const CHILD = `
const fs = require('node:fs');
const read = [];
const readFileSync = fs.readFileSync;
fs.readFileSync = (file, ...rest) => { read.push(String(file)); return readFileSync(file, ...rest); };
const { stacks } = require(process.env.BUNDLE);
const mapsReadAtLoad = read.filter((file) => file.endsWith('.map')).length;
stacks().then((traces) => {
  const mapsRead = read.filter((file) => file.endsWith('.map')).length;
  process.stdout.write(JSON.stringify({ mapsReadAtLoad, mapsRead, traces }));
});
`;

interface ChildResult {
  readonly mapsReadAtLoad: number;
  readonly mapsRead: number;
  readonly traces: string[];
}

function run(nodeOptions: string[]): ChildResult {
  const output = execFileSync(process.execPath, [...nodeOptions, '-e', CHILD], {
    env: { PATH: process.env.PATH, BUNDLE: bundle },
    encoding: 'utf8',
  });
  return JSON.parse(output) as ChildResult;
}

beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-stack-traces-'));
  bundle = path.join(directory, 'index.js');
  // Built as the CDK builds every function: minified, map beside it, lambda-prelude.ts injected.
  buildSync({
    ...esbuildOptionsOf(eventlineBundling([])),
    entryPoints: [path.join(ROOT, 'test/fixtures/stack-traces.ts')],
    outfile: bundle,
    logLevel: 'error',
  });
});

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

it('writes the stack traces Node writes with --enable-source-maps', () => {
  const lazy = run([]);
  const node = run(['--enable-source-maps']);
  expect(lazy.traces).toEqual(node.traces);
  // Each frame in the fixture's own lines (V8 names the minified class, as Node's trace does).
  const at = (name: string, line: number, column: number) =>
    new RegExp(`\\n {4}at ${name} \\(${path.join(ROOT, 'test/fixtures/stack-traces.ts')}:${line}:${column}\\)`);
  expect(lazy.traces[0]).toMatch(at('\\w+\\.entries', 18, 11));
  expect(lazy.traces[0]).toMatch(at('\\w+\\.balance', 14, 17));
  expect(lazy.traces[1]).toMatch(at('new \\w+', 10, 21));
  expect(lazy.traces[2]).toMatch(at('\\w+', 24, 9));
  expect(lazy.traces[4]).toMatch(/^TypeError \[ERR_INVALID_ARG_VALUE\]/);
});

it('reads the map when a stack trace is first formatted, not when the bundle loads', () => {
  const lazy = run([]);
  expect(lazy.mapsReadAtLoad).toBe(0);
  expect(lazy.mapsRead).toBe(1);
});
