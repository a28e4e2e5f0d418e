import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import type { ZoneSizing } from '../config/zones';

export interface SearchDomainProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly zones: ZoneSizing;
}

/**
 * The OpenSearch Service domain, in the VPC's isolated subnets: encrypted at rest with the data
 * key, node-to-node encryption, HTTPS only (TLS 1.2+), slow/application logs in CloudWatch.
 *
 * Access: the domain's resource policy delegates to IAM in this account, so only principals whose
 * own IAM policy allows `es:ESHttp*` on the domain (the functions that `use` search, granted in
 * manifest-function.ts) can call it, and only from inside the VPC (security group). Fine-grained
 * access control is not enabled: it would need a master user and role mappings on top of IAM.
 */
export class SearchDomain extends Construct {
  readonly domain: opensearch.Domain;
  readonly securityGroup: ec2.SecurityGroup;
  /**
   * The domain ARN built from its static name: IAM policies in other stacks use it without a
   * cross-stack export (and cdk-nag reports the `/*` index wildcard under a stable, readable id).
   */
  readonly domainArn: string;

  constructor(scope: Construct, id: string, props: SearchDomainProps) {
    super(scope, id);
    const { config, vpc } = props;
    const zoneCount = props.zones.searchZones;
    const zoneAware = zoneCount > 1;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'OpenSearch domain: HTTPS from Eventline functions',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(443), 'OpenSearch HTTPS from functions');

    const logGroup = (name: string) =>
      new logs.LogGroup(this, name, { retention: config.logs.retention, removalPolicy: config.removalPolicy });
    const slowSearchLogGroup = logGroup('SlowSearchLogs');
    const slowIndexLogGroup = logGroup('SlowIndexLogs');
    const appLogGroup = logGroup('AppLogs');

    // The domain writes its logs through a CloudWatch Logs resource policy. Created here as a plain
    // resource instead of the L2's default custom resource (one less Lambda to deploy and audit).
    const logsPolicy = new logs.ResourcePolicy(this, 'LogsResourcePolicy', {
      resourcePolicyName: `${config.prefix}-opensearch-logs`,
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [slowSearchLogGroup, slowIndexLogGroup, appLogGroup].map((g) => g.logGroupArn),
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      ],
    });

    // 3-28 lowercase characters; the static name lets the access policy name the domain's ARN
    // without referencing the domain itself (a resource cannot reference its own attributes).
    const domainName = `${config.prefix}-search`;
    this.domainArn = Stack.of(this).formatArn({ service: 'es', resource: 'domain', resourceName: domainName });
    const isolated = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnets;
    this.domain = new opensearch.Domain(this, 'Domain', {
      domainName,
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      vpc,
      vpcSubnets: [{ subnets: isolated.slice(0, zoneCount) }],
      securityGroups: [this.securityGroup],
      capacity: {
        dataNodes: config.search.dataNodes,
        dataNodeInstanceType: config.search.dataNodeInstanceType,
        ...(config.search.masterNodes > 0
          ? { masterNodes: config.search.masterNodes, masterNodeInstanceType: config.search.masterNodeInstanceType }
          : {}),
        multiAzWithStandbyEnabled: false,
      },
      zoneAwareness: zoneAware ? { enabled: true, availabilityZoneCount: zoneCount } : { enabled: false },
      ebs: { volumeSize: config.search.volumeSizeGb, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      encryptionAtRest: { enabled: true, kmsKey: props.encryptionKey },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup,
        slowIndexLogEnabled: true,
        slowIndexLogGroup,
        appLogEnabled: true,
        appLogGroup,
      },
      suppressLogsResourcePolicy: true,
      enableAutoSoftwareUpdate: true,
      removalPolicy: config.removalPolicy,
    });
    this.domain.node.addDependency(logsPolicy);

    // A VPC domain needs OpenSearch's service-linked role (it places the domain's network
    // interfaces). The account has it once; the stage creates it only when asked (a fresh account),
    // and keeps it on `cdk destroy`: other domains of the account may rely on it.
    if (config.search.createServiceLinkedRole) {
      const serviceLinkedRole = new iam.CfnServiceLinkedRole(this, 'ServiceLinkedRole', {
        awsServiceName: 'opensearchservice.amazonaws.com',
        description: 'OpenSearch Service: network interfaces of VPC domains (created by Eventline)',
      });
      serviceLinkedRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.domain.node.addDependency(serviceLinkedRole);
    }

    // Set on the L1 directly: the L2's `accessPolicies` applies them through a custom resource.
    const cfnDomain = this.domain.node.defaultChild as opensearch.CfnDomain;
    cfnDomain.accessPolicies = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          principals: [new iam.AccountRootPrincipal()],
          actions: ['es:ESHttp*'],
          resources: [`${this.domainArn}/*`],
        }),
      ],
    }).toJSON();
  }
}
