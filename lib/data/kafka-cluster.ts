import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import type { ZoneSizing } from '../config/zones';

/** MSK's port for SASL/IAM over TLS: the only listener Eventline enables. */
export const mskIamPort = 9098;

export interface KafkaClusterProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly zones: ZoneSizing;
}

/**
 * A provisioned Amazon MSK cluster (L1: the MSK L2 is still alpha): IAM access control only
 * (no unauthenticated or plaintext listener), TLS between clients and brokers and between
 * brokers, data volumes encrypted with the data key, broker logs in CloudWatch, and server
 * defaults that make `acks=all` mean "on min.insync.replicas brokers". Topics are not
 * auto-created: the schema stack creates exactly the manifest's topics.
 */
export class KafkaCluster extends Construct {
  readonly cluster: msk.CfnCluster;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const { config, vpc } = props;
    this.clusterName = `${config.prefix}-kafka`;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'MSK brokers: SASL/IAM over TLS from Eventline functions and from Lambda event pollers',
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(props.clientSecurityGroup, ec2.Port.tcp(mskIamPort), 'Kafka clients (IAM/TLS)');
    // The MSK event-source mappings' pollers run with the cluster's own security group: it must
    // admit itself on the broker port (Lambda docs, "Configuring your MSK cluster and network").
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(mskIamPort), 'Lambda event pollers (IAM/TLS)');

    const serverProperties = [
      'auto.create.topics.enable=false',
      `default.replication.factor=${config.kafka.defaultReplicationFactor}`,
      `min.insync.replicas=${config.kafka.minInsyncReplicas}`,
      'unclean.leader.election.enable=false',
    ].join('\n');
    const configuration = new msk.CfnConfiguration(this, 'Configuration', {
      name: `${config.prefix}-kafka-config`,
      description: 'Eventline broker defaults: explicit topics, durable acks=all',
      kafkaVersionsList: [config.kafka.kafkaVersion],
      serverProperties,
    });

    const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', {
      retention: config.logs.retention,
      removalPolicy: config.removalPolicy,
    });

    // One subnet per AZ; MSK needs the broker count to be a multiple of the subnet count.
    const subnets = vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    if (subnets.subnetIds.length !== props.zones.azCount) throw new Error('expected one private subnet per AZ');
    this.cluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName: this.clusterName,
      kafkaVersion: config.kafka.kafkaVersion,
      numberOfBrokerNodes: props.zones.kafkaBrokers,
      brokerNodeGroupInfo: {
        instanceType: config.kafka.brokerInstanceType,
        clientSubnets: subnets.subnetIds,
        securityGroups: [this.securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: config.kafka.volumeSizeGb } },
      },
      clientAuthentication: {
        sasl: { iam: { enabled: true }, scram: { enabled: false } },
        unauthenticated: { enabled: false },
      },
      encryptionInfo: {
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
        encryptionAtRest: { dataVolumeKmsKeyId: props.encryptionKey.keyArn },
      },
      configurationInfo: { arn: configuration.attrArn, revision: configuration.attrLatestRevisionRevision },
      enhancedMonitoring: config.kafka.enhancedMonitoring,
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
    });
    this.cluster.applyRemovalPolicy(config.removalPolicy);
    // Other stacks split this ARN (Fn::Split) to build topic and group ARNs: its reference is
    // strong (Fn::ImportValue, documented inside Fn::Split), as lib/cross-stack.ts makes it.
    this.clusterArn = this.cluster.attrArn;
  }
}
