import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { EnvNames } from '../../lambdas/platform/config';
import type { StageConfig } from '../config/stages';
import { fromRepoRoot, repoRoot } from '../paths';
import type { RuntimeDepsLayer } from './runtime-deps-layer';

export interface EventlineFunctionProps {
  readonly config: StageConfig;
  /** Handler file relative to the repository root; the export is always `handler`. */
  readonly entry: string;
  /** Physical name without the stage prefix (`tracking-ingest-tags`). */
  readonly name: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  readonly layer: RuntimeDepsLayer;
  /** VPC placement (private subnets with egress); omit for functions that only call AWS APIs. */
  readonly network?: { readonly vpc: ec2.IVpc; readonly securityGroup: ec2.ISecurityGroup };
  /** Reserved concurrency (a cap, and a reservation out of the account's pool); omit for none. */
  readonly reservedConcurrency?: number;
  /** Shell commands run after esbuild, e.g. to copy data files next to the bundle. */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
}

/**
 * Optional peers that Powertools' Kafka utility loads only for Avro or Protobuf schemas. Eventline
 * records are JSON, so these are never required at run time; external keeps esbuild from failing
 * on modules that are (deliberately) not installed.
 */
const unusedOptionalModules = ['avro-js', 'protobufjs'];

/**
 * Runs first in every bundle: stack traces are source-mapped when one is formatted, reading the
 * map then, instead of Node's `--enable-source-maps` reading and parsing it at every cold start.
 */
const lambdaPrelude = fromRepoRoot('lambdas/platform/lambda-prelude.ts');

/**
 * The esbuild options of every Eventline bundle; test/infra builds the bundles with exactly these
 * to check their size and that they carry nothing the layer holds. Minified CommonJS for Node 22
 * with a source map (no sources inside), which `lambda-prelude.ts` (injected, so it runs before
 * any other module) reads the first time a stack trace is formatted. Everything the
 * runtime-deps layer provides stays external: a bundle holds Eventline's code and the small
 * libraries its handlers run on every invocation (zod, Powertools, middy), and loads drivers and
 * AWS SDK clients from the layer when a handler first uses them (see "Cold starts and bundles" in
 * docs/ARCHITECTURE.md).
 */
export function eventlineBundling(
  layerModules: readonly string[],
): BundlingOptions & { externalModules: string[]; inject: string[] } {
  return {
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    target: 'node22',
    format: OutputFormat.CJS,
    externalModules: [...layerModules, ...unusedOptionalModules],
    inject: [lambdaPrelude],
  };
}

/**
 * `eventlineBundling`'s options as esbuild's own build API takes them: what the infra test, the
 * lazy source-map test and the cold-start benchmark build with, so they build as the CDK does.
 */
export function esbuildOptionsOf(bundling: ReturnType<typeof eventlineBundling>): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: bundling.target,
    minify: bundling.minify,
    sourcemap: bundling.sourceMap,
    sourcesContent: bundling.sourcesContent,
    external: bundling.externalModules,
    inject: bundling.inject,
  };
}

/**
 * The variables of the resources a function calls over HTTP(S): OpenSearch, SES, Cognito
 * (environmentFor in manifest-function.ts sets them from the function's `uses`).
 */
const httpServiceVariables = [EnvNames.openSearchEndpoint, EnvNames.sesConfigurationSet, EnvNames.cognitoUserPoolId];

/**
 * Whether the Powertools tracer runs in a function: only where it records something Lambda's own
 * active tracing does not, i.e. the HTTP calls it captures (OpenSearch, SES, Cognito). Kafka,
 * MySQL and Valkey speak their own protocols, which the X-Ray SDK does not see; loading it there
 * only cost cold-start time (the X-Ray SDK is the largest module a handler loads at init).
 * Every function keeps active tracing: its invocation segments are recorded by Lambda.
 */
export function callsHttpServices(environment: Record<string, string>): boolean {
  return httpServiceVariables.some((name) => name in environment);
}

/** The deployed name of a function: `<stage prefix>-<manifest name>` (dashboards and alarms use it). */
export function physicalFunctionName(config: StageConfig, name: string): string {
  return `${config.prefix}-${name}`;
}

/**
 * How every Eventline Lambda function is built: Node.js 22 on arm64, bundled by esbuild
 * (minified, with a source map read when a stack trace is first formatted), the shared
 * runtime-deps layer for the heavy drivers, X-Ray tracing, and a log group with the stage's
 * retention.
 */
export class EventlineFunction extends NodejsFunction {
  /** `eventline-<stage>-<name>`: the name alarms and dashboards use. */
  readonly deployedName: string;
  /** The handler file, relative to the repository root (what the bundle is built from). */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: EventlineFunctionProps) {
    const { config } = props;
    const functionName = physicalFunctionName(config, props.name);
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: config.logs.retention,
      removalPolicy: config.removalPolicy,
    });
    const afterBundling = props.afterBundling;
    super(scope, id, {
      functionName,
      description: props.description,
      entry: fromRepoRoot(props.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      logGroup,
      layers: [props.layer.layer],
      environment: {
        POWERTOOLS_TRACE_ENABLED: String(callsHttpServices(props.environment)),
        ...props.environment,
      },
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            securityGroups: [props.network.securityGroup],
          }
        : {}),
      bundling: {
        // The layer provides the drivers and the AWS SDK clients (at the versions locked in
        // layers/runtime-deps, equal to package-lock.json's), so behaviour doesn't depend on the
        // runtime's own SDK; everything else a handler imports is bundled.
        ...eventlineBundling(props.layer.externalModules),
        ...(afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling,
              },
            }
          : {}),
      },
    });
    this.deployedName = functionName;
    this.entry = props.entry;
  }
}
