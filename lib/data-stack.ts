import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { StageConfig } from './config/stages';
import { type ZoneSizing, zoneSizing } from './config/zones';
import { ValkeyCache } from './data/cache';
import { Database } from './data/database';
import { KafkaCluster } from './data/kafka-cluster';
import { Mail } from './data/mail';
import { SearchDomain } from './data/search-domain';
import { UserPool } from './data/user-pool';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  /** The functions' security group; every store admits it on its own port. */
  readonly functionsSecurityGroup: ec2.ISecurityGroup;
  readonly mailFrom: string;
  readonly mailDomain?: string;
}

/**
 * Everything stateful, split into one construct per store under lib/data/: MSK (the log),
 * OpenSearch (search projection), RDS MySQL + Proxy (entities and projections), Valkey (cache),
 * SES (mail), Cognito (people's accounts). One customer-managed KMS key (rotated yearly) encrypts MSK, OpenSearch, RDS and
 * Valkey at rest, so one key policy governs who can ever read the data files.
 */
export class DataStack extends Stack {
  readonly encryptionKey: kms.Key;
  readonly kafka: KafkaCluster;
  readonly search: SearchDomain;
  readonly database: Database;
  readonly cache: ValkeyCache;
  readonly mail: Mail;
  readonly users: UserPool;
  /** Broker and zone counts derived from the AZs the VPC really has (synth fails if they don't fit). */
  readonly zones: ZoneSizing;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, vpc } = props;
    const clientSecurityGroup = props.functionsSecurityGroup;
    this.zones = zoneSizing(config, vpc.availabilityZones.length);

    this.encryptionKey = new kms.Key(this, 'DataKey', {
      alias: `alias/${config.prefix}-data`,
      description: 'Eventline data at rest: MSK, OpenSearch, RDS, Valkey',
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
      pendingWindow: Duration.days(7),
    });
    const common = { config, vpc, clientSecurityGroup, encryptionKey: this.encryptionKey, zones: this.zones };

    this.kafka = new KafkaCluster(this, 'Kafka', common);
    this.search = new SearchDomain(this, 'Search', common);
    this.database = new Database(this, 'Database', common);
    this.cache = new ValkeyCache(this, 'Cache', common);
    this.mail = new Mail(this, 'Mail', { config, fromAddress: props.mailFrom, domain: props.mailDomain });
    this.users = new UserPool(this, 'Users', { config });
  }
}
