/**
 * Issue 9's deploy defects, asserted on the synthesized templates (docs/ARCHITECTURE.md,
 * "Deploy hardening (issue 9)"): what a reviewer found that passes cfn-lint but bites in an account.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { manifest } from '../../lambdas/manifest';
import { elastiCacheClusterOptions } from '../../lambdas/platform/cache/redis-cache';
import {
  clientConnectTimeoutSeconds,
  connectionHeadroom,
  kafkaConnectionPlan,
  minimumUnreservedConcurrency,
  mskIamLimits,
} from '../../lib/config/kafka-connections';
import { stageConfig } from '../../lib/config/stages';
import { zoneProblems, zoneSizing } from '../../lib/config/zones';
import { cacheAppUserAccessString } from '../../lib/data/cache';
import { applicationUser } from '../../lib/data/database';
import { resourcesOf, type SynthesizedEventline, synthEventline, threeAzs } from './support/synth';

let dev: SynthesizedEventline;
let prod: SynthesizedEventline;

beforeAll(() => {
  dev = synthEventline('dev', manifest);
  prod = synthEventline('prod', manifest);
});
afterAll(() => {
  dev?.dispose();
  prod?.dispose();
});

/** `[DeletionPolicy, UpdateReplacePolicy]` of every resource of a type. */
function policiesOf(template: Template, type: string): [unknown, unknown][] {
  return Object.values(template.findResources(type)).map((r) => [
    (r as { DeletionPolicy?: unknown }).DeletionPolicy,
    (r as { UpdateReplacePolicy?: unknown }).UpdateReplacePolicy,
  ]);
}

describe('MySQL 8.4 behind RDS Proxy', () => {
  it('runs an 8.4 engine with an 8.4 parameter group', () => {
    const data = dev.template(dev.stacks.data);
    data.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      EngineVersion: Match.stringLikeRegexp('^8\\.4\\.\\d+$'),
      DBParameterGroupName: Match.anyValue(),
    });
    const groups = resourcesOf(data, 'AWS::RDS::DBParameterGroup');
    expect(groups.map(([, p]) => p.Family)).toEqual(['mysql8.4']);
  });

  it("authenticates clients at the proxy with caching_sha2_password, 8.4's default plugin, over TLS", () => {
    const secretAuth = Match.objectLike({ AuthScheme: 'SECRETS', ClientPasswordAuthType: 'MYSQL_CACHING_SHA2_PASSWORD' });
    dev.template(dev.stacks.data).hasResourceProperties('AWS::RDS::DBProxy', {
      EngineFamily: 'MYSQL',
      RequireTLS: true,
      // One entry per database user: the admin and the application user (below).
      Auth: [secretAuth, secretAuth],
    });
  });
});

describe('removal policies', () => {
  it('keeps the database credentials wherever the database is kept (prod)', () => {
    expect(stageConfig('prod').removalPolicy).toBe(RemovalPolicy.RETAIN);
    const data = prod.template(prod.stacks.data);
    expect(policiesOf(data, 'AWS::RDS::DBInstance')).toEqual([['Retain', 'Retain']]);
    // The data stack's secrets: the generated admin secret, the application user's and the cache
    // user's (each also asserted by name below).
    expect(policiesOf(data, 'AWS::SecretsManager::Secret')).toEqual([
      ['Retain', 'Retain'],
      ['Retain', 'Retain'],
      ['Retain', 'Retain'],
    ]);
  });

  it('deletes both in a disposable stage (dev)', () => {
    const data = dev.template(dev.stacks.data);
    expect(policiesOf(data, 'AWS::RDS::DBInstance')).toEqual([['Delete', 'Delete']]);
    expect(policiesOf(data, 'AWS::SecretsManager::Secret')).toEqual([
      ['Delete', 'Delete'],
      ['Delete', 'Delete'],
      ['Delete', 'Delete'],
    ]);
  });
});

