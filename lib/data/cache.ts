import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

export interface ValkeyCacheProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
}

/**
 * ElastiCache Serverless for Valkey 8 in the isolated subnets. Serverless caches always encrypt
 * in transit (TLS only) and at rest (here with the data key); usage limits cap the bill. The
 * redis adapter connects in cluster mode with TLS to `endpoint` (`host:port`).
 */
export class ValkeyCache extends Construct {
  readonly cache: elasticache.CfnServerlessCache;
  readonly securityGroup: ec2.SecurityGroup;
  /** `host:port`, the CACHE_ENDPOINT format lambdas/platform/cache/redis-cache.ts reads. */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: ValkeyCacheProps) {
    super(scope, id);
    const { config, vpc } = props;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Valkey serverless cache: TLS from Eventline functions',
      allowAllOutbound: false,
    });
    // 6379 is the primary endpoint, 6380 the reader endpoint of a serverless cache.
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcpRange(6379, 6380), 'Valkey from functions');

    const subnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: `${config.prefix}-cache`,
      description: 'Eventline read-through cache',
      engine: 'valkey',
      majorEngineVersion: '8',
      subnetIds: subnets.subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      kmsKeyId: props.encryptionKey.keyArn,
      cacheUsageLimits: {
        dataStorage: { maximum: config.cache.maxDataStorageGb, unit: 'GB' },
        ecpuPerSecond: { maximum: config.cache.maxEcpuPerSecond },
      },
      snapshotRetentionLimit: config.cache.snapshotRetentionDays,
      dailySnapshotTime: '03:00',
    });
    this.cache.applyRemovalPolicy(config.removalPolicy);
    this.endpoint = `${this.cache.attrEndpointAddress}:${Token.asString(this.cache.attrEndpointPort)}`;
  }
}
