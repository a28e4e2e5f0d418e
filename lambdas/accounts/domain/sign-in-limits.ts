import type { Cache } from '../../platform/cache/cache';
import { RateLimited } from '../../platform/errors';
import { logger } from '../../platform/observability';

/**
 * Failed sign-ins are counted per username and per client address in a fixed window; past the
 * limit, sign-in answers 429 until the window ends, whether or not the next password is right
 * (so guessing stays slow). Counts live in the cache (Redis / ElastiCache): if it is unavailable
 * the limiter lets sign-in through and logs it — the user pool's own protections still apply.
 */
export const SIGN_IN_LIMITS = {
  windowSeconds: 15 * 60,
  failuresPerUsername: 5,
  failuresPerAddress: 20,
} as const;

const keys = (username: string, address: string) => [
  { key: `sign-in-failures:user:${username}`, limit: SIGN_IN_LIMITS.failuresPerUsername },
  { key: `sign-in-failures:address:${address}`, limit: SIGN_IN_LIMITS.failuresPerAddress },
];

export class SignInLimiter {
  constructor(private readonly cache: Cache) {}

  /** Throws RateLimited when either counter is at its limit. */
  async check(username: string, address: string): Promise<void> {
    for (const { key, limit } of keys(username, address)) {
      const count = await this.read(key);
      if (count >= limit)
        throw new RateLimited('too many failed sign-ins; try again later', { retryAfterSeconds: SIGN_IN_LIMITS.windowSeconds });
    }
  }

  async recordFailure(username: string, address: string): Promise<void> {
    await Promise.all(
      keys(username, address).map(({ key }) =>
        this.cache.increment(key, SIGN_IN_LIMITS.windowSeconds).catch((error: unknown) => {
          logger.warn('could not count a failed sign-in', { reason: (error as Error).message });
        }),
      ),
    );
  }

  private async read(key: string): Promise<number> {
    try {
      return Number((await this.cache.get(key)) ?? 0);
    } catch (error) {
      logger.warn('sign-in limits unavailable; letting the attempt through', { reason: (error as Error).message });
      return 0;
    }
  }
}
