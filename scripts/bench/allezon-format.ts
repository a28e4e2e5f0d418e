/**
 * The Allezon request formats, exactly as the spec (../shared/DESIGN.md) writes them:
 * - profiles: `time_range=<from>_<to>` in UTC without `Z`, millisecond precision, `[from, to)`;
 *   `limit` optional (default 200);
 * - aggregates: `time_range` with second precision on whole minutes (at most 10 minutes), one
 *   `action`, optional `origin`, `brand_id`, `category_id`, and `aggregates` repeated in order.
 */
export type Action = 'VIEW' | 'BUY';
export type AggregateKind = 'COUNT' | 'SUM_PRICE';

export const MINUTE_MS = 60_000;
export const MAX_AGGREGATE_MINUTES = 10;

/** `2022-03-01T00:00:00.649` (UTC, no `Z`). */
export function profileTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

/** `2022-03-01T00:05:00` (UTC, no `Z`, second precision). */
export function aggregateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

export interface ProfileQuery {
  readonly cookie: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Left out of the request when undefined (the server's default of 200 applies). */
  readonly limit?: number;
}

export function profilePath(q: ProfileQuery): string {
  const limit = q.limit === undefined ? '' : `&limit=${q.limit}`;
  return `/user_profiles/${encodeURIComponent(q.cookie)}?time_range=${profileTime(q.fromMs)}_${profileTime(q.toMs)}${limit}`;
}

export interface AggregatesQuery {
  /** Whole minutes, `toMs - fromMs` at most 10 minutes. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly action: Action;
  readonly origin?: string;
  readonly brandId?: string;
  readonly categoryId?: string;
  /** One or both, in the order the answer's columns must follow. */
  readonly aggregates: readonly AggregateKind[];
}

export function aggregatesPath(q: AggregatesQuery): string {
  if (q.fromMs % MINUTE_MS !== 0 || q.toMs % MINUTE_MS !== 0) throw new Error('aggregates ranges are whole minutes');
  const minutes = (q.toMs - q.fromMs) / MINUTE_MS;
  if (minutes < 1 || minutes > MAX_AGGREGATE_MINUTES) throw new Error(`aggregates ranges are 1..10 minutes (got ${minutes})`);
  const params = [`time_range=${aggregateTime(q.fromMs)}_${aggregateTime(q.toMs)}`, `action=${q.action}`];
  if (q.origin !== undefined) params.push(`origin=${encodeURIComponent(q.origin)}`);
  if (q.brandId !== undefined) params.push(`brand_id=${encodeURIComponent(q.brandId)}`);
  if (q.categoryId !== undefined) params.push(`category_id=${encodeURIComponent(q.categoryId)}`);
  for (const kind of q.aggregates) params.push(`aggregates=${kind}`);
  return `/aggregates?${params.join('&')}`;
}
