import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DashboardMetricSpec, DashboardSectionSpec, FunctionSpec, Manifest } from '../lambdas/platform/manifest-types';
import type { StageConfig } from './config/stages';
import { physicalFunctionName } from './constructs/eventline-function';
import type { DeployedSubscription } from './consumers-stack';
import { constructIdOf } from './functions-stack';

export interface ObservabilityStackProps extends StackProps {
  readonly config: StageConfig;
  readonly manifest: Manifest;
  readonly apiId: string;
  readonly subscriptions: readonly DeployedSubscription[];
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  /** Optional e-mail address subscribed to the alarm topic (`-c alarmEmail=...`). */
  readonly alarmEmail?: string;
}

const fiveMinutes = Duration.minutes(5);
const oneMinute = Duration.minutes(1);

/**
 * One CloudWatch dashboard and the alarms, generated from the manifest (what the seeds did with
 * Kibana): per function errors, p99 duration (against its timeout) and throttles; per consumer
 * its OffsetLag and dead-letter depth; the API's 5xx. Every alarm notifies one SNS topic,
 * encrypted with its own KMS key (which CloudWatch may use to publish).
 */
export class ObservabilityStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly config: StageConfig;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config, manifest } = props;

    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      alias: `alias/${config.prefix}-alarms`,
      description: 'Eventline alarm notifications (SNS)',
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
      pendingWindow: Duration.days(7),
    });
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${config.prefix}-alarms`,
      displayName: `Eventline ${config.stage} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${config.prefix}-overview`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Eventline ${config.stage}\nGenerated from \`lambdas/manifest.ts\`: API, then one row per function, then consumers.`,
        width: 24,
        height: 2,
      }),
    );

    for (const section of manifest.dashboards ?? []) this.capabilitySection(section, props);
    this.apiSection(props);
    for (const spec of manifest.functions) this.functionSection(spec);
    for (const deployed of props.subscriptions) this.consumerSection(deployed);
    this.deadLetterAlarm('SchedulesDeadLetters', 'scheduled invocations', props.scheduleDeadLetterQueue);

    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }));
  }

  /** A capability's own widgets, as its manifest section declares them (business metrics first). */
  private capabilitySection(section: DashboardSectionSpec, props: ObservabilityStackProps): void {
    // Math expressions on one graph need distinct ids: m0, m1, ... by position.
    const toMetric = (spec: DashboardMetricSpec, index: number): cloudwatch.IMetric => {
      switch (spec.kind) {
        case 'custom': {
          const sum = new cloudwatch.Metric({
            namespace: props.manifest.metricNamespace,
            metricName: spec.metricName,
            dimensionsMap: { service: section.capability },
            statistic: spec.statistic ?? 'Sum',
            period: oneMinute,
            label: spec.label,
          });
          return spec.perSecond
            ? new cloudwatch.MathExpression({
                expression: `m${index} / 60`,
                usingMetrics: { [`m${index}`]: sum },
                label: spec.label,
                period: oneMinute,
              })
            : sum;
        }
        case 'function':
        case 'offsetLag':
          return new cloudwatch.Metric({
            namespace: 'AWS/Lambda',
            metricName: spec.kind === 'offsetLag' ? 'OffsetLag' : spec.metricName,
            dimensionsMap: { FunctionName: physicalFunctionName(this.config, spec.function) },
            statistic: spec.kind === 'offsetLag' ? 'Maximum' : spec.statistic,
            period: oneMinute,
            label: spec.label,
          });
        case 'deadLetterQueue': {
          const queue = props.subscriptions.find((d) => d.subscription.consumerGroup === spec.consumerGroup)?.deadLetterQueue;
          if (!queue) throw new Error(`dashboard: consumer group ${spec.consumerGroup} has no dead-letter queue`);
          return queue.metricApproximateNumberOfMessagesVisible({ period: oneMinute, statistic: 'Maximum', label: spec.label });
        }
      }
    };
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${section.title}`, width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...section.widgets.map(
        (widget) => new cloudwatch.GraphWidget({ title: widget.title, left: widget.metrics.map(toMetric), width: 8, height: 6 }),
      ),
    );
  }

  private apiSection(props: ObservabilityStackProps): void {
    const apiMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.apiId },
        statistic,
        period: oneMinute,
        label,
      });
    const errors5xx = apiMetric('5xx', 'Sum', '5xx');
    this.alarm('Api5xx', {
      metric: errors5xx.with({ period: fiveMinutes }),
      threshold: props.config.alarms.api5xx,
      description: `API answered at least ${props.config.alarms.api5xx} 5xx in 5 minutes`,
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [apiMetric('Count', 'Sum', 'requests'), apiMetric('4xx', 'Sum', '4xx'), errors5xx],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency',
        left: [apiMetric('Latency', 'p50', 'p50'), apiMetric('Latency', 'p99', 'p99')],
        width: 12,
      }),
    );
  }

  private functionSection(spec: FunctionSpec): void {
    const { alarms } = this.config;
    const functionName = physicalFunctionName(this.config, spec.name);
    const id = constructIdOf(spec.name);
    const metric = (metricName: string, statistic: string, period = oneMinute) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: functionName },
        statistic,
        period,
        label: `${metricName} ${statistic}`,
      });

    this.alarm(`${id}Errors`, {
      metric: metric('Errors', 'Sum', fiveMinutes),
      threshold: alarms.functionErrors,
      description: `${spec.name}: at least ${alarms.functionErrors} errors in 5 minutes`,
    });
    const durationThreshold = Math.round(spec.timeoutSeconds * 1000 * alarms.durationP99ShareOfTimeout);
    this.alarm(`${id}DurationP99`, {
      metric: metric('Duration', 'p99', fiveMinutes),
      threshold: durationThreshold,
      description: `${spec.name}: p99 duration at least ${durationThreshold} ms (${alarms.durationP99ShareOfTimeout * 100}% of its timeout)`,
    });
    this.alarm(`${id}Throttles`, {
      metric: metric('Throttles', 'Sum', fiveMinutes),
      threshold: alarms.functionThrottles,
      description: `${spec.name}: throttled at least ${alarms.functionThrottles} times in 5 minutes`,
    });

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${spec.name}: invocations`,
        left: [metric('Invocations', 'Sum'), metric('Errors', 'Sum'), metric('Throttles', 'Sum')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `${spec.name}: duration (timeout ${spec.timeoutSeconds}s)`,
        left: [metric('Duration', 'p50'), metric('Duration', 'p99')],
        leftAnnotations: [{ value: durationThreshold, label: 'alarm' }],
        width: 12,
      }),
    );
  }

  /**
   * Consumer lag: Lambda's `OffsetLag` for MSK sources is published per function (dimension
   * `FunctionName`), so a function with two subscriptions shows their combined worst lag.
   */
  private consumerSection(deployed: DeployedSubscription): void {
    const { alarms } = this.config;
    const group = deployed.subscription.consumerGroup;
    const id = constructIdOf(group);
    const offsetLag = new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'OffsetLag',
      dimensionsMap: { FunctionName: physicalFunctionName(this.config, deployed.functionName) },
      statistic: 'Maximum',
      period: oneMinute,
      label: `${group} offset lag`,
    });
    this.alarm(`${id}OffsetLag`, {
      metric: offsetLag,
      threshold: alarms.offsetLag,
      evaluationPeriods: 3,
      description: `${group} on ${deployed.subscription.topic}: offset lag at least ${alarms.offsetLag} for 3 minutes`,
    });
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({
        title: `${group}: offset lag (${deployed.subscription.topic})`,
        left: [offsetLag],
        width: 12,
      }),
    ];
    if (deployed.deadLetterQueue) {
      const depth = this.deadLetterAlarm(`${id}DeadLetters`, group, deployed.deadLetterQueue);
      widgets.push(new cloudwatch.GraphWidget({ title: `${group}: dead letters`, left: [depth], width: 12 }));
    }
    this.dashboard.addWidgets(...widgets);
  }

  private deadLetterAlarm(id: string, what: string, queue: sqs.IQueue): cloudwatch.IMetric {
    const { alarms } = this.config;
    const depth = queue.metricApproximateNumberOfMessagesVisible({
      period: oneMinute,
      statistic: 'Maximum',
      label: `${what} dead letters`,
    });
    this.alarm(id, {
      metric: depth,
      threshold: alarms.deadLetterMessages,
      description: `${what}: at least ${alarms.deadLetterMessages} message(s) in the dead-letter queue`,
    });
    return depth;
  }

  private alarm(
    id: string,
    options: { metric: cloudwatch.IMetric; threshold: number; description: string; evaluationPeriods?: number },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.config.prefix}-${id}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.alarmTopic));
    alarm.addOkAction(new actions.SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }
}
