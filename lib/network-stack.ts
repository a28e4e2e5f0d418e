import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { InterfaceEndpointName, StageConfig } from './config/stages';

/** The VPC's address range, as a literal so security-group rules (and cdk-nag) can read it. */
export const vpcCidr = '10.40.0.0/16';

export interface NetworkStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Which AWS service each endpoint name stands for, and who calls it from inside the VPC. */
const interfaceEndpointServices: Record<InterfaceEndpointName, ec2.InterfaceVpcEndpointAwsService> = {
  // Lambda's MSK pollers write failed-batch records to the SQS dead-letter queues: the docs require
  // an endpoint for the on-failure destination inside the cluster's VPC.
  sqs: ec2.InterfaceVpcEndpointAwsService.SQS,
  // Functions read the database secret; RDS Proxy and the rotation function read and write it.
  secretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  sts: ec2.InterfaceVpcEndpointAwsService.STS,
  // `kafka:GetBootstrapBrokers` (the bus adapter resolves brokers from the cluster ARN).
  kafka: ec2.InterfaceVpcEndpointAwsService.KAFKA,
  lambda: ec2.InterfaceVpcEndpointAwsService.LAMBDA,
  logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  xray: ec2.InterfaceVpcEndpointAwsService.XRAY,
  // The SES API (the mailer uses SendEmail/SendRawEmail, not SMTP).
  ses: ec2.InterfaceVpcEndpointAwsService.EMAIL,
};

/**
 * The VPC everything stateful lives in:
 * - `public`: NAT gateways only;
 * - `private` (with egress): Lambda functions, MSK brokers, RDS Proxy;
 * - `isolated` (no route out): the RDS instance, the OpenSearch domain, the Valkey cache.
 * Flow logs go to CloudWatch Logs. `functionsSecurityGroup` is the one security group every
 * VPC-attached function uses; the data stores admit it on their ports (data-stack.ts), so the
 * functions stack never has to add rules to another stack's security groups (no reference cycles).
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly functionsSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.logs.retention,
      removalPolicy: config.removalPolicy,
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(vpcCidr),
      maxAzs: config.network.maxAzs,
      natGateways: config.network.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // S3 gateway endpoints are free and keep S3 traffic (asset downloads, SAR) off the NAT.
      gatewayEndpoints: { s3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });

    if (config.network.interfaceEndpoints.length > 0) {
      const endpointsSecurityGroup = new ec2.SecurityGroup(this, 'EndpointsSecurityGroup', {
        vpc: this.vpc,
        description: 'Interface VPC endpoints: HTTPS from inside the VPC',
        allowAllOutbound: false,
      });
      endpointsSecurityGroup.addIngressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      for (const name of config.network.interfaceEndpoints) {
        this.vpc.addInterfaceEndpoint(`${pascal(name)}Endpoint`, {
          service: interfaceEndpointServices[name],
          subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
          privateDnsEnabled: true,
          securityGroups: [endpointsSecurityGroup],
          open: false,
        });
      }
    }

    this.functionsSecurityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: this.vpc,
      description: 'Eventline Lambda functions (admitted by MSK, RDS Proxy, OpenSearch and Valkey)',
      allowAllOutbound: true,
    });
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
