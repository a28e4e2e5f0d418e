import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { EnvNames } from '../lambdas/platform/config';
import type { Manifest, MigrationFolder, TopicSpec } from '../lambdas/platform/manifest-types';
import { applicationUserPrivileges } from '../lambdas/platform/sql/application-user';
import { migrationsDirEnv } from '../lambdas/platform/sql/migrate';
import type { StageConfig } from './config/stages';
import { EventlineFunction } from './constructs/eventline-function';
import { KafkaArns } from './constructs/kafka-arns';
import { environmentFor, grantSearch, type PlatformResources } from './constructs/manifest-function';
import { RuntimeDepsLayer } from './constructs/runtime-deps-layer';
import { fromRepoRoot } from './paths';

/** Where each capability's migration folder lands next to the bundle: `migrations/<namespace>/`. */
const migrationsInBundle = 'migrations';

export interface SchemaStackProps extends StackProps {
  readonly config: StageConfig;
  /** The manifest's topics, migration folders and search indexes. */
  readonly manifest: Pick<Manifest, 'topics' | 'migrations' | 'searchIndexes'>;
  readonly platform: PlatformResources;
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * Deploy-time setup of the stores' contents, as custom resources (CDK Provider framework) whose
 * handlers live in lambdas/platform/deploy/ and reuse the platform code the local runtime uses:
 * - Kafka topics from the manifest (re-run when the topic list changes);
 * - SQL migrations of every capability, in the manifest's order (re-run when a file changes), then
 *   the functions' database user (DML only), as the admin;
 * - OpenSearch indices the capabilities declare (re-run when the definitions change).
 * Functions deploy after this stack, so no handler ever runs against a missing topic or table.
 */
export class SchemaStack extends Stack {
  readonly topics: ConvergingResource;
  readonly migrations: ConvergingResource;
  readonly indexes: ConvergingResource;

  constructor(scope: Construct, id: string, props: SchemaStackProps) {
    super(scope, id, props);
    const { config, platform, manifest } = props;
    const network = { vpc: props.vpc, securityGroup: props.securityGroup };
    const layer = new RuntimeDepsLayer(this, 'RuntimeDeps');
    const base = { config, layer, network };

    const topicsFn = new EventlineFunction(this, 'KafkaTopicsHandler', {
      ...base,
      entry: 'lambdas/platform/deploy/kafka-topics.ts',
      name: 'deploy-kafka-topics',
      description: 'Custom resource: creates the manifest Kafka topics on MSK',
      memoryMb: 256,
      timeoutSeconds: 300,
      environment: environmentFor(['bus'], config, platform, 'deploy'),
    });
    grantTopicAdmin(topicsFn, new KafkaArns(this, platform.kafka.clusterArn, platform.kafka.clusterName), manifest.topics);
    this.topics = new ConvergingResource(this, 'KafkaTopics', {
      config,
      handler: topicsFn,
      properties: { Topics: JSON.stringify(manifest.topics) },
    });

    const migrationsFn = new EventlineFunction(this, 'SqlMigrationsHandler', {
      ...base,
      entry: 'lambdas/platform/deploy/sql-migrations.ts',
      name: 'deploy-sql-migrations',
      description: 'Custom resource: applies the SQL migrations through RDS Proxy',
      memoryMb: 256,
      timeoutSeconds: 600,
      environment: {
        ...environmentFor(['sql'], config, platform, 'deploy'),
        // The one function that logs in as the admin: DDL, and managing the application user,
        // whose secret it reads to set that user's password.
        [EnvNames.dbSecretArn]: platform.database.adminSecret.secretArn,
        [EnvNames.dbAppSecretArn]: platform.database.appSecret.secretArn,
        [migrationsDirEnv]: `/var/task/${migrationsInBundle}`,
      },
      afterBundling: (inputDir, outputDir) =>
        manifest.migrations.flatMap(({ namespace, directory }) => [
          `mkdir -p "${outputDir}/${migrationsInBundle}/${namespace}"`,
          `cp "${inputDir}/${directory}"/*.sql "${outputDir}/${migrationsInBundle}/${namespace}/"`,
        ]),
    });
    platform.database.adminSecret.grantRead(migrationsFn);
    platform.database.appSecret.grantRead(migrationsFn);
    this.migrations = new ConvergingResource(this, 'SqlMigrations', {
      config,
      handler: migrationsFn,
      properties: {
        Namespaces: JSON.stringify(manifest.migrations.map((m) => m.namespace)),
        MigrationsHash: hashMigrationFolders(manifest.migrations),
        // Also re-run when the application user's secret is replaced or its privileges change.
        ApplicationUserSecret: platform.database.appSecret.secretArn,
        ApplicationUserPrivileges: applicationUserPrivileges.join(','),
      },
    });

    const indexesFn = new EventlineFunction(this, 'SearchIndexesHandler', {
      ...base,
      entry: 'lambdas/platform/deploy/search-indexes.ts',
      name: 'deploy-search-indexes',
      description: 'Custom resource: creates or extends the OpenSearch indices',
      memoryMb: 256,
      timeoutSeconds: 300,
      environment: environmentFor(['search'], config, platform, 'deploy'),
    });
    grantSearch(indexesFn, platform.search.domainArn);
    this.indexes = new ConvergingResource(this, 'SearchIndexes', {
      config,
      handler: indexesFn,
      properties: { Definitions: JSON.stringify(manifest.searchIndexes) },
    });
  }
}

/** Topic administration on exactly the manifest's topics (what `ensureTopics` needs). */
function grantTopicAdmin(fn: EventlineFunction, kafka: KafkaArns, topics: readonly TopicSpec[]): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KafkaConnect',
      actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka:GetBootstrapBrokers'],
      resources: [kafka.clusterArn],
    }),
  );
  if (topics.length === 0) return;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'KafkaManageDeclaredTopics',
      actions: [
        'kafka-cluster:CreateTopic',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:AlterTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:AlterTopicDynamicConfiguration',
      ],
      resources: topics.map((t) => kafka.topic(t.name)),
    }),
  );
}

interface ConvergingResourceProps {
  readonly config: StageConfig;
  readonly handler: EventlineFunction;
  readonly properties: Record<string, string>;
}

/** A Provider (framework Lambda with its own log group) and the custom resource it serves. */
export class ConvergingResource extends Construct {
  readonly handler: EventlineFunction;
  readonly provider: cr.Provider;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ConvergingResourceProps) {
    super(scope, id);
    this.handler = props.handler;
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.handler,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.config.logs.retention,
        removalPolicy: props.config.removalPolicy,
      }),
    });
    this.provider = provider;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: `Custom::Eventline${id}`,
      properties: props.properties,
    });
  }
}

/** Hash of every capability's migrations and their order: any edit, new file or reordering changes it. */
export function hashMigrationFolders(folders: readonly MigrationFolder[]): string {
  return sha256(folders.map((m) => `${m.namespace}\0${hashMigrations(fromRepoRoot(m.directory))}`).join('\0'));
}

/** Hash of every migration file's name and content: any edit or new file changes it. */
export function hashMigrations(directory: string): string {
  const files = fs.existsSync(directory)
    ? fs
        .readdirSync(directory)
        .filter((f) => f.endsWith('.sql'))
        .sort()
    : [];
  const hash = createHash('sha256');
  for (const file of files) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(directory, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