describe('availability zones', () => {
  const prodConfig = stageConfig('prod');
  const devConfig = stageConfig('dev');

  it('builds prod over 3 AZs: a broker per AZ with replication factor 3, OpenSearch zone-aware over 3', () => {
    const data = prod.template(prod.stacks.data);
    expect(prod.stacks.network.vpc.availabilityZones).toEqual(threeAzs);
    const [[, cluster]] = resourcesOf(data, 'AWS::MSK::Cluster');
    const brokers = cluster.BrokerNodeGroupInfo as { ClientSubnets: unknown[] };
    expect(cluster.NumberOfBrokerNodes).toBe(3);
    expect(brokers.ClientSubnets).toHaveLength(3);
    const [[, configuration]] = resourcesOf(data, 'AWS::MSK::Configuration');
    expect(configuration.ServerProperties).toContain('default.replication.factor=3');
    expect(configuration.ServerProperties).toContain('min.insync.replicas=2');
    const [[, domain]] = resourcesOf(data, 'AWS::OpenSearchService::Domain');
    expect(domain.ClusterConfig).toMatchObject({
      InstanceCount: 3,
      ZoneAwarenessEnabled: true,
      ZoneAwarenessConfig: { AvailabilityZoneCount: 3 },
      DedicatedMasterEnabled: true,
      DedicatedMasterCount: 3,
    });
    expect((domain.VPCOptions as { SubnetIds: unknown[] }).SubnetIds).toHaveLength(3);
  });

  it('builds dev over the 2 AZs of an environment-agnostic synth: 2 brokers, replication factor 2, one search node', () => {
    const data = dev.template(dev.stacks.data);
    expect(dev.stacks.network.vpc.availabilityZones).toHaveLength(2);
    data.hasResourceProperties('AWS::MSK::Cluster', { NumberOfBrokerNodes: 2 });
    const [[, configuration]] = resourcesOf(data, 'AWS::MSK::Configuration');
    expect(configuration.ServerProperties).toContain('default.replication.factor=2');
    const [[, domain]] = resourcesOf(data, 'AWS::OpenSearchService::Domain');
    expect(domain.ClusterConfig).toMatchObject({ InstanceCount: 1, ZoneAwarenessEnabled: false });
  });

  it('fails the prod synth over 2 AZs, naming every size that does not fit', () => {
    expect(() => synthEventline('prod', manifest, { availabilityZones: ['eu-west-1a', 'eu-west-1b'] })).toThrow(
      /Stage prod does not fit 2 availability zones:\n {2}- Kafka replication factor 3 needs 3 AZs[^\n]*\n {2}- OpenSearch data nodes \(3\) must be a multiple of the zones they spread over \(2\)\n {2}- OpenSearch's 3 dedicated master nodes[^\n]*\nSynthesize with an account and region that have 3 AZs/,
    );
  });

  it('derives counts from the AZ count and refuses what cannot be derived', () => {
    expect(zoneSizing(prodConfig, 3)).toEqual({ azCount: 3, kafkaBrokers: 3, searchZones: 3 });
    expect(zoneSizing(devConfig, 2)).toEqual({ azCount: 2, kafkaBrokers: 2, searchZones: 1 });
    expect(zoneSizing({ ...devConfig, kafka: { ...devConfig.kafka, brokersPerAz: 2 } }, 2).kafkaBrokers).toBe(4);
    expect(zoneProblems(devConfig, 1)).toEqual([
      'Amazon MSK places brokers in 2 or 3 AZs (got 1)',
      expect.stringContaining('Kafka replication factor 2 needs 2 AZs'),
    ]);
    expect(zoneProblems({ ...prodConfig, kafka: { ...prodConfig.kafka, minInsyncReplicas: 3 } }, 3)).toEqual([
      expect.stringContaining('min.insync.replicas 3 must be below the replication factor 3'),
    ]);
    expect(zoneProblems({ ...prodConfig, search: { ...prodConfig.search, dataNodes: 4 } }, 3)).toEqual([
      'OpenSearch data nodes (4) must be a multiple of the zones they spread over (3)',
    ]);
  });
});

