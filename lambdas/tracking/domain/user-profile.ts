import type { TimeRange } from './time-range';
import type { UserTagStore } from './user-tag-store';

/** Keep at least this many newest VIEWs and BUYs per cookie (the Allezon contract). */
export const TAGS_KEPT_PER_ACTION = 200;
export const DEFAULT_PROFILE_LIMIT = 200;

/**
 * Answers `/user_profiles/{cookie}`: `{cookie, views, buys}`, each newest first. The tags are
 * spliced in as the raw JSON the client sent, so they come back byte-for-byte (same `time`
 * string, `product_id` as number or string).
 */
export async function userProfileJson(store: UserTagStore, cookie: string, range: TimeRange, limit: number): Promise<string> {
  const [views, buys] = await Promise.all([
    store.newest(cookie, 'VIEW', range, limit),
    store.newest(cookie, 'BUY', range, limit),
  ]);
  return `{"cookie":${JSON.stringify(cookie)},"views":[${views.join(',')}],"buys":[${buys.join(',')}]}`;
}

/** 24 h of logical time: retention is measured from the newest tag, not the wall clock. */
export const RETENTION_MS = 24 * 60 * 60 * 1000;

export async function trimExpiredTags(store: UserTagStore): Promise<{ cutoffMs?: number; deleted: number }> {
  const newest = await store.newestTagTime();
  if (newest === undefined) return { deleted: 0 };
  const cutoffMs = newest - RETENTION_MS;
  return { cutoffMs, deleted: await store.deleteOlderThan(cutoffMs) };
}
