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

    it('putIfNewer stores when absent or older, refuses an equal or older version, and getVersioned reads it', async () => {
      expect(await cache.getVersioned('person:ann')).toBeUndefined();
      expect(await cache.putIfNewer('person:ann', 10, '{"v":10}', 60)).toBe(true);
      expect(await cache.getVersioned('person:ann')).toEqual({ version: 10, value: '{"v":10}' });
      expect(await cache.putIfNewer('person:ann', 9, 'older', 60)).toBe(false);
      expect(await cache.putIfNewer('person:ann', 10, 'same', 60)).toBe(false);
      expect(await cache.getVersioned('person:ann')).toEqual({ version: 10, value: '{"v":10}' });
      expect(await cache.putIfNewer('person:ann', 11, '', 60)).toBe(true);
      expect(await cache.getVersioned('person:ann')).toEqual({ version: 11, value: '' });
      // Versions up to 2^53 - 1 compare exactly (Date.now() * 1000 + n is about 2^50.6).
      const big = Number.MAX_SAFE_INTEGER - 1;
      expect(await cache.putIfNewer('person:big', big, 'a', 60)).toBe(true);
      expect(await cache.putIfNewer('person:big', big, 'b', 60)).toBe(false);
      expect(await cache.putIfNewer('person:big', big + 1, 'c', 60)).toBe(true);
      expect(await cache.getVersioned('person:big')).toEqual({ version: Number.MAX_SAFE_INTEGER, value: 'c' });
      const now = Date.now() * 1000;
      expect(await cache.putIfNewer('person:now', now + 1, 'x', 60)).toBe(true);
      expect(await cache.putIfNewer('person:now', now, 'y', 60)).toBe(false);
    });

    it('putIfNewer: of concurrent writes the highest version wins, whatever their order', async () => {
      const versions = Array.from({ length: 50 }, (_, i) => 1_700_000_000_000_000 + ((i * 37) % 50));
      const stored = await Promise.all(versions.map((v) => cache.putIfNewer('person:race', v, `value-${v}`, 60)));
      const highest = Math.max(...versions);
      expect(await cache.getVersioned('person:race')).toEqual({ version: highest, value: `value-${highest}` });
      expect(stored.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      expect(stored[versions.indexOf(highest)]).toBe(true);
    });

    it('a versioned entry expires after its TTL, a refused write keeps the TTL, and delete forgets the version', async () => {
      await cache.putIfNewer('person:ttl', 5, 'five', 1);
      await subject.elapse(0.5);
      expect(await cache.putIfNewer('person:ttl', 4, 'four', 60)).toBe(false);
      expect(await cache.getVersioned('person:ttl')).toEqual({ version: 5, value: 'five' });
      await subject.elapse(0.7);
      expect(await cache.getVersioned('person:ttl')).toBeUndefined();
      expect(await cache.putIfNewer('person:ttl', 1, 'one', 60)).toBe(true);
      await cache.delete('person:ttl');
      expect(await cache.getVersioned('person:ttl')).toBeUndefined();
      expect(await cache.putIfNewer('person:ttl', 0, 'zero', 60)).toBe(true);
    });

    it('refuses versions that are not integers below 2^53, and a key used both plain and versioned', async () => {
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY]) {
        await expect(cache.putIfNewer('person:bad', bad, 'v', 60)).rejects.toThrow(RangeError);
      }
      await expect(cache.putIfNewer('person:bad', 1, 'v', 0)).rejects.toThrow(RangeError);
      expect(await cache.getVersioned('person:bad')).toBeUndefined();
      await cache.set('plain', 'p', 60);
      await expect(cache.putIfNewer('plain', 1, 'v', 60)).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.getVersioned('plain')).rejects.toThrow(/WRONGTYPE/);
      await cache.putIfNewer('versioned', 1, 'v', 60);
      await expect(cache.get('versioned')).rejects.toThrow(/WRONGTYPE/);
      await cache.set('versioned', 'plain now', 60); // SET replaces either kind
      expect(await cache.get('versioned')).toBe('plain now');
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
    const cache = new RedisCache(await redisFromEnv({ EVENTLINE_BACKEND: 'services', EVENTLINE_REDIS_URL: redisUrl }), prefix);
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

  it('putIfNewer from several connections at once: the highest version wins', async () => {
    const caches = Array.from({ length: 4 }, () => new RedisCache(new Redis(redisUrl), prefix));
    try {
      const versions = Array.from({ length: 200 }, (_, i) => 1_000 + ((i * 73) % 200));
      await Promise.all(versions.map((v, i) => caches[i % caches.length].putIfNewer('race:many', v, `v${v}`, 30)));
      expect(await caches[0].getVersioned('race:many')).toEqual({ version: 1_199, value: 'v1199' });
    } finally {
      await caches[0].delete('race:many');
      await Promise.all(caches.map((c) => c.close()));
    }
  });

  it('redisFromEnv has no Redis in the embedded backend', async () => {
    await expect(redisFromEnv({ EVENTLINE_BACKEND: 'embedded' })).rejects.toThrow(/embedded/);
  });
});