/** One cross-stack reference in a consumer's template: strong (ImportValue) or weak (GetStackOutput). */
interface CrossStackReference {
  readonly consumer: string;
  readonly producer: string;
  readonly output: string;
  readonly strong: boolean;
}

function crossStackReferences(app: SynthesizedEventline): CrossStackReference[] {
  const found: CrossStackReference[] = [];
  for (const stack of Object.values(app.stacks)) {
    if (!(stack instanceof Stack)) continue;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const value = node as Record<string, unknown>;
        const imported = value['Fn::ImportValue'];
        if (typeof imported === 'string') {
          const [producer, output] = imported.split(':');
          found.push({ consumer: stack.stackName, producer, output, strong: true });
        }
        const read = value['Fn::GetStackOutput'] as { StackName?: string; OutputName?: string } | undefined;
        if (read?.StackName && read.OutputName) {
          found.push({ consumer: stack.stackName, producer: read.StackName, output: read.OutputName, strong: false });
        }
        Object.values(value).forEach(visit);
      }
    };
    visit(app.template(stack).toJSON().Resources);
  }
  return found;
}

describe('cross-stack references', () => {
  it.each([['dev'], ['prod']])('%s: everything from Network, Data and the API is a strong export', (stage) => {
    const app = stage === 'dev' ? dev : prod;
    const { network, data, api } = app.stacks;
    const guarded = new Set([network.stackName, data.stackName, api.stackName]);
    const references = crossStackReferences(app).filter((r) => guarded.has(r.producer));
    // Subnets, security group and VPC; MSK, proxy, secret, domain, cache, pool, client, identity.
    expect(new Set(references.map((r) => r.producer))).toEqual(guarded);
    expect(references.filter((r) => !r.strong)).toEqual([]);
  });

  it('hands functions their placement and endpoints only through strong references', () => {
    const template = dev.template(dev.stacks.functions).toJSON();
    const fromData = [
      'MSK_CLUSTER_ARN',
      'DB_PROXY_ENDPOINT',
      'DB_SECRET_ARN',
      'OPENSEARCH_ENDPOINT',
      'CACHE_ENDPOINT',
      'CACHE_SECRET_ARN',
    ];
    const seen = new Set<string>();
    for (const resource of Object.values(template.Resources) as { Type: string; Properties: Record<string, unknown> }[]) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const variables = (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      for (const name of fromData.filter((n) => n in variables)) {
        seen.add(name);
        expect([name, JSON.stringify(variables[name])]).toEqual([name, expect.stringContaining('Fn::ImportValue')]);
      }
      const placement = JSON.stringify(resource.Properties.VpcConfig ?? {});
      expect(placement).not.toContain('Fn::GetStackOutput');
    }
    expect([...seen].sort()).toEqual([...fromData].sort());
  });

  it.each([['dev'], ['prod']])(
    '%s: a weak reference only names a function, its role or a queue, each with a static name',
    (stage) => {
      const app = stage === 'dev' ? dev : prod;
      const templates = new Map(
        Object.values(app.stacks)
          .filter((s): s is Stack => s instanceof Stack)
          .map((s) => [s.stackName, app.template(s).toJSON()]),
      );
      const weak = crossStackReferences(app).filter((r) => !r.strong);
      expect(weak.length).toBeGreaterThan(0);
      for (const reference of weak) {
        const producer = templates.get(reference.producer);
        const value = producer?.Outputs?.[reference.output]?.Value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
        const logicalId = value?.Ref ?? value?.['Fn::GetAtt']?.[0] ?? '';
        const resource = producer?.Resources?.[logicalId] as { Type: string; Properties: Record<string, unknown> };
        const kind = `${reference.consumer} <- ${reference.producer} ${resource?.Type}`;
        switch (resource?.Type) {
          case 'AWS::Lambda::Function':
            expect([kind, typeof resource.Properties.FunctionName]).toEqual([kind, 'string']);
            break;
          case 'AWS::SQS::Queue':
            expect([kind, typeof resource.Properties.QueueName]).toEqual([kind, 'string']);
            break;
          case 'AWS::IAM::Role': {
            // The execution role of a (statically named) function of the same stack.
            const owners = Object.values(
              (producer?.Resources ?? {}) as Record<string, { Type: string; Properties: Record<string, unknown> }>,
            ).filter((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Role).includes(`"${logicalId}"`));
            expect([kind, owners.length, typeof owners[0]?.Properties.FunctionName]).toEqual([kind, 1, 'string']);
            break;
          }
          default:
            throw new Error(
              `weak reference to an unguarded resource: ${kind} (${reference.output}); make it strong in lib/cross-stack.ts or add its guard here`,
            );
        }
      }
    },
  );
});

