/**
 * Authenticated Valkey (docs/ARCHITECTURE.md, "Deploy hardening (issue 9)"), asserted on the
 * synthesized templates: the serverless cache admits only the functions' password user of its
 * user group (the `default` user is not in it), over TLS, and only functions that use the cache
 * may read that user's secret.
 */
import type { Stack } from 'aws-cdk-lib';
import { manifest } from '../../lambdas/manifest';
import { elastiCacheClusterOptions } from '../../lambdas/platform/cache/redis-cache';
import { cacheAppUserAccessString } from '../../lib/data/cache';
import { resourcesOf, type SynthesizedEventline, synthEventline } from './support/synth';

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

const stages = [['dev'], ['prod']] as const;
const app = (stage: 'dev' | 'prod') => (stage === 'dev' ? dev : prod);

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } } | { node: unknown }): string {
  const node = (construct as { node: { defaultChild?: unknown } }).node;
  const resource = node.defaultChild ?? construct;
  return stack.getLogicalId(resource as Parameters<Stack['getLogicalId']>[0]);
}

describe('the Valkey cache user group', () => {
  it.each(stages)('%s: the serverless cache uses the group, which holds only the password user', (stage) => {
    const { stacks } = app(stage);
    const data = app(stage).template(stacks.data);
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
    const { stacks } = app(stage);
    const data = app(stage).template(stacks.data);
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
    const { stacks } = app(stage);
    const resources = app(stage).template(stacks.data).toJSON().Resources as Record<string, { DeletionPolicy?: string }>;
    const expected = stage === 'prod' ? 'Retain' : 'Delete';
    const cache = stacks.data.cache;
    for (const construct of [cache.cache, cache.userGroup, cache.appUser, cache.secret]) {
      expect(resources[logicalId(stacks.data, construct)].DeletionPolicy).toBe(expected);
    }
  });
});

describe('in-transit encryption', () => {
  it.each(stages)('%s: the only cache is serverless, which accepts TLS only', (stage) => {
    const data = app(stage).template(app(stage).stacks.data);
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

describe('who may read the cache secret', () => {
  it.each(stages)('%s: every function that uses the cache gets its ARN and read access; nothing else can read it', (stage) => {
    const synthesized = app(stage);
    const { stacks } = synthesized;
    const secretLogicalId = logicalId(stacks.data, stacks.data.cache.secret);
    const cacheFunctions = [...stacks.functions.functions.values()].filter((fn) => fn.spec.uses.includes('cache'));
    expect(cacheFunctions.length).toBeGreaterThan(0);

    const functionsTemplate = synthesized.template(stacks.functions).toJSON();
    const readers = new Set<string>();
    for (const fn of stacks.functions.functions.values()) {
      const resource = functionsTemplate.Resources[logicalId(stacks.functions, fn)];
      const variables = resource.Properties.Environment?.Variables ?? {};
      const usesCache = fn.spec.uses.includes('cache');
      expect([fn.spec.name, 'CACHE_SECRET_ARN' in variables]).toEqual([fn.spec.name, usesCache]);
      if (usesCache) {
        // A strong reference to the data stack's secret.
        expect(JSON.stringify(variables.CACHE_SECRET_ARN)).toMatch(new RegExp(`ImportValue.*${secretLogicalId}`));
        readers.add(logicalId(stacks.functions, fn.role as unknown as { node: unknown }));
      }
    }

    // Every IAM policy of every stack that names the secret belongs to one of those roles, and
    // grants reading it (GetSecretValue, DescribeSecret), nothing more.
    const granted = new Set<string>();
    for (const stack of Object.values(stacks)) {
      if (!(typeof stack === 'object' && stack && 'templateFile' in stack)) continue;
      for (const [, policy] of resourcesOf(synthesized.template(stack as Stack), 'AWS::IAM::Policy')) {
        const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
        for (const statement of statements.filter((s) => JSON.stringify(s.Resource).includes(secretLogicalId))) {
          const roles = (policy.Roles as { Ref: string }[]).map((r) => r.Ref);
          expect([stack === stacks.functions, roles.every((r) => readers.has(r))]).toEqual([true, true]);
          expect(statement.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
          for (const role of roles) granted.add(role);
        }
      }
    }
    expect([...granted].sort()).toEqual([...readers].sort());
  });
});
