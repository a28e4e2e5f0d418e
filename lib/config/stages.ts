import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Every size, limit and threshold of a deployment, per stage, in this one file. Stacks read a
 * `StageConfig` and never hard-code a size: to make dev cheaper or prod bigger, edit here.
 */
export type StageName = 'dev' | 'prod';

export const stageNames: readonly StageName[] = ['dev', 'prod'];

/** Interface VPC endpoints the network stack can create (see network-stack.ts for why each). */
export type InterfaceEndpointName =
  | 'secretsManager'
  | 'sts'
  | 'sqs'
  | 'kafka'
  | 'lambda'
  | 'logs'
  | 'monitoring'
  | 'xray'
  | 'ses';

export interface StageConfig {
  readonly stage: StageName;
  /** Prefix of every physical name (`eventline-dev-...`), so stages can share an account. */
  readonly prefix: string;
  readonly network: {
    /** Upper bound; an environment-agnostic synth (no account/region) always gets 2 AZs. */
    readonly maxAzs: number;
    readonly natGateways: number;
    readonly interfaceEndpoints: readonly InterfaceEndpointName[];
  };
  readonly kafka: {
    /** A version Amazon MSK offers; the local services run the same minor (3.9). */
    readonly kafkaVersion: string;
    readonly brokerInstanceType: string;
    /** Brokers per AZ; MSK needs the broker count to be a multiple of the subnet count. */
    readonly brokersPerAz: number;
    readonly volumeSizeGb: number;
    /** Server defaults for new topics: acks=all is only durable with min.insync.replicas >= 2. */
    readonly defaultReplicationFactor: number;
    readonly minInsyncReplicas: number;
    readonly enhancedMonitoring: 'DEFAULT' | 'PER_BROKER' | 'PER_TOPIC_PER_BROKER' | 'PER_TOPIC_PER_PARTITION';
  };
  readonly search: {
    readonly dataNodeInstanceType: string;
    readonly dataNodes: number;
    /** 0 = no dedicated masters (dev). */
    readonly masterNodes: number;
    readonly masterNodeInstanceType: string;
    readonly volumeSizeGb: number;
    /**
     * Create OpenSearch's service-linked role (AWSServiceRoleForAmazonOpenSearchService), which a
     * VPC domain needs. An account has it once: creating it again fails, so this is off and the
     * first deploy into a fresh account turns it on (`-c createSearchServiceLinkedRole=true`).
     */
    readonly createServiceLinkedRole: boolean;
  };
  readonly database: {
    /** `ec2.InstanceType` notation without the `db.` prefix. */
    readonly instanceType: string;
    readonly allocatedStorageGb: number;
    readonly maxAllocatedStorageGb: number;
    readonly multiAz: boolean;
    readonly backupRetentionDays: number;
    readonly deletionProtection: boolean;
    readonly performanceInsights: boolean;
    readonly secretRotationDays: number;
  };
  readonly cache: {
    readonly maxDataStorageGb: number;
    readonly maxEcpuPerSecond: number;
    readonly snapshotRetentionDays: number;
  };
  readonly functions: {
    /**
     * The account's Lambda concurrency quota the stage may plan with (1000 by default). Kafka
     * clients' reserved concurrency (lib/config/kafka-connections.ts) is bounded by it.
     */
    readonly accountConcurrency: number;
  };
  /** Provisioned event pollers of every MSK event-source mapping (1 poller ≈ 5 MB/s). */
  readonly consumers: {
    readonly minimumPollers: number;
    readonly maximumPollers: number;
  };
  readonly logs: {
    readonly retention: RetentionDays;
  };
  readonly api: {
    /** Default stage throttling (steady requests/s and burst). Allezon asks for 1000 tags/s. */
    readonly rateLimit: number;
    readonly burstLimit: number;
  };
  readonly alarms: {
    /** Errors (sum over 5 minutes) at or above which a function alarms. */
    readonly functionErrors: number;
    /** p99 duration at or above this share of the function's timeout alarms. */
    readonly durationP99ShareOfTimeout: number;
    /** Throttles (sum over 5 minutes) at or above which a function alarms. */
    readonly functionThrottles: number;
    /** Consumer OffsetLag (max, 3 consecutive minutes) at or above which a consumer alarms. */
    readonly offsetLag: number;
    /** Messages in a dead-letter queue at or above which it alarms. */
    readonly deadLetterMessages: number;
    /** API 5xx responses (sum over 5 minutes). */
    readonly api5xx: number;
  };
  /** What `cdk destroy` does to stateful resources (dev: delete; prod: keep). */
  readonly removalPolicy: RemovalPolicy;
  readonly mail: {
    /** Default sender; override with `-c mailFrom=...` (the SES identity is this address or `-c mailDomain`). */
    readonly fromAddress: string;
  };
  readonly accounts: {
    /** Cognito feature plan: `plus` adds threat protection (billed per active user). */
    readonly featurePlan: 'essentials' | 'plus';
    /** Confirm sign-ups without the emailed code (dev only: no human click needed). */
    readonly autoConfirm: boolean;
  };
}

