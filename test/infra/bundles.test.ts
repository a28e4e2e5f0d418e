/**
 * Every function's bundle, built by esbuild with exactly the options EventlineFunction gives the
 * CDK (`eventlineBundling`), for every EventlineFunction of the synthesized app: each under 1 MB,
 * none carrying a package the runtime-deps layer also holds, every module it leaves external
 * present in the layer, and a layer without type-only packages. How fast the bundles load is
 * measured by `npm run bench -- coldstart`, not here.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { manifest } from '../../lambdas/manifest';
import {
  callsHttpServices,
  EventlineFunction,
  esbuildOptionsOf,
  eventlineBundling,
} from '../../lib/constructs/eventline-function';
import {
  layerProvidedModules,
  NpmCiLocalBundling,
  runtimeDepsDirectory,
  typeOnlyPackages,
} from '../../lib/constructs/runtime-deps-layer';
import { fromRepoRoot } from '../../lib/paths';
import { synthEventline } from './support/synth';

const MAX_BUNDLE_BYTES = 1024 * 1024;

/** `node_modules/@scope/name/...` or `node_modules/name/...` → the package name (innermost). */
function packageOf(file: string): string | undefined {
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return match?.[1];
}

/** `@scope/name/sub/path` or `name/sub` → the package name. */
function packageOfSpecifier(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The top-level packages of an installed node_modules (scoped ones as `@scope/name`). */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of fs.readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of fs.readdirSync(path.join(nodeModules, entry))) names.push(`${entry}/${scoped}`);
    } else {
      names.push(entry);
    }
  }
  return names;
}

interface Bundle {
  readonly entry: string;
  readonly bytes: number;
  readonly packages: Set<string>;
  readonly externals: Set<string>;
  /** Every input file of the bundle, relative to the repository root. */
  readonly inputs: string[];
}

const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
let bundles: Bundle[];
let layerPackages: string[];
let layerRoot: string;

beforeAll(async () => {
  const synthesized = synthEventline('dev', manifest);
  let entries: string[];
  try {
    entries = [
      ...new Set(
        synthesized.stacks.functions.node.root.node
          .findAll()
          .filter((construct): construct is EventlineFunction => construct instanceof EventlineFunction)
          .map((fn) => fn.entry),
      ),
    ].sort();
  } finally {
    synthesized.dispose();
  }
  expect(entries.length).toBeGreaterThan(manifest.functions.length - 1);

  const options = eventlineBundling(layerProvidedModules());
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-bundles-'));
  try {
    const result = await build({
      ...esbuildOptionsOf(options),
      entryPoints: entries.map((entry, index) => ({ in: fromRepoRoot(entry), out: `f${index}` })),
      outdir,
      write: false,
      metafile: true,
      logLevel: 'silent',
      sourcemap: false,
    });
    const outputs: Metafile['outputs'] = result.metafile.outputs;
    bundles = entries.map((entry, index) => {
      const [, output] = Object.entries(outputs).find(([file]) => file.endsWith(`/f${index}.js`)) ?? [];
      if (!output) throw new Error(`no output for ${entry}`);
      const packages = new Set(
        Object.keys(output.inputs)
          .map(packageOf)
          .filter((name): name is string => name !== undefined),
      );
      const externals = new Set(
        output.imports.filter((i) => i.external && !builtins.has(i.path)).map((i) => packageOfSpecifier(i.path)),
      );
      return { entry, bytes: output.bytes, packages, externals, inputs: Object.keys(output.inputs) };
    });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }

  layerRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-layer-'));
  expect(new NpmCiLocalBundling(runtimeDepsDirectory).tryBundle(layerRoot)).toBe(true);
  layerPackages = installedPackages(path.join(layerRoot, 'nodejs', 'node_modules'));
}, 300_000);

afterAll(() => {
  if (layerRoot) fs.rmSync(layerRoot, { recursive: true, force: true });
});

it('builds every function under 1 MB', () => {
  const over = bundles.filter((b) => b.bytes >= MAX_BUNDLE_BYTES).map((b) => `${b.entry}: ${(b.bytes / 1024).toFixed(0)} KB`);
  expect(over).toEqual([]);
});

it('runs the lazy source-map prelude in every bundle (stack traces mapped without --enable-source-maps)', () => {
  const without = bundles.filter((b) => !b.inputs.includes('lambdas/platform/lambda-prelude.ts')).map((b) => b.entry);
  expect(without).toEqual([]);
});

it('holds no type-only package in the layer', () => {
  expect(layerPackages.filter((name) => name.startsWith('@types/'))).toEqual([]);
  for (const name of typeOnlyPackages) expect(layerPackages).not.toContain(name);
});

it('bundles no package the layer also holds', () => {
  const layer = new Set(layerPackages);
  const duplicates = bundles.flatMap((b) =>
    [...b.packages].filter((name) => layer.has(name)).map((name) => `${b.entry}: ${name}`),
  );
  expect(duplicates).toEqual([]);
});

it('finds every module a bundle leaves external in the layer', () => {
  const layer = new Set(layerPackages);
  // Optional peers of Powertools' Kafka utility that Eventline never loads (JSON records only).
  const neverLoaded = new Set(['avro-js', 'protobufjs']);
  const missing = bundles.flatMap((b) =>
    [...b.externals].filter((name) => !layer.has(name) && !neverLoaded.has(name)).map((name) => `${b.entry}: ${name}`),
  );
  expect(missing).toEqual([]);
});

it('keeps the Powertools tracer (and the X-Ray SDK) only where a function calls an HTTP service', () => {
  // Kafka, MySQL and Valkey are not HTTP: the tracer would record nothing Lambda does not.
  expect(callsHttpServices({ MSK_CLUSTER_ARN: 'arn', DB_PROXY_ENDPOINT: 'proxy', CACHE_ENDPOINT: 'cache' })).toBe(false);
  expect(callsHttpServices({ OPENSEARCH_ENDPOINT: 'search' })).toBe(true);
  expect(callsHttpServices({ SES_CONFIGURATION_SET: 'mail' })).toBe(true);
  expect(callsHttpServices({ COGNITO_USER_POOL_ID: 'pool' })).toBe(true);
});
