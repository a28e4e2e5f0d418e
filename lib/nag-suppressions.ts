import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { EventlineFunction } from './constructs/eventline-function';
import { needsVpc } from './constructs/manifest-function';
import type { EventlineStacks } from './eventline-app';

/**
 * Every cdk-nag (AwsSolutions) finding Eventline acknowledges, with the reason, in one place.
 * Each acknowledgment is attached to the narrowest construct that produces the finding (one
 * function, one route, one queue), and wildcard findings (IAM5) name the exact resource
 * pattern, so a new wildcard or a new resource still fails the synth until someone decides.
 */
export function applyNagSuppressions(stacks: EventlineStacks): void {
  const { config } = stacks;

  // --- Lambda functions (the manifest's and the deploy-time custom resource handlers) ---------
  for (const fn of stacks.functions.functions.values()) {
    acknowledgeFunction(fn, { inVpc: needsVpc(fn.spec), consumesKafka: (fn.spec.subscriptions?.length ?? 0) > 0 });
    if (fn.spec.uses.includes('search')) acknowledgeSearchIndices(fn, stacks.data.search.domainArn);
  }
  for (const resource of [stacks.schema.topics, stacks.schema.migrations, stacks.schema.indexes]) {
    acknowledgeFunction(resource.handler, { inVpc: true, consumesKafka: false });
    const framework = resource.provider;
    acknowledge(
      framework,
      managedPolicy(framework, 'service-role/AWSLambdaBasicExecutionRole'),
      'The CDK Provider framework function only writes its own CloudWatch Logs; AWSLambdaBasicExecutionRole is the AWS-managed minimum for that.',
    );
    acknowledge(
      framework,
      wildcard(framework, `${resource.handler.functionArn}:*`),
      'The CDK Provider framework may invoke any version of exactly one handler function (the `:*` is the version qualifier).',
    );
  }
  acknowledgeSearchIndices(stacks.schema.indexes.handler, stacks.data.search.domainArn);

  // --- API ------------------------------------------------------------------------------------
  for (const { spec, route } of stacks.api.routes) {
    // A route without an authorizer is public only when its contract says why (composeManifest
    // insists on a reason), so a route that merely forgot its authorizer still fails the synth.
    if (spec.authorizer || !spec.publicBecause) continue;
    acknowledge(route, 'AwsSolutions-APIG4', spec.publicBecause);
  }

  // --- Accounts (Cognito) -----------------------------------------------------------------------
  const users = stacks.data.users.pool;
  acknowledge(
    users,
    'AwsSolutions-COG2',
    'MFA is optional (TOTP), not required: accounts sign in through the API with USER_PASSWORD_AUTH and the API does not yet answer MFA challenges; repeated failed sign-ins per username and per client address are slowed with 429 by the accounts function.',
  );
  if (config.accounts.featurePlan !== 'plus') {
    acknowledge(
      users,
      'AwsSolutions-COG8',
      `The ${config.stage} stage uses the Essentials plan to stay cheap (Plus bills every active user); the prod stage is on Plus with threat protection enforced.`,
    );
  }

  // --- Dead-letter queues -----------------------------------------------------------------------
  for (const { deadLetterQueue, subscription } of stacks.consumers.subscriptions) {
    if (!deadLetterQueue) continue;
    acknowledge(
      deadLetterQueue,
      'AwsSolutions-SQS3',
      `This queue is the on-failure destination of the ${subscription.consumerGroup} event-source mapping: it is a dead-letter queue, and a DLQ of a DLQ would only move the problem (its depth alarms instead).`,
    );
  }
  acknowledge(
    stacks.schedules.deadLetterQueue,
    'AwsSolutions-SQS3',
    "This queue is EventBridge Scheduler's dead-letter queue for undeliverable invocations; it has no DLQ of its own (its depth alarms instead).",
  );

  // --- Data stores ------------------------------------------------------------------------------
  const domain = stacks.data.search.domain;
  acknowledge(
    domain,
    'AwsSolutions-OS3',
    'The domain is VPC-only, where IP-based access policies are not supported: access is the security group (functions only) plus SigV4-signed IAM requests.',
  );
  if (config.search.masterNodes === 0) {
    acknowledge(
      domain,
      'AwsSolutions-OS4',
      `Stage ${config.stage} runs a single-node domain to keep cost down; prod has dedicated master nodes.`,
    );
  }
  if (config.search.dataNodes <= 1) {
    acknowledge(
      domain,
      'AwsSolutions-OS7',
      `Stage ${config.stage} runs a single-node domain (no second AZ to spread over); prod is zone-aware.`,
    );
  }
  const instance = stacks.data.database.instance;
  acknowledge(
    instance,
    'AwsSolutions-RDS11',
    'Clients never reach the instance port: only RDS Proxy (which always listens on 3306) and the rotation function are admitted by its security group, in isolated subnets.',
  );
  if (!config.database.multiAz) {
    acknowledge(instance, 'AwsSolutions-RDS3', `Stage ${config.stage} runs single-AZ to keep cost down; prod is Multi-AZ.`);
  }
  if (!config.database.deletionProtection) {
    acknowledge(
      instance,
      'AwsSolutions-RDS10',
      `Stage ${config.stage} is disposable (\`cdk destroy\` removes it); prod has deletion protection.`,
    );
  }
  acknowledge(
    stacks.data.cache.secret,
    'AwsSolutions-SMG4',
    'The Valkey cache user\'s password is not rotated automatically: that needs a rotation function calling ElastiCache ModifyUser and clients that re-read the secret on WRONGPASS, not built (docs/ARCHITECTURE.md, "Deploy hardening"). It is 64 random characters, readable only by the roles of functions that use the cache, for a cache reachable only from their security group; a rotation by hand uses the user\'s two password slots.',
  );
}

