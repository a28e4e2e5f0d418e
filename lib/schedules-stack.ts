import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type Manifest, scheduledInvocationTemplate, schedulesOf } from '../lambdas/platform/manifest-types';
import type { StageConfig } from './config/stages';
import { constructIdOf } from './functions-stack';

export interface SchedulesStackProps extends StackProps {
  readonly config: StageConfig;
  readonly manifest: Manifest;
  readonly functionOf: (name: string) => lambda.IFunction;
}

/**
 * One EventBridge Scheduler schedule per manifest schedule, in a schedule group of this stage.
 * Each invokes its function with `scheduledInvocationTemplate(schedule)` as input: the exact
 * payload the local runtime's scheduler sends (Scheduler fills in the scheduled time and
 * execution id). One role may invoke exactly the scheduled functions; invocations Scheduler
 * cannot deliver after its retries go to an encrypted dead-letter queue.
 */
export class SchedulesStack extends Stack {
  readonly group: scheduler.CfnScheduleGroup;
  readonly schedules: readonly scheduler.CfnSchedule[];
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SchedulesStackProps) {
    super(scope, id, props);
    const { config } = props;
    const scheduled = schedulesOf(props.manifest);

    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: config.prefix });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      queueName: `${config.prefix}-schedules-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const targets = [...new Set(scheduled.map(({ fn }) => fn.name))].map((name) => props.functionOf(name));
    const role = new iam.Role(this, 'InvokeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'EventBridge Scheduler: invoke the scheduled Eventline functions',
    });
    if (targets.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: targets.map((fn) => fn.functionArn),
        }),
      );
    }
    this.deadLetterQueue.grantSendMessages(role);

    this.schedules = scheduled.map(({ fn, schedule }) => {
      const cfn = new scheduler.CfnSchedule(this, `${constructIdOf(schedule.name)}Schedule`, {
        name: schedule.name,
        groupName: this.group.ref,
        description: schedule.description,
        scheduleExpression: schedule.expression,
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        target: {
          arn: props.functionOf(fn.name).functionArn,
          roleArn: role.roleArn,
          input: JSON.stringify(scheduledInvocationTemplate(schedule)),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
      });
      return cfn;
    });
  }
}
