import { Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * ARNs of an MSK cluster's Kafka resources, for IAM access control:
 * `arn:aws:kafka:<region>:<account>:{cluster|topic|group}/<cluster-name>/<cluster-uuid>[/<name>]`.
 * The UUID is the third `/`-separated part of the cluster ARN, so every topic and group ARN is
 * exact (no `*` for the cluster, topic or group part).
 */
export class KafkaArns {
  private readonly clusterUuid: string;

  constructor(
    private readonly scope: Construct,
    readonly clusterArn: string,
    readonly clusterName: string,
  ) {
    this.clusterUuid = Fn.select(2, Fn.split('/', clusterArn));
  }

  topic(topicName: string): string {
    return this.arn('topic', topicName);
  }

  group(groupId: string): string {
    return this.arn('group', groupId);
  }

  private arn(resource: 'topic' | 'group', name: string): string {
    return Stack.of(this.scope).formatArn({
      service: 'kafka',
      resource,
      resourceName: `${this.clusterName}/${this.clusterUuid}/${name}`,
    });
  }
}
