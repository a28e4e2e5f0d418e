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
 * Installs the layer's locked production dependencies into `<output>/nodejs/node_modules` with the
 * local npm (`npm ci --omit=dev`): all of them are plain JavaScript, so no Docker and no
 * architecture-specific build is needed. Returning true tells the CDK the local build succeeded.
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
    return true;
  }
}

/**
 * A real Lambda layer of Eventline's heavy shared runtime dependencies (Kafka, MySQL, Redis and
 * OpenSearch clients, the MSK IAM signer), built from `layers/runtime-deps` at synth time.
 * Why a layer: every VPC function would otherwise bundle the same ~40 MB of drivers; with the
 * layer, function bundles hold only Eventline's code (fast deploys, small diffs) and driver
 * versions change in one place. The asset hash is the hash of package.json + lockfile, so an
 * unchanged layer is neither rebuilt nor re-uploaded.
 */
export class RuntimeDepsLayer extends Construct {
  readonly layer: lambda.LayerVersion;
  readonly externalModules: readonly string[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.externalModules = runtimeDepsModules();
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: `Eventline runtime dependencies: ${this.externalModules.join(', ')}`,
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
            'mkdir -p /asset-output/nodejs && cp package.json package-lock.json /asset-output/nodejs/ && cd /asset-output/nodejs && npm ci --omit=dev --ignore-scripts',
          ],
        },
      }),
    });
  }
}