describe('Kafka IAM connection limits', () => {
  it.each([['dev'], ['prod']])('%s: bounds every Kafka client so the brokers admit them all', (stage) => {
    const app = stage === 'dev' ? dev : prod;
    const config = stageConfig(stage as 'dev' | 'prod');
    const plan = kafkaConnectionPlan(config, manifest);
    expect(app.stacks.functions.kafkaConnections).toEqual(plan);
    expect(plan.clientFunctions).toEqual(manifest.functions.filter((f) => f.uses.includes('bus')).map((f) => f.name));
    // Every client at its bound stays within the planned share of the per-broker limit ...
    expect(plan.peakConnectionsPerBroker).toBeLessThanOrEqual(plan.limits.maxConnectionsPerBroker * connectionHeadroom);
    // ... one function's cold burst is admitted within the client's connection timeout ...
    expect(plan.coldBurstSeconds).toBeLessThanOrEqual(clientConnectTimeoutSeconds);
    // ... the reservations fit the account, and each consumer can run its mapping's pollers.
    expect(plan.clientFunctions.length * plan.reservedConcurrency).toBeLessThanOrEqual(
      config.functions.accountConcurrency - minimumUnreservedConcurrency,
    );
    expect(plan.reservedConcurrency).toBeGreaterThanOrEqual(config.consumers.maximumPollers);

    const functions = resourcesOf(app.template(app.stacks.functions), 'AWS::Lambda::Function');
    for (const fn of manifest.functions) {
      const [, props] = functions.find(([, p]) => p.FunctionName === `${config.prefix}-${fn.name}`) ?? [];
      const expected = fn.uses.includes('bus') ? plan.reservedConcurrency : undefined;
      expect([fn.name, props?.ReservedConcurrentExecutions]).toEqual([fn.name, expected]);
    }
  });

  it('derives the bound from the broker size: t3 brokers admit 4 new IAM connections a second, m7g 100', () => {
    expect(mskIamLimits('kafka.t3.small')).toEqual({ maxConnectionsPerBroker: 3000, newConnectionsPerSecondPerBroker: 4 });
    expect(mskIamLimits('kafka.m7g.large')).toEqual({ maxConnectionsPerBroker: 3000, newConnectionsPerSecondPerBroker: 100 });
    // dev (t3.small): 4/s × 5 s ÷ 2 connections per container = 10 containers per function.
    expect(kafkaConnectionPlan(stageConfig('dev'), manifest).reservedConcurrency).toBe(10);
    // The same functions on m7g brokers are bound by the account's concurrency instead.
    const onM7g = { ...stageConfig('dev'), kafka: { ...stageConfig('dev').kafka, brokerInstanceType: 'kafka.m7g.large' } };
    const clients = manifest.functions.filter((f) => f.uses.includes('bus')).length;
    expect(kafkaConnectionPlan(onM7g, manifest).reservedConcurrency).toBe(Math.floor(900 / clients));
  });

  it("refuses a stage whose consumers' pollers cannot fit what t3 brokers admit", () => {
    const prodOnT3 = { ...stageConfig('prod'), kafka: { ...stageConfig('prod').kafka, brokerInstanceType: 'kafka.t3.small' } };
    expect(() => kafkaConnectionPlan(prodOnT3, manifest)).toThrow(
      /Stage prod overloads its kafka\.t3\.small brokers' IAM connection limits:\n {2}- each Kafka client function could reserve only 10 concurrent executions \(by the broker's 4\/s new-connection rate: 10;[^\n]*fewer than the 20 pollers/,
    );
  });
});

