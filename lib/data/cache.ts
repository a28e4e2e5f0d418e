import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

export interface ValkeyCacheProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
}

/**
 * What the functions' cache user may do: only keys under Eventline's prefix (every key the redis
 * adapter writes starts with `eventline:`), every command except the dangerous ones (FLUSHALL,
 * KEYS, CONFIG, DEBUG, …). test/contract/cache-auth.contract.test.ts gives a local Redis user this
 * exact string and runs the adapter under it.
 */
export const cacheAppUserAccessString = 'on ~eventline:* +@all -@dangerous';

/**
 * ElastiCache Serverless for Valkey 8 in the isolated subnets. Serverless caches always encrypt
 * in transit (TLS only) and at rest (here with the data key); usage limits cap the bill. The
 * redis adapter connects in cluster mode with TLS to `endpoint` (`host:port`).
 *
 * Access is authenticated (role-based access control): the cache has a user group holding one
 * password user for the functions, whose username and generated password live in `secret`. The
 * account-wide `default` user (no password) is not in the group, so a connection that does not
 * log in is refused; a Valkey user group admits only users with a password or IAM, and unlike a
 * Redis OSS group it needs no `default` member.
 */
export class ValkeyCache extends Construct {
  readonly cache: elasticache.CfnServerlessCache;
  readonly securityGroup: ec2.SecurityGroup;
  /** `host:port`, the CACHE_ENDPOINT format lambdas/platform/cache/redis-cache.ts reads. */
  readonly endpoint: string;
  /** `{"username", "password"}` of the functions' cache user (CACHE_SECRET_ARN). */
  readonly secret: secretsmanager.Secret;
  readonly appUser: elasticache.CfnUser;
  readonly userGroup: elasticache.CfnUserGroup;

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

    // User ids are account-wide and lower case; the stage prefix keeps dev and prod apart.
    const userName = `${config.prefix}-app`;
    this.secret = new secretsmanager.Secret(this, 'AppUserSecret', {
      secretName: `${config.prefix}/valkey/app`,
      description: 'Eventline functions: username and password of the Valkey cache user',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: userName }),
        generateStringKey: 'password',
        // ElastiCache passwords are 16-128 printable characters without some punctuation; letters
        // and digits only keeps clear of every such rule (64 of them: ~380 bits).
        excludePunctuation: true,
        includeSpace: false,
        passwordLength: 64,
      },
    });
    this.appUser = new elasticache.CfnUser(this, 'AppUser', {
      engine: 'valkey',
      userId: userName,
      userName,
      accessString: cacheAppUserAccessString,
      // A dynamic reference: CloudFormation resolves it at deploy time, the template holds no password.
      authenticationMode: {
        Type: 'password',
        Passwords: [this.secret.secretValueFromJson('password').unsafeUnwrap()],
      },
    });
    this.userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine: 'valkey',
      userGroupId: `${config.prefix}-cache-users`,
      userIds: [this.appUser.ref],
    });

    const subnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    this.cache = new elasticache.CfnServerlessCache(this, 'Cache', {
      serverlessCacheName: `${config.prefix}-cache`,
      description: 'Eventline read-through cache',
      engine: 'valkey',
      majorEngineVersion: '8',
      subnetIds: subnets.subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      kmsKeyId: props.encryptionKey.keyArn,
      userGroupId: this.userGroup.ref,
      cacheUsageLimits: {
        dataStorage: { maximum: config.cache.maxDataStorageGb, unit: 'GB' },
        ecpuPerSecond: { maximum: config.cache.maxEcpuPerSecond },
      },
      snapshotRetentionLimit: config.cache.snapshotRetentionDays,
      dailySnapshotTime: '03:00',
    });
    // A retained cache keeps its user group (a group in use cannot be deleted), its user and the
    // password: all four share the stage's removal policy.
    for (const resource of [this.cache, this.userGroup, this.appUser]) resource.applyRemovalPolicy(config.removalPolicy);
    this.secret.applyRemovalPolicy(config.removalPolicy);
    this.endpoint = `${this.cache.attrEndpointAddress}:${Token.asString(this.cache.attrEndpointPort)}`;
  }
}
