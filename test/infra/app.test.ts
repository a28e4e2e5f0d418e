/**
 * The dev app generated from the real manifest: every function with its trigger, and the
 * security properties that matter (encryption, private subnets, exact Kafka IAM, TLS to MySQL).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { manifest } from '../../lambdas/manifest';
import { routesOf, scheduledInvocationTemplate, schedulesOf, subscriptionsOf } from '../../lambdas/platform/manifest-types';
import { stageConfig } from '../../lib/config/stages';
import { physicalFunctionName } from '../../lib/constructs/eventline-function';
import { needsVpc } from '../../lib/constructs/manifest-function';
import { hashMigrationFolders } from '../../lib/schema-stack';
import { logicalIdOf, referenceText, resourcesOf, type SynthesizedEventline, synthEventline } from './support/synth';

const config = stageConfig('dev');
let app: SynthesizedEventline;

beforeAll(() => {
  app = synthEventline('dev', manifest);
});
afterAll(() => app?.dispose());

/** Logical id of a manifest function in the functions stack (appears in every reference to it). */
function functionLogicalId(name: string): string {
  const { functions } = app.stacks;
  return logicalIdOf(functions, functions.function(name));
}

describe('functions', () => {
  it.each(manifest.functions.map((fn) => [fn.name, fn]))('%s runs Node.js 22 on arm64 as the manifest says', (_name, fn) => {
    const template = app.template(app.stacks.functions);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: physicalFunctionName(config, fn.name),
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: fn.memoryMb,
      Timeout: fn.timeoutSeconds,
      TracingConfig: { Mode: 'Active' },
      Layers: Match.anyValue(),
      Environment: { Variables: Match.objectLike({ EVENTLINE_BACKEND: 'aws', EVENTLINE_STAGE: 'dev' }) },
    });
  });

  it('places every function that talks to a VPC resource in the private (egress) subnets', () => {
    const template = app.template(app.stacks.functions);
    for (const fn of manifest.functions) {
      const [, props] = resourcesOf(template, 'AWS::Lambda::Function').find(
        ([, p]) => p.FunctionName === physicalFunctionName(config, fn.name),
      ) ?? ['', {}];
      if (!needsVpc(fn)) {
        expect(props.VpcConfig).toBeUndefined();
        continue;
      }
      const vpcConfig = props.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      expect(vpcConfig.SubnetIds.length).toBeGreaterThanOrEqual(2);
      for (const subnet of vpcConfig.SubnetIds) expect(referenceText(subnet)).toMatch(/VpcprivateSubnet\dSubnet/);
      expect(referenceText(vpcConfig.SecurityGroupIds)).toContain('FunctionsSecurityGroup');
    }
  });

  it('gives each function the environment of exactly the resources it uses', () => {
    const template = app.template(app.stacks.functions);
    const byResource: Record<string, string[]> = {
      bus: ['MSK_CLUSTER_ARN'],
      sql: ['DB_PROXY_ENDPOINT', 'DB_SECRET_ARN', 'DB_NAME'],
      search: ['OPENSEARCH_ENDPOINT'],
      cache: ['CACHE_ENDPOINT'],
      mail: ['SES_CONFIGURATION_SET', 'MAIL_FROM'],
    };
    for (const fn of manifest.functions) {
      const [, props] = resourcesOf(template, 'AWS::Lambda::Function').find(
        ([, p]) => p.FunctionName === physicalFunctionName(config, fn.name),
      ) ?? ['', {}];
      const variables = Object.keys((props.Environment as { Variables: Record<string, unknown> }).Variables);
      for (const [resource, names] of Object.entries(byResource)) {
        for (const name of names) {
          if (fn.uses.includes(resource as never)) expect(variables).toContain(name);
          else expect(variables).not.toContain(name);
        }
      }
    }
  });
});

