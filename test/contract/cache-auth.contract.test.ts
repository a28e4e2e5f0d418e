/**
 * The cache user on a real server: the local Redis (127.0.0.1:6379, `npm run services:up`) gets a
 * throwaway ACL user with the access string lib/data/cache.ts gives the functions' ElastiCache
 * user and a random password; the test removes it afterwards. The adapter runs under it with the
 * options the `aws` backend builds (without TLS and cluster mode, which the local server lacks).
 */
import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import Redis from 'ioredis';
import {
  elastiCacheClusterOptions,
  elastiCacheFromEnv,
  RedisCache,
  redisFromEnv,
} from '../../lambdas/platform/cache/redis-cache';
import { cacheAppUserAccessString } from '../../lib/data/cache';

const redisUrl = process.env.EVENTLINE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');
const username = `eventline-test-${run}`;
const password = randomBytes(24).toString('hex');
const keyPrefix = `eventline:test-auth-${run}:`;
let admin: Redis;

beforeAll(async () => {
  admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${redisUrl}; run \`npm run services:up\` (${(error as Error).message})`);
  }
  await admin.call('ACL', 'SETUSER', username, 'reset', ...cacheAppUserAccessString.split(' '), `>${password}`);
});

afterAll(async () => {
  if (!admin) return;
  await admin.call('ACL', 'DELUSER', username);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

/** A standalone client with the node options the aws backend gives each cluster node, minus TLS. */
function clientWith(credentials: { username: string; password: string }): Redis {
  const { tls: _tls, ...nodeOptions } = elastiCacheClusterOptions(credentials).redisOptions ?? {};
  const { hostname, port } = new URL(redisUrl);
  // No reconnect: a refused login must surface once, not retry forever.
  return new Redis({ ...nodeOptions, host: hostname, port: Number(port || 6379), retryStrategy: () => null });
}

describe('the cache user (ACL) on the local Redis', () => {
  it('the aws backend options log in with username and password, and the adapter works under the access string', async () => {
    const client = clientWith({ username, password });
    const cache = new RedisCache(client, keyPrefix);
    try {
      expect(await client.call('ACL', 'WHOAMI')).toBe(username);
      await cache.set('k', 'v', 30);
      expect(await cache.get('k')).toBe('v');
      expect(await cache.increment('counter', 30)).toBe(1);
      expect(await cache.increment('counter', 30)).toBe(2);
      expect(await cache.putIfNewer('versioned', 2, 'two', 30)).toBe(true);
      expect(await cache.putIfNewer('versioned', 1, 'one', 30)).toBe(false);
      expect(await cache.getVersioned('versioned')).toEqual({ version: 2, value: 'two' });
      await cache.delete('k');
      expect(await cache.get('k')).toBeUndefined();
    } finally {
      await cache.close();
    }
  });

  it('refuses keys outside the eventline: prefix and dangerous commands', async () => {
    const client = clientWith({ username, password });
    try {
      await expect(client.set(`other-app:${run}`, 'x')).rejects.toThrow(/NOPERM/);
      await expect(client.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
      await expect(client.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
    } finally {
      client.disconnect();
    }
  });

  it('a wrong password fails the commands with WRONGPASS, not a hang', async () => {
    const client = clientWith({ username, password: `${password}-wrong` });
    const errors: Error[] = [];
    client.on('error', (error: Error) => errors.push(error));
    try {
      const started = Date.now();
      await expect(client.get(`${keyPrefix}k`)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(errors.map((e) => e.message).join('\n')).toMatch(/WRONGPASS/);
    } finally {
      client.disconnect();
    }
  });

  it('redisFromEnv with services logs in as the user of a redis://user:password@ URL', async () => {
    const url = new URL(redisUrl);
    url.username = username;
    url.password = password;
    const client = await redisFromEnv({ EVENTLINE_BACKEND: 'services', EVENTLINE_REDIS_URL: url.toString() });
    try {
      expect(await client.call('ACL', 'WHOAMI')).toBe(username);
    } finally {
      client.disconnect();
    }
  });

  it('aws: the cluster client logs in as the user of CACHE_SECRET_ARN (Secrets Manager mocked, as the SQL pool test does)', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username, password }) });
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:eventline-dev/valkey/app-AbCdEf';
    try {
      const { seed, options } = await elastiCacheFromEnv({
        AWS_REGION: 'eu-west-1',
        EVENTLINE_BACKEND: 'aws',
        CACHE_ENDPOINT: 'eventline-dev-cache-abc.serverless.euw1.cache.amazonaws.com:6379',
        CACHE_SECRET_ARN: secretArn,
      });
      expect(seed).toEqual({ host: 'eventline-dev-cache-abc.serverless.euw1.cache.amazonaws.com', port: 6379 });
      expect(options.redisOptions).toMatchObject({ username, password, tls: {} });
      expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe(secretArn);
    } finally {
      secrets.restore();
    }
  });

  it('aws: a secret without username and password is refused without echoing it', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ user: 'x', token: 'do-not-print' }) });
    try {
      const reading = elastiCacheFromEnv({
        AWS_REGION: 'eu-west-1',
        EVENTLINE_BACKEND: 'aws',
        CACHE_ENDPOINT: 'cache.example:6379',
        CACHE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-AbCdEf',
      });
      await expect(reading).rejects.toThrow(/must be JSON with string fields username and password/);
      await expect(reading).rejects.not.toThrow(/do-not-print/);
    } finally {
      secrets.restore();
    }
  });
});
