import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type KafkaSubscriptionSpec, type Manifest, subscriptionsOf } from '../lambdas/platform/manifest-types';
import type { StageConfig } from './config/stages';
import { constructIdOf } from './functions-stack';

export interface ConsumersStackProps extends StackProps {
  readonly config: StageConfig;
  readonly manifest: Manifest;
  readonly clusterArn: string;
  readonly functionOf: (name: string) => lambda.IFunction;
}

/** One subscription as deployed: its mapping and (when `deadLetter`) its dead-letter queue. */
export interface DeployedSubscription {
  readonly functionName: string;
  readonly subscription: KafkaSubscriptionSpec;
  readonly mapping: lambda.EventSourceMapping;
  readonly deadLetterQueue?: sqs.Queue;
}

/** An SQS on-failure destination that doesn't touch the function's role (granted here instead). */
class QueueDestination implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(): lambda.DlqDestinationConfig {
    return { destination: this.queue.queueArn };
  }
}

/**
 * One MSK event-source mapping per manifest subscription:
 * - consumer group id from the manifest (one group per sink keeps sinks independent);
 * - batch size, batching window, starting position and retries from the manifest;
 * - provisioned pollers (stage config), which is also what enables Kafka error handling:
 *   bisect-on-error, partial batch responses (`batchItemFailures`) and retry limits;
 * - records that exhaust their retries go to an encrypted SQS queue per subscription
 *   (metadata: topic, partition, offsets, error); the batch then moves on.
 * The dead-letter write permission is added here, as a separate policy on the function's role,
 * so the functions stack never references this stack (no cross-stack cycle).
 */
export class ConsumersStack extends Stack {
  readonly subscriptions: readonly DeployedSubscription[];

  constructor(scope: Construct, id: string, props: ConsumersStackProps) {
    super(scope, id, props);
    const { config } = props;
    const deployed: DeployedSubscription[] = [];

    for (const { fn: spec, subscription } of subscriptionsOf(props.manifest)) {
      const fn = props.functionOf(spec.name);
      const id = constructIdOf(subscription.consumerGroup);

      let deadLetterQueue: sqs.Queue | undefined;
      if (subscription.deadLetter) {
        deadLetterQueue = new sqs.Queue(this, `${id}DeadLetters`, {
          queueName: `${config.prefix}-${subscription.consumerGroup}-dlq`,
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
        });
        const role = fn.role;
        if (!role) throw new Error(`function ${spec.name} has no execution role`);
        const sendPolicy = new iam.Policy(this, `${id}DeadLetterPolicy`, {
          roles: [role],
          statements: [
            new iam.PolicyStatement({
              actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
              resources: [deadLetterQueue.queueArn],
            }),
          ],
        });
        deployed.push(this.mapping(id, spec.name, fn, subscription, props, deadLetterQueue, sendPolicy));
      } else {
        deployed.push(this.mapping(id, spec.name, fn, subscription, props));
      }
    }
    this.subscriptions = deployed;
  }

  private mapping(
    id: string,
    functionName: string,
    fn: lambda.IFunction,
    subscription: KafkaSubscriptionSpec,
    props: ConsumersStackProps,
    deadLetterQueue?: sqs.Queue,
    sendPolicy?: iam.Policy,
  ): DeployedSubscription {
    const mapping = new lambda.EventSourceMapping(this, `${id}Mapping`, {
      target: fn,
      eventSourceArn: props.clusterArn,
      kafkaTopic: subscription.topic,
      kafkaConsumerGroupId: subscription.consumerGroup,
      startingPosition: lambda.StartingPosition[subscription.startingPosition],
      batchSize: subscription.batchSize,
      maxBatchingWindow: Duration.seconds(subscription.maxBatchingWindowSeconds),
      // Unset means retry until the record expires (the manifest's -1).
      retryAttempts: subscription.retryAttempts < 0 ? undefined : subscription.retryAttempts,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      provisionedPollerConfig: {
        minimumPollers: props.config.consumers.minimumPollers,
        maximumPollers: props.config.consumers.maximumPollers,
      },
      metricsConfig: {
        metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS],
      },
      ...(deadLetterQueue ? { onFailure: new QueueDestination(deadLetterQueue) } : {}),
    });
    // The mapping checks its destination permission when it is created.
    if (sendPolicy) mapping.node.addDependency(sendPolicy);
    return { functionName, subscription, mapping, deadLetterQueue };
  }
}