describe('triggers', () => {
  it.each(routesOf(manifest).map(({ fn, route }) => [`${route.method} ${route.path}`, fn.name]))(
    'route %s invokes %s',
    (routeKey, functionName) => {
      const template = app.template(app.stacks.api);
      const [, route] = resourcesOf(template, 'AWS::ApiGatewayV2::Route').find(([, p]) => p.RouteKey === routeKey) ?? [];
      expect(route).toBeDefined();
      const integrationId = referenceText(route?.Target).match(/"Ref":"([A-Za-z0-9]+)"/)?.[1] ?? '';
      const integration = template.toJSON().Resources[integrationId];
      expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
      expect(referenceText(integration.Properties.IntegrationUri)).toContain(functionLogicalId(functionName));
    },
  );

  it.each(subscriptionsOf(manifest).map(({ fn, subscription }) => [subscription.consumerGroup, fn.name, subscription]))(
    'consumer group %s feeds %s from MSK with the manifest settings',
    (_group, functionName, subscription) => {
      const template = app.template(app.stacks.consumers);
      const [, mapping] =
        resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(([, p]) =>
          referenceText(p.AmazonManagedKafkaEventSourceConfig).includes(`"${subscription.consumerGroup}"`),
        ) ?? [];
      expect(mapping).toMatchObject({
        Topics: [subscription.topic],
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: subscription.consumerGroup },
        BatchSize: subscription.batchSize,
        MaximumBatchingWindowInSeconds: subscription.maxBatchingWindowSeconds,
        StartingPosition: subscription.startingPosition,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ProvisionedPollerConfig: {
          MinimumPollers: config.consumers.minimumPollers,
          MaximumPollers: config.consumers.maximumPollers,
        },
      });
      // -1 (without end) is CloudFormation's default: the property is left out.
      expect(mapping?.MaximumRetryAttempts).toBe(subscription.retryAttempts < 0 ? undefined : subscription.retryAttempts);
      if (subscription.retryAttempts < 0) expect(mapping?.DestinationConfig).toBeUndefined();
      expect(referenceText(mapping?.EventSourceArn)).toContain('KafkaCluster');
      expect(referenceText(mapping?.FunctionName)).toContain(functionLogicalId(functionName));
      if (subscription.deadLetter) {
        const destination = referenceText((mapping?.DestinationConfig as { OnFailure?: unknown } | undefined)?.OnFailure);
        const [queueId, queue] = resourcesOf(template, 'AWS::SQS::Queue').find(([id]) => destination.includes(id)) ?? [];
        expect(queueId).toBeDefined();
        expect(queue).toMatchObject({ SqsManagedSseEnabled: true });
      }
    },
  );

  it.each(schedulesOf(manifest).map(({ fn, schedule }) => [schedule.name, fn.name, schedule]))(
    'schedule %s invokes %s with the shared scheduled-invocation payload',
    (name, functionName, schedule) => {
      const template = app.template(app.stacks.schedules);
      const [, cfn] = resourcesOf(template, 'AWS::Scheduler::Schedule').find(([, p]) => p.Name === name) ?? [];
      expect(cfn).toMatchObject({ ScheduleExpression: schedule.expression, FlexibleTimeWindow: { Mode: 'OFF' } });
      const target = cfn?.Target as { Arn: unknown; Input: string; DeadLetterConfig: unknown };
      expect(JSON.parse(target.Input)).toEqual(scheduledInvocationTemplate(schedule));
      expect(referenceText(target.Arn)).toContain(functionLogicalId(functionName));
      expect(target.DeadLetterConfig).toBeDefined();
    },
  );

  it('lets the scheduler role invoke exactly the scheduled functions', () => {
    const template = app.template(app.stacks.schedules);
    const statements = resourcesOf(template, 'AWS::IAM::Policy').flatMap(
      ([, p]) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    const invoke = statements.filter((s) => referenceText(s.Action).includes('lambda:InvokeFunction'));
    const resources = invoke.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map(referenceText);
    const scheduled = [...new Set(schedulesOf(manifest).map(({ fn }) => fn.name))];
    expect(resources).toHaveLength(scheduled.length);
    for (const name of scheduled) expect(resources.some((r) => r.includes(functionLogicalId(name)))).toBe(true);
    expect(resources.join()).not.toContain('*');
  });
});

