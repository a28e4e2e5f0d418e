/**
 * One contract for the cache port, run against the embedded Map and the real Redis
 * (127.0.0.1:6379, `npm run services:up`). Redis keys carry a unique prefix per run.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { Cache } from '../../lambdas/platform/cache/cache';
import { EmbeddedCache } from '../../lambdas/platform/cache/embedded-cache';
import { RedisCache, redisFromEnv } from '../../lambdas/platform/cache/redis-cache';
import { FixedClock } from '../../lambdas/platform/clock/clock';

interface CacheUnderTest {
  readonly cache: Cache;
  /** Lets `seconds` pass for the cache: moves the clock or really waits. */
  elapse(seconds: number): Promise<void>;
  /** Removes what the suite left behind on a shared server. */
  cleanup?(): Promise<void>;
}

function describeCachePort(name: string, setup: () => Promise<CacheUnderTest>): void {
  describe(`cache port: ${name}`, () => {
    let subject: CacheUnderTest;
    let cache: Cache;

    beforeAll(async () => {
      subject = await setup();
      cache = subject.cache;
    });
    afterAll(async () => {
      await subject?.cleanup?.();
      await cache?.close();
    });

    it('returns undefined for a key never set', async () => {
      expect(await cache.get('never-set')).toBeUndefined();
    });

    it('returns what was set, and the latest value after an overwrite', async () => {
      await cache.set('profile:1', '{"name":"Zoë 😀"}', 60);
      expect(await cache.get('profile:1')).toBe('{"name":"Zoë 😀"}');
      await cache.set('profile:1', 'second', 60);
      expect(await cache.get('profile:1')).toBe('second');
      await cache.set('empty', '', 60);
      expect(await cache.get('empty')).toBe('');
    });

    it('forgets a deleted key; deleting a missing key is fine', async () => {
      await cache.set('to-delete', 'x', 60);
      await cache.delete('to-delete');
      expect(await cache.get('to-delete')).toBeUndefined();
      await expect(cache.delete('to-delete')).resolves.toBeUndefined();
    });

    it('expires a key after its TTL, not before', async () => {
      await cache.set('short', 'x', 1);
      await cache.set('long', 'y', 60);
      await subject.elapse(0.5);
      expect(await cache.get('short')).toBe('x');
      await subject.elapse(0.7);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toBe('y');
    });

    it('counts atomically in a fixed window that the first increment opens', async () => {
      const counts = await Promise.all(Array.from({ length: 20 }, () => cache.increment('attempts:ann', 1)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await subject.elapse(0.6);
      expect(await cache.increment('attempts:ann', 1)).toBe(21); // later increments keep the window
      await subject.elapse(0.6);
      expect(await cache.increment('attempts:ann', 1)).toBe(1); // a new window
      expect(await cache.increment('attempts:bob', 60)).toBe(1);
      await expect(cache.increment('k', 0)).rejects.toThrow(RangeError);
    });

    it('refuses a TTL that is not a positive number', async () => {
      await expect(cache.set('k', 'v', 0)).rejects.toThrow(RangeError);
      await expect(cache.set('k', 'v', -1)).rejects.toThrow(RangeError);
      await expect(cache.set('k', 'v', Number.NaN)).rejects.toThrow(RangeError);
      expect(await cache.get('k')).toBeUndefined();
    });
  });
}

describeCachePort('embedded', async () => {
  const clock = new FixedClock(new Date('2024-01-01T00:00:00Z'));
  return {
    cache: new EmbeddedCache(clock),
    elapse: async (seconds) => clock.advance(seconds * 1000),
  };
});

const redisUrl = 'redis://127.0.0.1:6379';
const prefix = `eventline-test:${randomBytes(4).toString('hex')}:`;

describeCachePort('redis', async () => {
  // Fail loudly, with the fix, when Redis is not running.
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${redisUrl}; run \`npm run services:up\` (${(error as Error).message})`);
  } finally {
    probe.disconnect();
  }
  return {
    cache: new RedisCache(new Redis(redisUrl), prefix),
    elapse: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
    cleanup: () => deleteKeysWithPrefix(prefix),
  };
});

async function deleteKeysWithPrefix(keyPrefix: string): Promise<void> {
  const raw = new Redis(redisUrl);
  try {
    const keys = await raw.keys(`${keyPrefix}*`);
    if (keys.length > 0) await raw.del(...keys);
  } finally {
    raw.disconnect();
  }
}

describe('redis cache keys', () => {
  it('are stored under the prefix, and redisFromEnv uses the local Redis with services', async () => {
    const cache = new RedisCache(redisFromEnv({ EVENTLINE_BACKEND: 'services', EVENTLINE_REDIS_URL: redisUrl }), prefix);
    const raw = new Redis(redisUrl);
    try {
      await cache.set('prefixed', 'v', 5);
      expect(await raw.get(`${prefix}prefixed`)).toBe('v');
      expect(await raw.get('prefixed')).toBeNull();
      const ttlMs = await raw.pttl(`${prefix}prefixed`);
      expect(ttlMs).toBeGreaterThan(4000);
      expect(ttlMs).toBeLessThanOrEqual(5000);
    } finally {
      await raw.del(`${prefix}prefixed`);
      raw.disconnect();
      await cache.close();
    }
  });

  it('redisFromEnv has no Redis in the embedded backend', () => {
    expect(() => redisFromEnv({ EVENTLINE_BACKEND: 'embedded' })).toThrow(/embedded/);
  });
});
