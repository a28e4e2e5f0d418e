/**
 * The cache port on Redis/Valkey (ioredis 5): the local Redis with `services`, ElastiCache
 * serverless in AWS. Every key gets a prefix so several apps (or test runs) can share a server.
 */
import Redis, { Cluster, type ClusterOptions } from 'ioredis';
import { currentBackend, EnvNames, localServices, parseEndpoint, requiredEnv } from '../config';
import type { UsernamePassword } from '../credentials-secret';
import type { Cache, VersionedValue } from './cache';
import { assertValidTtl, assertValidVersion } from './ttl';

export type RedisClient = Redis | Cluster;

/**
 * putIfNewer in one step on the server: a versioned entry is a hash {v: version, d: value}.
 * Lua numbers are doubles, exact for the integers below 2^53 that versions are. A key of another
 * type fails with WRONGTYPE on HGET, as a plain GET of a versioned key does.
 */
const putIfNewerScript = `
local stored = redis.call('HGET', KEYS[1], 'v')
if stored and tonumber(stored) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

const putIfNewerCommand = 'eventlinePutIfNewer';

type WithPutIfNewer = {
  [putIfNewerCommand](key: string, version: string, value: string, ttlMs: string): Promise<number>;
};

export class RedisCache implements Cache {
  /** `keyPrefix` goes in front of every key (default `eventline:`). */
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix = 'eventline:',
  ) {
    // ioredis sends EVALSHA and falls back to EVAL once when the server does not know the script.
    client.defineCommand(putIfNewerCommand, { numberOfKeys: 1, lua: putIfNewerScript });
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(this.keyPrefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    assertValidTtl(ttlSeconds);
    // PX (milliseconds) so fractional TTLs are honoured instead of rounded by EX.
    await this.client.set(this.keyPrefix + key, value, 'PX', Math.ceil(ttlSeconds * 1000));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.keyPrefix + key);
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    assertValidTtl(windowSeconds);
    const full = this.keyPrefix + key;
    // One round trip, atomic: INCR, then an expiry only if the key has none yet (a new window).
    const results = await this.client
      .multi()
      .incr(full)
      .pexpire(full, Math.ceil(windowSeconds * 1000), 'NX')
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the counter transaction was discarded');
    return Number(results[0]?.[1]);
  }

  async putIfNewer(key: string, version: number, value: string, ttlSeconds: number): Promise<boolean> {
    assertValidTtl(ttlSeconds);
    assertValidVersion(version);
    const client = this.client as unknown as WithPutIfNewer;
    const stored = await client[putIfNewerCommand](
      this.keyPrefix + key,
      String(version),
      value,
      String(Math.ceil(ttlSeconds * 1000)),
    );
    return stored === 1;
  }

  async getVersioned(key: string): Promise<VersionedValue | undefined> {
    const [version, value] = await this.client.hmget(this.keyPrefix + key, 'v', 'd');
    if (version === null || value === null) return undefined;
    return { version: Number(version), value };
  }

  async close(): Promise<void> {
    await this.client.quit();
  }
}

/** Options every client gets: commands fail fast (a cache must never hold a request up for long). */
const commandOptions = {
  connectTimeout: 2_000,
  commandTimeout: 1_000,
  maxRetriesPerRequest: 1,
  // The ready check sends INFO, which the functions' cache user may not run (it is in @dangerous,
  // lib/data/cache.ts); ioredis would warn on every connection and go on anyway.
  enableReadyCheck: false,
};

/**
 * The Redis client for the current backend; wrap it: `new RedisCache(await redisFromEnv())`.
 * - `services`: `localServices().redisUrl` (plain TCP; a `redis://user:password@host` URL logs in
 *   as that ACL user, the local Redis itself has none).
 * - `aws`: `CACHE_ENDPOINT` (`host:port`) of ElastiCache serverless, which requires TLS and speaks
 *   the cluster protocol, so the client is a `Cluster` seeded with that one endpoint. It logs in as
 *   the cache user of `CACHE_SECRET_ARN`, read before the client exists (ioredis connects lazily
 *   with the options it was given, so the credentials must be there first).
 * The caller falls back to the store when a command fails.
 */
export async function redisFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RedisClient> {
  const backend = currentBackend(env);
  if (backend === 'services') return new Redis(localServices(env).redisUrl, commandOptions);
  if (backend === 'aws') {
    const { seed, options } = await elastiCacheFromEnv(env);
    return new Cluster([seed], options);
  }
  throw new Error(`no Redis in the embedded backend; use EmbeddedCache or set ${EnvNames.backend}=services`);
}

/** The seed endpoint and `Cluster` options of the `aws` backend, credentials read from the secret. */
export async function elastiCacheFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ seed: { host: string; port: number }; options: ClusterOptions }> {
  const seed = parseEndpoint(requiredEnv(EnvNames.cacheEndpoint, env), 6379, EnvNames.cacheEndpoint);
  const { usernamePasswordSecret } = await import('../credentials-secret');
  const credentials = await usernamePasswordSecret(requiredEnv(EnvNames.cacheSecretArn, env));
  return { seed, options: elastiCacheClusterOptions(credentials) };
}

/**
 * The `Cluster` options for ElastiCache serverless, logged in as `credentials` (every node
 * connection sends `AUTH username password`). `dnsLookup` keeps the host name (not its IP) for
 * each node so the TLS certificate matches, as the ioredis README prescribes for ElastiCache with
 * TLS. Exported for tests.
 */
export function elastiCacheClusterOptions(credentials: UsernamePassword): ClusterOptions {
  return {
    dnsLookup: (address, callback) => callback(null, address),
    slotsRefreshTimeout: 2_000,
    redisOptions: { ...commandOptions, tls: {}, username: credentials.username, password: credentials.password },
  };
}
