/**
 * The cache port on Redis/Valkey (ioredis 5): the local Redis with `services`, ElastiCache
 * serverless in AWS. Every key gets a prefix so several apps (or test runs) can share a server.
 */
import Redis, { Cluster } from 'ioredis';
import { currentBackend, EnvNames, localServices, parseEndpoint, requiredEnv } from '../config';
import type { Cache } from './cache';
import { assertValidTtl } from './ttl';

export type RedisClient = Redis | Cluster;

export class RedisCache implements Cache {
  /** `keyPrefix` goes in front of every key (default `eventline:`). */
  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix = 'eventline:',
  ) {}

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

  async close(): Promise<void> {
    await this.client.quit();
  }
}

/**
 * The Redis client for the current backend; wrap it: `new RedisCache(redisFromEnv())`.
 * - `services`: `localServices().redisUrl` (plain TCP).
 * - `aws`: `CACHE_ENDPOINT` (`host:port`) of ElastiCache serverless, which requires TLS and speaks
 *   the cluster protocol, so the client is a `Cluster` seeded with that one endpoint. `dnsLookup`
 *   keeps the host name (not its IP) for each node so the TLS certificate matches, as the ioredis
 *   README prescribes for ElastiCache with TLS.
 * Commands fail fast (a cache must never hold a request up for long); the caller falls back to
 * the store.
 */
export function redisFromEnv(env: NodeJS.ProcessEnv = process.env): RedisClient {
  const backend = currentBackend(env);
  const commandOptions = {
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    maxRetriesPerRequest: 1,
  };
  if (backend === 'services') return new Redis(localServices(env).redisUrl, commandOptions);
  if (backend === 'aws') {
    const { host, port } = parseEndpoint(requiredEnv(EnvNames.cacheEndpoint, env), 6379, EnvNames.cacheEndpoint);
    return new Cluster([{ host, port }], {
      dnsLookup: (address, callback) => callback(null, address),
      slotsRefreshTimeout: 2_000,
      redisOptions: { ...commandOptions, tls: {} },
    });
  }
  throw new Error(`no Redis in the embedded backend; use EmbeddedCache or set ${EnvNames.backend}=services`);
}
