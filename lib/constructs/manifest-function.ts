import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { EnvNames } from '../../lambdas/platform/config';
import { platformDeclarations } from '../../lambdas/platform/declarations';
import type { FunctionSpec, PlatformResource } from '../../lambdas/platform/manifest-types';
import type { StageConfig } from '../config/stages';
import { EventlineFunction } from './eventline-function';
import { KafkaArns } from './kafka-arns';
import type { RuntimeDepsLayer } from './runtime-deps-layer';

/** What a function can be wired to; built by the app from the data stack (eventline-app.ts). */
export interface PlatformResources {
  readonly kafka: { readonly clusterArn: string; readonly clusterName: string };
  readonly database: {
    readonly proxyEndpoint: string;
    /** The application user's (DML only): what every function that `uses` sql logs in with. */
    readonly appSecret: secretsmanager.ISecret;
    /** The admin's: only the SQL-migrations custom resource gets it (lib/schema-stack.ts). */
    readonly adminSecret: secretsmanager.ISecret;
    readonly databaseName: string;
  };
  readonly search: { readonly domainArn: string; readonly domainEndpoint: string };
  readonly cache: { readonly endpoint: string; readonly secret: secretsmanager.ISecret };
  readonly mail: {
    readonly identityArn: string;
    readonly configurationSetArn: string;
    readonly configurationSetName: string;
    readonly fromAddress: string;
  };
  readonly identity: {
    readonly userPoolId: string;
    readonly userPoolArn: string;
    readonly clientId: string;
    readonly autoConfirm: boolean;
  };
}

/** Resources reached over the VPC: a function using any of them runs in the private subnets. */
const vpcResources: readonly PlatformResource[] = ['bus', 'sql', 'search', 'cache'];

export function needsVpc(spec: FunctionSpec): boolean {
  return spec.uses.some((use) => vpcResources.includes(use)) || (spec.subscriptions?.length ?? 0) > 0;
}

/**
 * The environment a function gets: the backend and stage always, plus the variables of each
 * resource it `uses` (names from lambdas/platform/config.ts, the contract with the adapters).
 */
export function environmentFor(
  uses: readonly PlatformResource[],
  config: StageConfig,
  platform: PlatformResources,
  powertoolsService: string,
): Record<string, string> {
  // One namespace for every custom metric, defined once by the platform's declarations.
  const env: Record<string, string> = {
    [EnvNames.backend]: 'aws',
    [EnvNames.stage]: config.stage,
    POWERTOOLS_SERVICE_NAME: powertoolsService,
    POWERTOOLS_METRICS_NAMESPACE: platformDeclarations.metricNamespace,
  };
  for (const use of new Set(uses)) {
    switch (use) {
      case 'bus':
        env[EnvNames.mskClusterArn] = platform.kafka.clusterArn;
        break;
      case 'sql':
        env[EnvNames.dbProxyEndpoint] = platform.database.proxyEndpoint;
        env[EnvNames.dbSecretArn] = platform.database.appSecret.secretArn;
        env[EnvNames.dbName] = platform.database.databaseName;
        break;
      case 'search':
        env[EnvNames.openSearchEndpoint] = platform.search.domainEndpoint;
        break;
      case 'cache':
        env[EnvNames.cacheEndpoint] = platform.cache.endpoint;
        env[EnvNames.cacheSecretArn] = platform.cache.secret.secretArn;
        break;
      case 'mail':
        env[EnvNames.sesConfigurationSet] = platform.mail.configurationSetName;
        env[EnvNames.mailFrom] = platform.mail.fromAddress;
        break;
      case 'identity':
        env[EnvNames.cognitoUserPoolId] = platform.identity.userPoolId;
        env[EnvNames.cognitoClientId] = platform.identity.clientId;
        env[EnvNames.cognitoAutoConfirm] = String(platform.identity.autoConfirm);
        break;
    }
  }
  return env;
}

export interface ManifestFunctionProps {
  readonly spec: FunctionSpec;
  readonly config: StageConfig;
  readonly platform: PlatformResources;
  readonly layer: RuntimeDepsLayer;
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Reserved concurrency (the Kafka clients' bound, lib/config/kafka-connections.ts). */
  readonly reservedConcurrency?: number;
}

/**
 * One function of the manifest: built the Eventline way (EventlineFunction), placed in the VPC
 * when it talks to a VPC resource, with exactly the IAM its `uses`, `produces` and
 * `subscriptions` need. Triggers (routes, event-source mappings, schedules) are created by the
 * api, consumers and schedules stacks from the same manifest.
 */
export class ManifestFunction extends EventlineFunction {
  readonly spec: FunctionSpec;