describe('Kafka (MSK)', () => {
  it('accepts only IAM-authenticated TLS clients and encrypts at rest', () => {
    app.template(app.stacks.data).hasResourceProperties('AWS::MSK::Cluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
      EncryptionInfo: {
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
        EncryptionAtRest: { DataVolumeKMSKeyId: Match.anyValue() },
      },
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true } } },
    });
  });

  it('scopes the producer role to WriteData on exactly the produced topic ARNs', () => {
    const template = app.template(app.stacks.functions);
    for (const fn of manifest.functions.filter((f) => (f.produces?.length ?? 0) > 0)) {
      const roleId = logicalIdOf(app.stacks.functions, app.stacks.functions.function(fn.name).role as never);
      const statements = resourcesOf(template, 'AWS::IAM::Policy')
        .filter(([, p]) => referenceText(p.Roles).includes(roleId))
        .flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
      const write = statements.filter((s) => referenceText(s.Action).includes('kafka-cluster:WriteData"'));
      expect(write).toHaveLength(1);
      const resources = Array.isArray(write[0].Resource) ? write[0].Resource : [write[0].Resource];
      expect(resources).toHaveLength(fn.produces?.length ?? 0);
      // CDK may order the resources of a statement differently from the manifest: match by topic.
      const arns = resources.map((resource) => referenceText(resource));
      for (const topic of fn.produces ?? []) {
        const arn = arns.find((candidate) => candidate.includes(`"/${topic}"`));
        expect([fn.name, topic, arn]).toEqual([fn.name, topic, expect.stringContaining(':topic/eventline-dev-kafka/')]);
        expect(arn).not.toContain('*');
      }
    }
  });

  it('never grants a Kafka data-plane action on a wildcard topic or group', () => {
    for (const stack of [app.stacks.functions, app.stacks.schema]) {
      const statements = resourcesOf(app.template(stack), 'AWS::IAM::Policy').flatMap(
        ([, p]) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      );
      for (const statement of statements.filter((s) => referenceText(s.Action).includes('kafka'))) {
        expect(referenceText(statement.Resource)).not.toContain('*');
      }
    }
  });

  it('lets each consumer join exactly its consumer group', () => {
    const template = app.template(app.stacks.functions);
    for (const { fn, subscription } of subscriptionsOf(manifest)) {
      const roleId = logicalIdOf(app.stacks.functions, app.stacks.functions.function(fn.name).role as never);
      const statements = resourcesOf(template, 'AWS::IAM::Policy')
        .filter(([, p]) => referenceText(p.Roles).includes(roleId))
        .flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
      const group = statements.find((s) => referenceText(s.Action).includes('kafka-cluster:AlterGroup'));
      expect(referenceText(group?.Resource)).toContain(`"/${subscription.consumerGroup}"`);
      expect(referenceText(group?.Resource)).toContain(':group/eventline-dev-kafka/');
    }
  });
});