describe("OpenSearch's service-linked role", () => {
  it('is not created by default: an account has it once, and creating it again fails', () => {
    for (const app of [dev, prod]) {
      expect(app.stacks.config.search.createServiceLinkedRole).toBe(false);
      app.template(app.stacks.data).resourceCountIs('AWS::IAM::ServiceLinkedRole', 0);
    }
  });

  it('is created, kept on destroy, and before the domain when the deploy asks for it', () => {
    const fresh = synthEventline('dev', manifest, { app: { createSearchServiceLinkedRole: true } });
    try {
      const template = fresh.template(fresh.stacks.data).toJSON();
      const roles = Object.entries(template.Resources as Record<string, Record<string, unknown>>).filter(
        ([, r]) => r.Type === 'AWS::IAM::ServiceLinkedRole',
      );
      expect(roles).toHaveLength(1);
      const [roleId, role] = roles[0];
      expect(role).toMatchObject({
        Properties: { AWSServiceName: 'opensearchservice.amazonaws.com' },
        DeletionPolicy: 'Retain',
      });
      const [domain] = Object.values(template.Resources as Record<string, { Type: string; DependsOn?: string[] }>).filter(
        (r) => r.Type === 'AWS::OpenSearchService::Domain',
      );
      expect(domain.DependsOn).toContain(roleId);
    } finally {
      fresh.dispose();
    }
  });
});

// --- Authenticated Valkey: the cache admits only the functions' password user of its group (the
// `default` user is not in it), over TLS, and only functions that use the cache may read that
// user's secret.

const stages = [['dev'], ['prod']] as const;
const ofStage = (stage: 'dev' | 'prod') => (stage === 'dev' ? dev : prod);

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } } | { node: unknown }): string {
  const node = (construct as { node: { defaultChild?: unknown } }).node;
  const resource = node.defaultChild ?? construct;
  return stack.getLogicalId(resource as Parameters<Stack['getLogicalId']>[0]);
}

describe('the Valkey cache user group', () => {
  it.each(stages)('%s: the serverless cache uses the group, which holds only the password user', (stage) => {
    const { stacks } = ofStage(stage);
    const data = ofStage(stage).template(stacks.data);
    const [[, cache], ...otherCaches] = resourcesOf(data, 'AWS::ElastiCache::ServerlessCache');
    expect(otherCaches).toEqual([]);
    const [[groupId, group], ...otherGroups] = resourcesOf(data, 'AWS::ElastiCache::UserGroup');
    expect(otherGroups).toEqual([]);
    expect(cache.UserGroupId).toEqual({ Ref: groupId });
    expect(group.Engine).toBe('valkey');

    const users = new Map(resourcesOf(data, 'AWS::ElastiCache::User'));
    const appUserId = logicalId(stacks.data, stacks.data.cache.appUser);
    expect(group.UserIds).toEqual([{ Ref: appUserId }]);
    // The account's `default` user (no password) is not a member, by id or by a user named so.
    for (const member of group.UserIds as unknown[]) {
      expect(member).not.toBe('default');
      const user = users.get((member as { Ref: string }).Ref);
      expect(user?.UserName).not.toBe('default');
    }
    const appUser = users.get(appUserId);
    expect(appUser).toMatchObject({
      Engine: 'valkey',
      UserName: `eventline-${stage}-app`,
      UserId: `eventline-${stage}-app`,
      AccessString: cacheAppUserAccessString,
    });
    expect(appUser?.NoPasswordRequired).toBeUndefined();
  });

  it('limits the user to Eventline keys and no dangerous commands', () => {
    expect(cacheAppUserAccessString.split(' ')).toEqual(['on', '~eventline:*', '+@all', '-@dangerous']);
  });

  it.each(stages)('%s: the password is a dynamic reference to the generated secret, never in the template', (stage) => {
    const { stacks } = ofStage(stage);
    const data = ofStage(stage).template(stacks.data);
    const secretId = logicalId(stacks.data, stacks.data.cache.secret);
    const secret = data.toJSON().Resources[secretId].Properties;
    expect(secret.Name).toBe(`eventline-${stage}/valkey/app`);
    expect(JSON.parse(secret.GenerateSecretString.SecretStringTemplate)).toEqual({ username: `eventline-${stage}-app` });
    expect(secret.GenerateSecretString).toMatchObject({ GenerateStringKey: 'password', ExcludePunctuation: true });
    expect(secret.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(16);
    expect(secret.GenerateSecretString.PasswordLength).toBeLessThanOrEqual(128);

    const appUser = resourcesOf(data, 'AWS::ElastiCache::User').find(
      ([id]) => id === logicalId(stacks.data, stacks.data.cache.appUser),
    );
    const mode = appUser?.[1].AuthenticationMode as { Type: string; Passwords: unknown[] };
    expect(mode.Type).toBe('password');
    expect(mode.Passwords).toHaveLength(1);
    expect(mode.Passwords[0]).toEqual({
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:password::}}']],
    });
  });

  it.each(stages)('%s: the cache, its group, its user and the password share the stage removal policy', (stage) => {
    const { stacks } = ofStage(stage);
    const resources = ofStage(stage).template(stacks.data).toJSON().Resources as Record<string, { DeletionPolicy?: string }>;
    const expected = stage === 'prod' ? 'Retain' : 'Delete';
    const cache = stacks.data.cache;
    for (const construct of [cache.cache, cache.userGroup, cache.appUser, cache.secret]) {
      expect(resources[logicalId(stacks.data, construct)].DeletionPolicy).toBe(expected);
    }
  });
});