  constructor(scope: Construct, id: string, props: ManifestFunctionProps) {
    const { spec, config, platform } = props;
    super(scope, id, {
      config,
      entry: spec.entry,
      name: spec.name,
      description: spec.description,
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
      environment: environmentFor(spec.uses, config, platform, spec.capability),
      layer: props.layer,
      network: needsVpc(spec) ? { vpc: props.vpc, securityGroup: props.securityGroup } : undefined,
      reservedConcurrency: props.reservedConcurrency,
    });
    this.spec = spec;
    const kafka = new KafkaArns(this, platform.kafka.clusterArn, platform.kafka.clusterName);

    if (spec.uses.includes('bus')) this.grantKafkaClient(kafka, spec.produces ?? []);
    if ((spec.subscriptions?.length ?? 0) > 0) this.grantKafkaConsumer(kafka, spec);
    if (spec.uses.includes('sql')) platform.database.appSecret.grantRead(this);
    if (spec.uses.includes('cache')) platform.cache.secret.grantRead(this);
    if (spec.uses.includes('search')) grantSearch(this, platform.search.domainArn);
    if (spec.uses.includes('mail')) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'SendMailWithConfigurationSet',
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          resources: [platform.mail.identityArn, platform.mail.configurationSetArn],
        }),
      );
    }
    if (spec.uses.includes('identity')) {
      // Sign-up, sign-in and refresh are public Cognito calls (no IAM); the admin calls are scoped
      // to this one pool.
      this.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ManageUsersOfThePool',
          actions: [
            'cognito-idp:AdminConfirmSignUp',
            'cognito-idp:AdminGetUser',
            'cognito-idp:AdminListGroupsForUser',
            'cognito-idp:AdminUpdateUserAttributes',
            'cognito-idp:AdminDeleteUser',
            'cognito-idp:AdminAddUserToGroup',
          ],
          resources: [platform.identity.userPoolArn],
        }),
      );
    }
    // `cache`: the security group, TLS and the cache user's password (the secret read above).
  }

  /** Connect and bootstrap; write (idempotently) to exactly the produced topics. */
  private grantKafkaClient(kafka: KafkaArns, produces: readonly string[]): void {
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaConnect',
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka:GetBootstrapBrokers'],
        resources: [kafka.clusterArn],
      }),
    );
    if (produces.length === 0) return;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaIdempotentProducer',
        actions: ['kafka-cluster:WriteDataIdempotently'],
        resources: [kafka.clusterArn],
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaProduceToDeclaredTopics',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        resources: produces.map((topic) => kafka.topic(topic)),
      }),
    );
  }

  /**
   * What the MSK event-source mapping does with this function's execution role: join its
   * consumer groups, read the subscribed topics, and create its pollers' network interfaces in
   * the cluster's subnets (the EC2 describe calls have no resource-level permissions).
   */
  private grantKafkaConsumer(kafka: KafkaArns, spec: FunctionSpec): void {
    const subscriptions = spec.subscriptions ?? [];
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaEventSourceCluster',
        actions: [
          'kafka-cluster:Connect',
          'kafka-cluster:DescribeClusterDynamicConfiguration',
          'kafka:DescribeClusterV2',
          'kafka:GetBootstrapBrokers',
        ],
        resources: [kafka.clusterArn],
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaEventSourceTopics',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: [...new Set(subscriptions.map((s) => s.topic))].map((topic) => kafka.topic(topic)),
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaEventSourceGroups',
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: subscriptions.map((s) => kafka.group(s.consumerGroup)),
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'KafkaEventSourceNetwork',
        actions: ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
        resources: ['*'],
      }),
    );
  }
}

/** HTTP data-plane access to one OpenSearch domain (its indices are paths under the domain ARN). */
export function grantSearch(grantee: iam.IGrantable, domainArn: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'OpenSearchHttp',
      actions: ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', 'es:ESHttpPut', 'es:ESHttpDelete'],
      resources: [domainArn, `${domainArn}/*`],
    }),
  );
}