/** What every Eventline function is acknowledged for: managed execution policies, tracing, runtime. */
function acknowledgeFunction(fn: EventlineFunction, options: { inVpc: boolean; consumesKafka: boolean }): void {
  acknowledge(
    fn,
    managedPolicy(fn, 'service-role/AWSLambdaBasicExecutionRole'),
    'AWSLambdaBasicExecutionRole is the AWS-managed minimum for a function to write its CloudWatch Logs.',
  );
  if (options.inVpc) {
    acknowledge(
      fn,
      managedPolicy(fn, 'service-role/AWSLambdaVPCAccessExecutionRole'),
      'AWSLambdaVPCAccessExecutionRole is the AWS-managed minimum for a VPC function to manage its network interfaces.',
    );
  }
  acknowledge(
    fn,
    'AwsSolutions-IAM5[Resource::*]',
    options.consumesKafka
      ? 'Resource "*" only for actions without resource-level permissions: xray:PutTraceSegments/PutTelemetryRecords (active tracing) and ec2:DescribeVpcs/DescribeSubnets/DescribeSecurityGroups (the MSK event-source mapping\'s pollers).'
      : 'Resource "*" only for xray:PutTraceSegments/PutTelemetryRecords (active tracing), which have no resource-level permissions.',
  );
  acknowledge(
    fn,
    'AwsSolutions-L1',
    "Eventline pins nodejs22.x for every function (the design's runtime, and the Node version of the local runtime and CI); moving to a newer runtime is one deliberate change in lib/constructs/eventline-function.ts.",
  );
}

function acknowledgeSearchIndices(fn: EventlineFunction, domainArn: string): void {
  acknowledge(
    fn,
    wildcard(fn, `${domainArn}/*`),
    'OpenSearch data-plane permissions are paths under one domain (indices, _bulk, _search); the wildcard never leaves the Eventline domain.',
  );
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The IAM4 finding id for an AWS-managed policy, as cdk-nag renders it in `scope`'s stack. */
function managedPolicy(scope: IConstruct, name: string): string {
  const arn = iam.ManagedPolicy.fromAwsManagedPolicyName(name).managedPolicyArn;
  return `AwsSolutions-IAM4[Policy::${flattenReference(Stack.of(scope).resolve(arn))}]`;
}

/** The IAM5 finding id for a wildcard resource, as cdk-nag renders it in `scope`'s stack. */
function wildcard(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(resource))}]`;
}

/**
 * CloudFormation value → the flat string cdk-nag uses in finding ids (`<Logical.Attr>`,
 * `<AWS::Region>`, joins concatenated). Mirrors cdk-nag's internal flattenCfnReference.
 */
function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const value = node as Record<string, unknown>;
    if (Array.isArray(value['Fn::Join'])) {
      const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (value['Fn::Sub'] !== undefined) return flattenReference(value['Fn::Sub']);
    if (Array.isArray(value['Fn::GetAtt'])) {
      const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if (value['Fn::ImportValue'] !== undefined) return flattenReference(value['Fn::ImportValue']);
    if (value.Ref !== undefined) return `<${flattenReference(value.Ref)}>`;
  }
  return JSON.stringify(node);
}