describe('in-transit encryption', () => {
  it.each(stages)('%s: the only cache is serverless, which accepts TLS only', (stage) => {
    const data = ofStage(stage).template(ofStage(stage).stacks.data);
    // Node-based caches (where transit encryption is a setting that can be off) are not used.
    expect(resourcesOf(data, 'AWS::ElastiCache::ReplicationGroup')).toEqual([]);
    expect(resourcesOf(data, 'AWS::ElastiCache::CacheCluster')).toEqual([]);
    data.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
  });

  it('the aws client speaks TLS to every node and logs in as the secret user', () => {
    const options = elastiCacheClusterOptions({ username: 'u', password: 'p' });
    expect(options.redisOptions).toMatchObject({ tls: {}, username: 'u', password: 'p' });
  });
});

/**
 * Every role an IAM policy of any stack lets read the secret (`<stack name>/<role logical id>`);
 * each such statement grants reading it (GetSecretValue, DescribeSecret), nothing more.
 */
function secretReaders(synthesized: SynthesizedEventline, secretLogicalId: string): string[] {
  const readers = new Set<string>();
  for (const stack of Object.values(synthesized.stacks)) {
    if (!(stack instanceof Stack)) continue;
    for (const [, policy] of resourcesOf(synthesized.template(stack), 'AWS::IAM::Policy')) {
      const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
      for (const statement of statements.filter((s) => JSON.stringify(s.Resource).includes(secretLogicalId))) {
        expect(statement.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
        for (const role of policy.Roles as { Ref: string }[]) readers.add(`${stack.stackName}/${role.Ref}`);
      }
    }
  }
  return [...readers].sort();
}

/** `<stack name>/<role logical id>` of a function's execution role. */
function roleOf(stack: Stack, fn: { role?: unknown }): string {
  return `${stack.stackName}/${logicalId(stack, fn.role as { node: unknown })}`;
}

describe('who may read the cache secret', () => {
  it.each(stages)('%s: every function that uses the cache gets its ARN and read access; nothing else can read it', (stage) => {
    const synthesized = ofStage(stage);
    const { stacks } = synthesized;
    const secretLogicalId = logicalId(stacks.data, stacks.data.cache.secret);
    const cacheFunctions = [...stacks.functions.functions.values()].filter((fn) => fn.spec.uses.includes('cache'));
    expect(cacheFunctions.length).toBeGreaterThan(0);

    const functionsTemplate = synthesized.template(stacks.functions).toJSON();
    for (const fn of stacks.functions.functions.values()) {
      const resource = functionsTemplate.Resources[logicalId(stacks.functions, fn)];
      const variables = resource.Properties.Environment?.Variables ?? {};
      const usesCache = fn.spec.uses.includes('cache');
      expect([fn.spec.name, 'CACHE_SECRET_ARN' in variables]).toEqual([fn.spec.name, usesCache]);
      // A strong reference to the data stack's secret.
      if (usesCache) expect(JSON.stringify(variables.CACHE_SECRET_ARN)).toMatch(new RegExp(`ImportValue.*${secretLogicalId}`));
    }
    expect(secretReaders(synthesized, secretLogicalId)).toEqual(cacheFunctions.map((fn) => roleOf(stacks.functions, fn)).sort());
  });
});

// --- The least-privilege database user: functions log in as `eventline_app` (DML only, created by
// the SQL-migrations custom resource); only that custom resource reads the admin's secret.

describe('the application database user', () => {
  /** Logical ids of the two secrets' target attachments (what every reference to them names). */
  const secretIds = (stage: 'dev' | 'prod') => {
    const { data } = ofStage(stage).stacks;
    return {
      admin: logicalId(data, data.database.adminSecret),
      app: logicalId(data, data.database.appSecret),
    };
  };
  /** The data-stack role RDS Proxy reads the secrets with. */
  const proxyRole = (stage: 'dev' | 'prod') => {
    const { data } = ofStage(stage).stacks;
    const [[, proxy]] = resourcesOf(ofStage(stage).template(data), 'AWS::RDS::DBProxy');
    return `${data.stackName}/${(proxy.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]}`;
  };

  it.each(stages)(
    "%s: a generated secret like the admin's, attached to the instance, in the proxy, kept with the database",
    (stage) => {
      const { stacks } = ofStage(stage);
      const resources = ofStage(stage).template(stacks.data).toJSON().Resources;
      const ids = secretIds(stage);
      const [admin, app] = [resources[ids.admin], resources[ids.app]];
      expect([admin.Type, app.Type]).toEqual([
        'AWS::SecretsManager::SecretTargetAttachment',
        'AWS::SecretsManager::SecretTargetAttachment',
      ]);
      expect(app.Properties.TargetId).toEqual(admin.Properties.TargetId);
      expect(resources[admin.Properties.TargetId.Ref].Type).toBe('AWS::RDS::DBInstance');

      const [adminSecret, appSecret] = [resources[admin.Properties.SecretId.Ref], resources[app.Properties.SecretId.Ref]];
      expect(appSecret.Properties.Name).toBe(`eventline-${stage}/mysql/app`);
      expect(JSON.parse(appSecret.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({ username: applicationUser });
      expect(appSecret.Properties.GenerateSecretString.ExcludeCharacters).toBe(
        adminSecret.Properties.GenerateSecretString.ExcludeCharacters,
      );
      expect(appSecret.Properties.GenerateSecretString.PasswordLength).toBe(
        adminSecret.Properties.GenerateSecretString.PasswordLength,
      );
      // Prod keeps the application user's password with the database, as it keeps the admin's.
      expect([appSecret.DeletionPolicy, adminSecret.DeletionPolicy]).toEqual(
        stage === 'prod' ? ['Retain', 'Retain'] : ['Delete', 'Delete'],
      );

      const [[, proxy]] = resourcesOf(ofStage(stage).template(stacks.data), 'AWS::RDS::DBProxy');
      expect((proxy.Auth as { SecretArn: unknown }[]).map((a) => a.SecretArn)).toEqual([{ Ref: ids.admin }, { Ref: ids.app }]);
    },
  );

  it.each(stages)("%s: rotated on the admin's schedule by the admin's rotation function, not on deploy", (stage) => {
    const { stacks } = ofStage(stage);
    const schedules = resourcesOf(ofStage(stage).template(stacks.data), 'AWS::SecretsManager::RotationSchedule');
    const ids = secretIds(stage);
    const scheduleOf = (id: string) => schedules.find(([, p]) => JSON.stringify(p.SecretId) === JSON.stringify({ Ref: id }))?.[1];
    const [admin, app] = [scheduleOf(ids.admin), scheduleOf(ids.app)];
    expect(schedules).toHaveLength(2);
    expect(app?.RotationLambdaARN).toEqual(admin?.RotationLambdaARN);
    expect(app?.RotationRules).toEqual(admin?.RotationRules);
    expect(app?.RotationRules).toEqual({ ScheduleExpression: `rate(${stageConfig(stage).database.secretRotationDays} days)` });
    // The user exists only after the schema stack's migrations: no rotation when the secret is made.
    expect(app?.RotateImmediatelyOnUpdate).toBe(false);
  });

  it.each(stages)(
    '%s: functions that use sql get the application secret, and only they, the proxy and the migrations can read it',
    (stage) => {
      const synthesized = ofStage(stage);
      const { stacks } = synthesized;
      const ids = secretIds(stage);
      const sqlFunctions = [...stacks.functions.functions.values()].filter((fn) => fn.spec.uses.includes('sql'));
      expect(sqlFunctions.length).toBeGreaterThan(0);
      const functionsTemplate = synthesized.template(stacks.functions).toJSON();
      for (const fn of sqlFunctions) {
        const variables = functionsTemplate.Resources[logicalId(stacks.functions, fn)].Properties.Environment.Variables;
        // A strong reference to the application user's secret, never the admin's.
        expect([fn.spec.name, JSON.stringify(variables.DB_SECRET_ARN)]).toEqual([
          fn.spec.name,
          expect.stringMatching(new RegExp(`ImportValue.*${ids.app}`)),
        ]);
        expect(JSON.stringify(variables)).not.toContain(ids.admin);
        expect(variables.DB_APP_SECRET_ARN).toBeUndefined();
      }
      const migrations = roleOf(stacks.schema, stacks.schema.migrations.handler);
      expect(secretReaders(synthesized, ids.app)).toEqual(
        [proxyRole(stage), migrations, ...sqlFunctions.map((fn) => roleOf(stacks.functions, fn))].sort(),
      );
    },
  );

  it.each(stages)('%s: only the SQL-migrations custom resource (and RDS Proxy) can read the admin secret', (stage) => {
    const synthesized = ofStage(stage);
    const { stacks } = synthesized;
    const ids = secretIds(stage);
    const migrations = stacks.schema.migrations;
    expect(secretReaders(synthesized, ids.admin)).toEqual([proxyRole(stage), roleOf(stacks.schema, migrations.handler)].sort());

    const schema = synthesized.template(stacks.schema).toJSON();
    const variables = schema.Resources[logicalId(stacks.schema, migrations.handler)].Properties.Environment.Variables;
    expect(JSON.stringify(variables.DB_SECRET_ARN)).toMatch(new RegExp(`ImportValue.*${ids.admin}`));
    expect(JSON.stringify(variables.DB_APP_SECRET_ARN)).toMatch(new RegExp(`ImportValue.*${ids.app}`));
    // A new application secret or other privileges re-run the custom resource.
    const properties = schema.Resources[logicalId(stacks.schema, migrations.resource)].Properties;
    expect(JSON.stringify(properties.ApplicationUserSecret)).toMatch(new RegExp(`ImportValue.*${ids.app}`));
    expect(properties.ApplicationUserPrivileges).toBe('SELECT,INSERT,UPDATE,DELETE');
    // No other function of any stack is handed the admin secret.
    for (const stack of Object.values(stacks)) {
      if (!(stack instanceof Stack)) continue;
      for (const [id, fn] of resourcesOf(synthesized.template(stack), 'AWS::Lambda::Function')) {
        if (stack === stacks.schema && id === logicalId(stacks.schema, migrations.handler)) continue;
        expect([id, JSON.stringify(fn.Environment ?? {}).includes(ids.admin)]).toEqual([id, false]);
      }
    }
  });
});
