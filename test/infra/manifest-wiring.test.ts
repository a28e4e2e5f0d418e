/**
 * The generators against a synthetic manifest that uses every platform resource, several
 * subscriptions and a function outside the VPC: env vars, IAM grants and triggers follow the
 * manifest, whatever it holds.
 */
import { Match } from 'aws-cdk-lib/assertions';
import type { Manifest } from '../../lambdas/platform/manifest-types';
import { stageConfig } from '../../lib/config/stages';
import { physicalFunctionName } from '../../lib/constructs/eventline-function';
import { referenceText, resourcesOf, type SynthesizedEventline, synthEventline } from './support/synth';

const entry = 'test/infra/fixtures/noop-handler.ts';
const config = stageConfig('dev');

const wiringManifest: Manifest = {
  metricNamespace: 'Eventline',
  migrations: [],
  searchIndexes: [],
  topics: [
    { name: 'people.profiles', partitions: 3, retentionHours: 24, description: 'profiles' },
    { name: 'mail.outbox', partitions: 1, retentionHours: 24, description: 'mails to send' },
  ],
  functions: [
    {
      name: 'people-sink-search',
      capability: 'people',
      description: 'profiles into OpenSearch, cached',
      entry,
      memoryMb: 256,
      timeoutSeconds: 30,
      subscriptions: [
        {
          topic: 'people.profiles',
          consumerGroup: 'people-search-sink',
          batchSize: 100,
          maxBatchingWindowSeconds: 2,
          retryAttempts: 3,
          deadLetter: true,
          startingPosition: 'LATEST',
        },
      ],
      uses: ['search', 'cache'],
    },
    {
      name: 'mail-sender',
      capability: 'mail',
      description: 'sends mails from the outbox',
      entry,
      memoryMb: 256,
      timeoutSeconds: 30,
      subscriptions: [
        {
          topic: 'mail.outbox',
          consumerGroup: 'mail-sender',
          batchSize: 10,
          maxBatchingWindowSeconds: 0,
          retryAttempts: 2,
          deadLetter: false,
          startingPosition: 'TRIM_HORIZON',
        },
      ],
      uses: ['mail'],
    },
    {
      name: 'mail-digest',
      capability: 'mail',
      description: 'a scheduled job that only calls SES',
      entry,
      memoryMb: 128,
      timeoutSeconds: 60,
      schedules: [{ name: 'daily-digest', expression: 'cron(0 7 * * ? *)', description: 'daily' }],
      uses: ['mail'],
    },
  ],
};

let app: SynthesizedEventline;

beforeAll(() => {
  app = synthEventline('dev', wiringManifest);
});
afterAll(() => app?.dispose());

function functionProps(name: string): Record<string, unknown> {
  const [, props] =
    resourcesOf(app.template(app.stacks.functions), 'AWS::Lambda::Function').find(
      ([, p]) => p.FunctionName === physicalFunctionName(config, name),
    ) ?? [];
  if (!props) throw new Error(`no function ${name}`);
  return props;
}

function statementsOf(name: string): { Action: unknown; Resource: unknown }[] {
  const { functions } = app.stacks;
  const role = functions.function(name).role;
  const roleId = functions.getLogicalId(role?.node.defaultChild as never);
  return resourcesOf(app.template(functions), 'AWS::IAM::Policy')
    .filter(([, p]) => referenceText(p.Roles).includes(roleId))
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
}

it('wires search and cache users to the domain and the cache endpoint', () => {
  const variables = (functionProps('people-sink-search').Environment as { Variables: Record<string, unknown> }).Variables;
  expect(Object.keys(variables)).toEqual(expect.arrayContaining(['OPENSEARCH_ENDPOINT', 'CACHE_ENDPOINT']));
  expect(referenceText(variables.CACHE_ENDPOINT)).toMatch(/Endpoint\.Address.*:.*Endpoint\.Port|EndpointAddress.*EndpointPort/);
  const search = statementsOf('people-sink-search').find((s) => referenceText(s.Action).includes('es:ESHttpPut'));
  expect(referenceText(search?.Resource)).toContain(':domain/eventline-dev-search');
});

it('lets mail users send only through the Eventline identity and configuration set', () => {
  const variables = (functionProps('mail-sender').Environment as { Variables: Record<string, unknown> }).Variables;
  expect(variables).toMatchObject({ MAIL_FROM: config.mail.fromAddress, SES_CONFIGURATION_SET: 'eventline-dev-mail' });
  const send = statementsOf('mail-sender').find((s) => referenceText(s.Action).includes('ses:SendEmail'));
  const resources = referenceText(send?.Resource);
  expect(resources).toContain('MailIdentity');
  expect(resources).toContain(':configuration-set/eventline-dev-mail');
});

it('keeps a function that only calls AWS APIs out of the VPC, and consumers in it', () => {
  expect(functionProps('mail-digest').VpcConfig).toBeUndefined();
  expect(functionProps('mail-sender').VpcConfig).toBeDefined();
});

it('creates one mapping per subscription, with a dead-letter queue only where asked', () => {
  const template = app.template(app.stacks.consumers);
  template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    Topics: ['people.profiles'],
    AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'people-search-sink' },
    StartingPosition: 'LATEST',
    DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
  });
  const mailMapping = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(([, p]) =>
    referenceText(p.Topics).includes('mail.outbox'),
  );
  expect(mailMapping?.[1].DestinationConfig).toBeUndefined();
  template.resourceCountIs('AWS::SQS::Queue', 1);
});

it('schedules a cron expression in UTC', () => {
  app.template(app.stacks.schedules).hasResourceProperties('AWS::Scheduler::Schedule', {
    Name: 'daily-digest',
    ScheduleExpression: 'cron(0 7 * * ? *)',
    ScheduleExpressionTimezone: 'UTC',
  });
});

it('refuses to synthesize a public route outside the Allezon tracking API (no authorizer)', () => {
  const withPublicRoute: Manifest = {
    ...wiringManifest,
    functions: [
      ...wiringManifest.functions,
      {
        name: 'people-get-profile',
        capability: 'people',
        description: 'GET a profile',
        entry,
        memoryMb: 256,
        timeoutSeconds: 10,
        routes: [{ method: 'GET', path: '/profiles/{id}' }],
        uses: ['search'],
      },
    ],
  };
  const stderr = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    expect(() => synthEventline('dev', withPublicRoute)).toThrow(/AwsSolutions-APIG4/);
  } finally {
    stderr.mockRestore();
  }
});
