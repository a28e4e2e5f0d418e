import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { fromRepoRoot } from '../paths';

/** The layer's own npm project: package.json + package-lock.json, nothing else. */
export const runtimeDepsDirectory = fromRepoRoot('layers', 'runtime-deps');

/**
 * The modules the layer provides, read from its package.json. Function bundles mark exactly
 * these as external (esbuild leaves `require('kafkajs')` for Node to resolve in /opt/nodejs).
 */
export function runtimeDepsModules(directory: string = runtimeDepsDirectory): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {}).sort();
}

/**
 * Every module a bundle loads from the layer instead of carrying it: the layer's own dependencies
 * plus each package its lockfile installs at the top level at exactly the version the root
 * lockfile gives the bundles (e.g. @aws/lambda-invoke-store, which Powertools and the AWS SDK
 * share). Whatever else the layer happens to install at another version stays bundled.
 */
export function layerProvidedModules(
  directory: string = runtimeDepsDirectory,
  rootLockFile: string = fromRepoRoot('package-lock.json'),
): string[] {
  type Lock = { packages: Record<string, { version?: string; dev?: boolean }> };
  const topLevel = (lock: Lock) =>
    new Map(
      Object.entries(lock.packages)
        .filter(([key, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key) && !entry.dev)
        .map(([key, entry]) => [key.slice('node_modules/'.length), entry.version]),
    );
  const layer = topLevel(JSON.parse(fs.readFileSync(path.join(directory, 'package-lock.json'), 'utf8')) as Lock);
  const root = topLevel(JSON.parse(fs.readFileSync(rootLockFile, 'utf8')) as Lock);
  const shared = [...layer].filter(([name, version]) => version !== undefined && root.get(name) === version && !isTypeOnly(name));
  return [...new Set([...runtimeDepsModules(directory), ...shared.map(([name]) => name)])].sort();
}

function isTypeOnly(name: string): boolean {
  return typeOnlyPackages.some((prefix) => name === prefix || name.startsWith(`${prefix}/`));
}

/**
 * Packages that hold only TypeScript declarations yet arrive as production dependencies
 * (aws-msk-iam-sasl-signer-js depends on @types/buffers, which brings @types/node and
 * undici-types): nothing requires them at run time, so the layer drops them after install.
 */
export const typeOnlyPackages = ['@types', 'undici-types'];

/** Every file under a directory, relative paths. */
function filesUnder(directory: string): string[] {
  return fs
    .readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Removes the type-only packages from an installed node_modules. Refuses (throws) if one of them
 * carries JavaScript after all: then something may require it, and it has to stay.
 */
export function pruneTypeOnlyPackages(nodeModules: string): void {
  for (const name of typeOnlyPackages) {
    const directory = path.join(nodeModules, name);
    if (!fs.existsSync(directory)) continue;
    const code = filesUnder(directory).filter((file) => /\.(c|m)?js$/.test(file));
    if (code.length > 0) throw new Error(`${name} in the layer holds JavaScript (${code[0]}): it cannot be pruned as types only`);
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Installs the layer's locked production dependencies into `<output>/nodejs/node_modules` with the
 * local npm (`npm ci --omit=dev`, so no driver's devDependencies), then drops the type-only
 * packages: all of them are plain JavaScript, so no Docker and no architecture-specific build is
 * needed. Returning true tells the CDK the local build succeeded.
 */
export class NpmCiLocalBundling implements ILocalBundling {
  constructor(private readonly sourceDirectory: string) {}

  tryBundle(outputDir: string): boolean {
    const target = path.join(outputDir, 'nodejs');
    fs.mkdirSync(target, { recursive: true });
    for (const file of ['package.json', 'package-lock.json']) {
      fs.copyFileSync(path.join(this.sourceDirectory, file), path.join(target, file));
    }
    // stdout goes to stderr: `cdk synth` prints templates on stdout.
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: target,
      stdio: ['ignore', 2, 2],
    });
    pruneTypeOnlyPackages(path.join(target, 'node_modules'));
    return true;
  }
}

/** The layer's description: its modules by name when they fit CloudFormation's 256 characters. */
function layerDescription(modules: readonly string[]): string {
  const listed = `Eventline runtime dependencies: ${modules.join(', ')}`;
  return listed.length <= 256 ? listed : `Eventline runtime dependencies: the ${modules.length} modules of layers/runtime-deps`;
}

/**
 * A real Lambda layer of Eventline's heavy shared runtime dependencies (Kafka, MySQL, Redis and
 * OpenSearch clients, the MSK IAM signer, the AWS SDK clients and the RDS CA bundle), built from
 * `layers/runtime-deps` at synth time. Why a layer: every function would otherwise bundle the
 * same drivers and SDK clients; with the layer, function bundles hold only Eventline's code and
 * the small libraries it calls on every invocation (zod, Powertools, middy), which keeps each
 * bundle small and quick to compile at a cold start, and driver versions change in one place.
 * Bundles load layer modules only when a handler first uses them (see docs/ARCHITECTURE.md,
 * "Cold starts and bundles"). The asset hash is the hash of package.json + lockfile, so an
 * unchanged layer is neither rebuilt nor re-uploaded.
 */
export class RuntimeDepsLayer extends Construct {
  readonly layer: lambda.LayerVersion;
  readonly externalModules: readonly string[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.externalModules = layerProvidedModules();
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: layerDescription(runtimeDepsModules()),
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      // Deleting a superseded version is safe: a function keeps the layer content it was deployed with.
      removalPolicy: RemovalPolicy.DESTROY,
      code: lambda.Code.fromAsset(runtimeDepsDirectory, {
        assetHashType: AssetHashType.SOURCE,
        exclude: ['node_modules', '*.md'],
        bundling: {
          local: new NpmCiLocalBundling(runtimeDepsDirectory),
          // Only used if local bundling returned false, which it never does; kept valid anyway.
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
          command: [
            'bash',
            '-c',
            'mkdir -p /asset-output/nodejs && cp package.json package-lock.json /asset-output/nodejs/ && cd /asset-output/nodejs && npm ci --omit=dev --ignore-scripts && rm -rf node_modules/@types node_modules/undici-types',
          ],
        },
      }),
    });
  }
}
