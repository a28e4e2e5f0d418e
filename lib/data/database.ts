import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

export const databaseName = 'eventline';
const adminUser = 'eventline_admin';
/** The user functions log in as: DML on `eventline` only (lambdas/platform/sql/application-user.ts). */
export const applicationUser = 'eventline_app';
/** MySQL log types exported to CloudWatch (general is off: it logs every statement). */
const exportedLogs = ['error', 'slowquery'] as const;

export interface DatabaseProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
}

/**
 * The engine: RDS for MySQL 8.4 (the LTS line; 8.0 left standard support). CloudFormation needs
 * a full version; RDS applies newer 8.4 minors itself (autoMinorVersionUpgrade), so bump this
 * when RDS retires it. The parameter group family follows the engine (`mysql8.4`).
 */
export const mysqlEngineVersion = rds.MysqlEngineVersion.VER_8_4_10;

/**
 * RDS for MySQL 8.4 behind RDS Proxy.
 * - The instance sits in isolated subnets and admits only the proxy (and the secret-rotation
 *   function); functions reach MySQL through the proxy, which requires TLS.
 * - Credentials: two generated Secrets Manager secrets, each rotated on a schedule by the same
 *   single-user rotation function: the admin's (RDS creates that user; only the SQL-migrations
 *   custom resource reads it) and the application user's `eventline_app` (created and granted
 *   DML only by that custom resource after the migrations; every function reads it, and
 *   lambdas/platform/sql/pool.ts connects with its username/password). The proxy holds both and
 *   logs in to MySQL as whichever user a client names. Proxy IAM authentication is left off: IAM
 *   auth at the proxy would reject those password logins.
 * - Authentication: MySQL 8.4 creates users with `caching_sha2_password` (its
 *   `mysql_native_password` plugin is off by default), and the proxy's client-side
 *   authentication is `MYSQL_CACHING_SHA2_PASSWORD` to match. mysql2 (lambdas/platform/sql/pool.ts)
 *   speaks that plugin; over the proxy's required TLS a full authentication sends the password
 *   inside the TLS session, so no RSA key exchange is needed.
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly proxy: rds.DatabaseProxy;
  /** The admin's credentials (attached to the instance): migrations and user management only. */
  readonly adminSecret: secretsmanager.ISecret;
  /** The application user's credentials (attached to the instance): what functions log in with. */
  readonly appSecret: secretsmanager.ISecret;
  readonly databaseName = databaseName;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { config, vpc } = props;
    const instanceIdentifier = `${config.prefix}-mysql`;

    const instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
      vpc,
      description: 'RDS MySQL instance: MySQL from RDS Proxy and the rotation function only',
      allowAllOutbound: false,
    });
    const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc,
      description: 'RDS Proxy: MySQL (TLS) from Eventline functions',
      allowAllOutbound: true,
    });
    proxySecurityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(3306), 'MySQL via proxy from functions');

    // RDS creates these groups on first log line with no expiry; creating them first sets retention
    // without the CDK's log-retention custom resource.
    const logGroups = exportedLogs.map(
      (type) =>
        new logs.LogGroup(this, `${type}Logs`, {
          logGroupName: `/aws/rds/instance/${instanceIdentifier}/${type}`,
          retention: config.logs.retention,
          removalPolicy: config.removalPolicy,
        }),
    );

    const engine = rds.DatabaseInstanceEngine.mysql({ version: mysqlEngineVersion });
    // An explicit group (family mysql8.4, from the engine) instead of the default one: a later
    // parameter change is an in-place edit, not a group swap that needs a reboot.
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `Eventline MySQL ${mysqlEngineVersion.mysqlMajorVersion} parameters`,
      parameters: {},
    });
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier,
      engine,
      parameterGroup,
      instanceType: new ec2.InstanceType(config.database.instanceType),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [instanceSecurityGroup],
      credentials: rds.Credentials.fromGeneratedSecret(adminUser, { secretName: `${config.prefix}/mysql/admin` }),
      databaseName,
      allocatedStorage: config.database.allocatedStorageGb,
      maxAllocatedStorage: config.database.maxAllocatedStorageGb,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      storageEncryptionKey: props.encryptionKey,
      multiAz: config.database.multiAz,
      backupRetention: Duration.days(config.database.backupRetentionDays),
      deletionProtection: config.database.deletionProtection,
      enablePerformanceInsights: config.database.performanceInsights,
      ...(config.database.performanceInsights ? { performanceInsightEncryptionKey: props.encryptionKey } : {}),
      iamAuthentication: true,
      cloudwatchLogsExports: [...exportedLogs],
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
      removalPolicy: config.removalPolicy,
    });
    for (const group of logGroups) this.instance.node.addDependency(group);
    if (!this.instance.secret) throw new Error('a generated-secret instance always has a secret');
    this.adminSecret = this.instance.secret;
    // The credentials share the instance's fate: a retained database whose secret was deleted (the
    // CloudFormation default for a secret) could only be opened again by resetting its password.
    // `instance.secret` is the target attachment; the secret itself is the instance's `Secret` child.
    const generatedSecret = this.instance.node.tryFindChild('Secret');
    if (!(generatedSecret instanceof secretsmanager.Secret)) throw new Error('the generated secret was not found');
    generatedSecret.applyRemovalPolicy(config.removalPolicy);

    const rotationAfter = Duration.days(config.database.secretRotationDays);
    const adminRotation = this.instance.addRotationSingleUser({
      automaticallyAfter: rotationAfter,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });

    // The application user's password, generated like the admin's (DatabaseSecret's default
    // `excludeCharacters` is the one Credentials.fromGeneratedSecret used) and attached to the
    // instance, so the secret carries host, port and engine for the rotation function.
    const appUserSecret = new rds.DatabaseSecret(this, 'AppUserSecret', {
      username: applicationUser,
      secretName: `${config.prefix}/mysql/app`,
    });
    appUserSecret.applyRemovalPolicy(config.removalPolicy);
    this.appSecret = appUserSecret.attach(this.instance);
    // Its own schedule, run by the admin secret's rotation function: the single-user MySQL
    // function logs in as the secret's own user and changes its own password (`SET PASSWORD`), and
    // the serverless application's role may rotate any secret whose rotation function it is
    // (the `secretsmanager:resource/AllowRotationLambdaArn` condition), so a second one would only
    // duplicate it with its own network interfaces. Not rotated on deploy: the user exists only
    // once the schema stack's migrations created it, and a rotation before that finds nobody to
    // log in as; the first rotation comes a rotation period later.
    const rotationFunction = adminRotation.node.tryFindChild('RotationLambda') as lambda.IFunction | undefined;
    if (!rotationFunction?.functionArn) throw new Error("the admin secret's rotation function was not found");
    this.appSecret.addRotationSchedule('RotationSchedule', {
      rotationLambda: rotationFunction,
      automaticallyAfter: rotationAfter,
      rotateImmediatelyOnUpdate: false,
    });

    this.proxy = this.instance.addProxy('Proxy', {
      dbProxyName: `${config.prefix}-mysql-proxy`,
      // One authentication entry per user: the proxy logs in to MySQL as the user a client names.
      secrets: [this.adminSecret, this.appSecret],
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      iamAuth: false,
      clientPasswordAuthType: rds.ClientPasswordAuthType.MYSQL_CACHING_SHA2_PASSWORD,
      idleClientTimeout: Duration.minutes(15),
      maxConnectionsPercent: 90,
    });
    instanceSecurityGroup.addIngressRule(proxySecurityGroup, ec2.Port.tcp(3306), 'MySQL from RDS Proxy');
  }
}