describe('data stores', () => {
  it('encrypts OpenSearch at rest and in transit, inside the VPC', () => {
    app.template(app.stacks.data).hasResourceProperties('AWS::OpenSearchService::Domain', {
      EncryptionAtRestOptions: { Enabled: true, KmsKeyId: Match.anyValue() },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: Match.objectLike({ EnforceHTTPS: true }),
      VPCOptions: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
  });

  it('encrypts RDS storage and keeps the instance private', () => {
    app.template(app.stacks.data).hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      EngineVersion: Match.stringLikeRegexp('^8\\.4\\.'),
      StorageEncrypted: true,
      PubliclyAccessible: false,
    });
  });

  it('reaches MySQL through RDS Proxy, which requires TLS', () => {
    const data = app.template(app.stacks.data);
    data.hasResourceProperties('AWS::RDS::DBProxy', { EngineFamily: 'MYSQL', RequireTLS: true });
    const functions = app.template(app.stacks.functions);
    for (const fn of manifest.functions.filter((f) => f.uses.includes('sql'))) {
      const [, props] = resourcesOf(functions, 'AWS::Lambda::Function').find(
        ([, p]) => p.FunctionName === physicalFunctionName(config, fn.name),
      ) ?? ['', {}];
      const endpoint = (props.Environment as { Variables: Record<string, unknown> }).Variables.DB_PROXY_ENDPOINT;
      expect(referenceText(endpoint)).toMatch(/DatabaseInstanceProxy.*Endpoint/);
    }
  });

  it('encrypts the Valkey cache, every queue and the alarm topic at rest', () => {
    app.template(app.stacks.data).hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      KmsKeyId: Match.anyValue(),
    });
    for (const stack of [app.stacks.consumers, app.stacks.schedules]) {
      for (const [, queue] of resourcesOf(app.template(stack), 'AWS::SQS::Queue')) {
        expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
      }
    }
    app.template(app.stacks.observability).hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('schema custom resources', () => {
  it('creates the manifest topics and re-runs when migrations change', () => {
    const template = app.template(app.stacks.schema);
    template.hasResourceProperties('Custom::EventlineKafkaTopics', { Topics: JSON.stringify(manifest.topics) });
    template.hasResourceProperties('Custom::EventlineSqlMigrations', {
      Namespaces: JSON.stringify(manifest.migrations.map((m) => m.namespace)),
      MigrationsHash: hashMigrationFolders(manifest.migrations),
    });
    expect(manifest.migrations).toContainEqual({ namespace: 'tracking', directory: 'lambdas/tracking/migrations' });
    template.hasResourceProperties('Custom::EventlineSearchIndexes', {
      Definitions: JSON.stringify(manifest.searchIndexes),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'eventline-dev-deploy-sql-migrations',
      Environment: { Variables: Match.objectLike({ EVENTLINE_MIGRATIONS_DIR: '/var/task/migrations' }) },
    });
  });
});

describe('API and observability', () => {
  it('throttles the default stage and writes access logs', () => {
    app.template(app.stacks.api).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: Match.objectLike({
        ThrottlingRateLimit: config.api.rateLimit,
        ThrottlingBurstLimit: config.api.burstLimit,
      }),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('alarms on every function, consumer lag and dead-letter queue, notifying the topic', () => {
    const template = app.template(app.stacks.observability);
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, p]) => p);
    // A labelled metric renders as `Metrics: [{ MetricStat: { Metric } }]` instead of top-level fields.
    const metricOf = (alarm: Record<string, unknown>) =>
      (alarm.MetricName !== undefined
        ? alarm
        : (alarm.Metrics as { MetricStat: { Metric: Record<string, unknown> } }[])[0].MetricStat.Metric) as {
        MetricName: string;
        Dimensions: { Name: string; Value: string }[];
      };
    const metricsOf = (name: string) => alarms.map(metricOf).filter((m) => m.MetricName === name);
    for (const fn of manifest.functions) {
      const dimension = [{ Name: 'FunctionName', Value: physicalFunctionName(config, fn.name) }];
      for (const metric of ['Errors', 'Duration', 'Throttles']) {
        expect(metricsOf(metric).some((a) => referenceText(a.Dimensions) === referenceText(dimension))).toBe(true);
      }
    }
    const consumers = new Set(subscriptionsOf(manifest).map(({ fn }) => physicalFunctionName(config, fn.name)));
    expect(new Set(metricsOf('OffsetLag').map((m) => m.Dimensions[0].Value))).toEqual(consumers);
    const deadLetterAlarms = metricsOf('ApproximateNumberOfMessagesVisible');
    expect(deadLetterAlarms).toHaveLength(
      subscriptionsOf(manifest).filter(({ subscription }) => subscription.deadLetter).length + 1,
    );
    for (const alarm of alarms) expect(referenceText(alarm.AlarmActions)).toContain('AlarmTopic');
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
