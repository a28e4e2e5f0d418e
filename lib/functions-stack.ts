import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { Manifest } from '../lambdas/platform/manifest-types';
import { type KafkaConnectionPlan, kafkaConnectionPlan } from './config/kafka-connections';
import type { StageConfig } from './config/stages';
import { ManifestFunction, type PlatformResources } from './constructs/manifest-function';
import { RuntimeDepsLayer } from './constructs/runtime-deps-layer';

export interface FunctionsStackProps extends StackProps {
  readonly config: StageConfig;
  readonly manifest: Manifest;
  readonly platform: PlatformResources;
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * Every function of the manifest, with its IAM, in one stack. The trigger stacks (api,
 * consumers, schedules) and observability reference these functions, never the other way round,
 * so stack dependencies only point one way:
 * network → data → schema → functions → api | consumers | schedules → observability.
 */
export class FunctionsStack extends Stack {
  readonly functions: ReadonlyMap<string, ManifestFunction>;
  /** How the functions that connect to Kafka are bounded (the synth fails if they cannot be). */
  readonly kafkaConnections: KafkaConnectionPlan;

  constructor(scope: Construct, id: string, props: FunctionsStackProps) {
    super(scope, id, props);
    // kafka.t3.small brokers admit 4 new IAM connections a second: every container of a Kafka
    // client is a connection to each broker, so the clients' concurrency is bounded.
    this.kafkaConnections = kafkaConnectionPlan(props.config, props.manifest);
    const kafkaClients = new Set(this.kafkaConnections.clientFunctions);
    // Each stack that has functions gets its own version of the same layer asset (bundled once,
    // uploaded once): no cross-stack export of a layer ARN to untangle on updates.
    const layer = new RuntimeDepsLayer(this, 'RuntimeDeps');
    const functions = new Map<string, ManifestFunction>();
    for (const spec of props.manifest.functions) {
      functions.set(
        spec.name,
        new ManifestFunction(this, constructIdOf(spec.name), {
          spec,
          config: props.config,
          platform: props.platform,
          layer,
          vpc: props.vpc,
          securityGroup: props.securityGroup,
          reservedConcurrency: kafkaClients.has(spec.name) ? this.kafkaConnections.reservedConcurrency : undefined,
        }),
      );
    }
    this.functions = functions;
  }

  function(name: string): ManifestFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no function ${name} in the manifest`);
    return fn;
  }
}

/** `tracking-ingest-tags` → `TrackingIngestTags` (stable logical ids from manifest names). */
export function constructIdOf(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
