import { type App, type Environment, Tags } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { type Manifest, validateManifest } from '../lambdas/platform/manifest-types';
import { ApiStack } from './api-stack';
import { type StageConfig, type StageName, stageConfig } from './config/stages';
import type { PlatformResources } from './constructs/manifest-function';
import { ConsumersStack } from './consumers-stack';
import { applyReferenceStrengths } from './cross-stack';
import { DataStack } from './data-stack';
import { FunctionsStack } from './functions-stack';
import { applyNagSuppressions } from './nag-suppressions';
import { NetworkStack } from './network-stack';
import { ObservabilityStack } from './observability-stack';
import { SchedulesStack } from './schedules-stack';
import { SchemaStack } from './schema-stack';

export interface EventlineAppOptions {
  readonly stage: StageName;
  readonly manifest: Manifest;
  /** Account/region; omitted (or unresolved) means an environment-agnostic synth. */
  readonly env?: Environment;
  readonly mailFrom?: string;
  readonly mailDomain?: string;
  readonly alarmEmail?: string;
  /** Overrides the stage's `search.createServiceLinkedRole` (a fresh account's first deploy). */
  readonly createSearchServiceLinkedRole?: boolean;
}

export interface EventlineStacks {
  readonly config: StageConfig;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly schema: SchemaStack;
  readonly functions: FunctionsStack;
  readonly api: ApiStack;
  readonly consumers: ConsumersStack;
  readonly schedules: SchedulesStack;
  readonly observability: ObservabilityStack;
}

/**
 * Builds the whole deployment of one stage from the manifest. Stack ids (and CloudFormation
 * names) are `Eventline-<stage>-<Concern>`, so `cdk deploy --all -c stage=dev` deploys a stage
 * and dev and prod can live in one account. Dependencies point one way:
 * Network → Data → Schema → Functions → Api | Consumers | Schedules → Observability.
 */
export function buildEventline(app: App, options: EventlineAppOptions): EventlineStacks {
  validateManifest(options.manifest);
  const staged = stageConfig(options.stage);
  const config: StageConfig =
    options.createSearchServiceLinkedRole === undefined
      ? staged
      : { ...staged, search: { ...staged.search, createServiceLinkedRole: options.createSearchServiceLinkedRole } };
  const { manifest, env } = options;
  const id = (concern: string) => `Eventline-${config.stage}-${concern}`;
  const common = { env, config };

  const network = new NetworkStack(app, id('Network'), {
    ...common,
    description: 'Eventline network: VPC, subnets, endpoints, flow logs',
  });
  const data = new DataStack(app, id('Data'), {
    ...common,
    description: 'Eventline data: MSK, OpenSearch, RDS MySQL + Proxy, Valkey, SES',
    vpc: network.vpc,
    functionsSecurityGroup: network.functionsSecurityGroup,
    mailFrom: options.mailFrom ?? config.mail.fromAddress,
    mailDomain: options.mailDomain,
  });

  const platform: PlatformResources = {
    kafka: { clusterArn: data.kafka.clusterArn, clusterName: data.kafka.clusterName },
    database: {
      proxyEndpoint: data.database.proxy.endpoint,
      appSecret: data.database.appSecret,
      adminSecret: data.database.adminSecret,
      databaseName: data.database.databaseName,
    },
    search: { domainArn: data.search.domainArn, domainEndpoint: data.search.domain.domainEndpoint },
    cache: { endpoint: data.cache.endpoint, secret: data.cache.secret },
    mail: {
      identityArn: data.mail.identity.emailIdentityArn,
      configurationSetArn: data.mail.configurationSetArn,
      configurationSetName: data.mail.configurationSetName,
      fromAddress: data.mail.fromAddress,
    },
    identity: {
      userPoolId: data.users.pool.userPoolId,
      userPoolArn: data.users.pool.userPoolArn,
      clientId: data.users.client.userPoolClientId,
      autoConfirm: config.accounts.autoConfirm,
    },
  };
  const inVpc = { vpc: network.vpc, securityGroup: network.functionsSecurityGroup };

  const schema = new SchemaStack(app, id('Schema'), {
    ...common,
    description: 'Eventline schema: Kafka topics, SQL migrations, OpenSearch indices (custom resources)',
    manifest,
    platform,
    ...inVpc,
  });
  const functions = new FunctionsStack(app, id('Functions'), {
    ...common,
    description: 'Eventline functions: every function of lambdas/manifest.ts',
    manifest,
    platform,
    ...inVpc,
  });
  // Code goes out only after its topics, tables and indices exist.
  functions.addStackDependency(schema, 'functions need the topics, tables and indices');
  const functionOf = (name: string): lambda.IFunction => functions.function(name);

  const api = new ApiStack(app, id('Api'), {
    ...common,
    description: 'Eventline API: HTTP API routes from the manifest',
    manifest,
    functionOf,
    userPool: { pool: data.users.pool, client: data.users.client },
  });
  const consumers = new ConsumersStack(app, id('Consumers'), {
    ...common,
    description: 'Eventline consumers: MSK event-source mappings from the manifest',
    manifest,
    clusterArn: data.kafka.clusterArn,
    functionOf,
  });
  const schedules = new SchedulesStack(app, id('Schedules'), {
    ...common,
    description: 'Eventline schedules: EventBridge Scheduler from the manifest',
    manifest,
    functionOf,
  });
  const observability = new ObservabilityStack(app, id('Observability'), {
    ...common,
    description: 'Eventline observability: dashboard and alarms from the manifest',
    manifest,
    apiId: api.api.apiId,
    subscriptions: consumers.subscriptions,
    scheduleDeadLetterQueue: schedules.deadLetterQueue,
    alarmEmail: options.alarmEmail,
  });
  // Alarms name functions by their (static) physical names: deploy them after the functions.
  observability.addStackDependency(functions, 'alarms watch the deployed functions');

  const stacks: EventlineStacks = { config, network, data, schema, functions, api, consumers, schedules, observability };
  for (const stack of [network, data, schema, functions, api, consumers, schedules, observability]) {
    Tags.of(stack).add('project', 'eventline');
    Tags.of(stack).add('stage', config.stage);
  }
  applyReferenceStrengths(stacks);
  applyNagSuppressions(stacks);
  return stacks;
}