const dev: StageConfig = {
  stage: 'dev',
  prefix: 'eventline-dev',
  network: {
    maxAzs: 2,
    natGateways: 1,
    // sqs: required in the MSK VPC for the event-source mappings' on-failure destination.
    // secretsManager + sts: credentials never leave the VPC. Everything else uses the NAT gateway.
    interfaceEndpoints: ['sqs', 'secretsManager', 'sts'],
  },
  kafka: {
    kafkaVersion: '3.9.x',
    brokerInstanceType: 'kafka.t3.small',
    brokersPerAz: 1,
    volumeSizeGb: 20,
    defaultReplicationFactor: 2,
    minInsyncReplicas: 1,
    enhancedMonitoring: 'DEFAULT',
  },
  search: {
    dataNodeInstanceType: 't3.small.search',
    dataNodes: 1,
    masterNodes: 0,
    masterNodeInstanceType: 'm7g.large.search',
    volumeSizeGb: 10,
    createServiceLinkedRole: false,
  },
  database: {
    instanceType: 't4g.small',
    allocatedStorageGb: 20,
    maxAllocatedStorageGb: 50,
    multiAz: false,
    backupRetentionDays: 1,
    deletionProtection: false,
    performanceInsights: false,
    secretRotationDays: 30,
  },
  cache: { maxDataStorageGb: 1, maxEcpuPerSecond: 5000, snapshotRetentionDays: 1 },
  functions: { accountConcurrency: 1000 },
  consumers: { minimumPollers: 1, maximumPollers: 3 },
  logs: { retention: RetentionDays.ONE_WEEK },
  api: { rateLimit: 200, burstLimit: 400 },
  alarms: {
    functionErrors: 5,
    durationP99ShareOfTimeout: 0.8,
    functionThrottles: 1,
    offsetLag: 10_000,
    deadLetterMessages: 1,
    api5xx: 10,
  },
  removalPolicy: RemovalPolicy.DESTROY,
  mail: { fromAddress: 'no-reply@example.com' },
  accounts: { featurePlan: 'essentials', autoConfirm: true },
};

const prod: StageConfig = {
  stage: 'prod',
  prefix: 'eventline-prod',
  network: {
    maxAzs: 3,
    natGateways: 3,
    interfaceEndpoints: ['sqs', 'secretsManager', 'sts', 'kafka', 'lambda', 'logs', 'monitoring', 'xray', 'ses'],
  },
  kafka: {
    kafkaVersion: '3.9.x',
    brokerInstanceType: 'kafka.m7g.large',
    brokersPerAz: 1,
    volumeSizeGb: 500,
    defaultReplicationFactor: 3,
    minInsyncReplicas: 2,
    enhancedMonitoring: 'PER_TOPIC_PER_BROKER',
  },
  search: {
    dataNodeInstanceType: 'r7g.large.search',
    dataNodes: 3,
    masterNodes: 3,
    masterNodeInstanceType: 'm7g.large.search',
    volumeSizeGb: 100,
    createServiceLinkedRole: false,
  },
  database: {
    instanceType: 'r7g.large',
    allocatedStorageGb: 100,
    maxAllocatedStorageGb: 1000,
    multiAz: true,
    backupRetentionDays: 14,
    deletionProtection: true,
    performanceInsights: true,
    secretRotationDays: 30,
  },
  cache: { maxDataStorageGb: 10, maxEcpuPerSecond: 100_000, snapshotRetentionDays: 7 },
  functions: { accountConcurrency: 1000 },
  consumers: { minimumPollers: 1, maximumPollers: 20 },
  logs: { retention: RetentionDays.ONE_MONTH },
  api: { rateLimit: 2000, burstLimit: 4000 },
  alarms: {
    functionErrors: 10,
    durationP99ShareOfTimeout: 0.8,
    functionThrottles: 1,
    offsetLag: 50_000,
    deadLetterMessages: 1,
    api5xx: 50,
  },
  removalPolicy: RemovalPolicy.RETAIN,
  mail: { fromAddress: 'no-reply@example.com' },
  accounts: { featurePlan: 'plus', autoConfirm: false },
};

const stages: Record<StageName, StageConfig> = { dev, prod };

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (stageNames as readonly string[]).includes(value);
}

export function stageConfig(stage: StageName): StageConfig {
  return stages[stage];
}
