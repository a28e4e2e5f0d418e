/**
 * Minute aggregates of user tags (the Allezon `/aggregates` read model).
 *
 * Every tag is added to 8 aggregate rows of its minute: one per subset of the optional filters
 * (origin, brand_id, category_id), the filters left out stored as `ANY`. A query names its
 * filters, so it reads exactly one key, one row per minute, at most 10 minutes: no scan, no
 * grouping at query time.
 */
import type { TimeRange } from './time-range';
import type { Action } from './user-tag';

/** Stands for "any value" in a key. The tag schema forbids empty strings, so nothing collides. */
export const ANY = '';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

/** A fully specified aggregate key: absent filters are `ANY`. */
export interface AggregateKey {
  readonly action: Action;
  readonly origin: string;
  readonly brandId: string;
  readonly categoryId: string;
}

/** What the aggregates need of a tag, with its log position (for exactly-once). */
export interface AggregatableTag {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The tag's identity (its record's `eventline-identity` header); applied once per window. */
  readonly identity?: string;
  readonly action: Action;
  readonly origin: string;
  readonly brandId: string;
  readonly categoryId: string;
  /** int32 */
  readonly price: number;
  readonly timeMs: number;
}

/** One bucket's totals. Both are bigint: SUM_PRICE of int32 prices outgrows 2^53 over time. */
export interface Totals {
  readonly count: bigint;
  readonly sumPrice: bigint;
}

/** A sparse per-bucket total as a store returns it (buckets with no tags are absent). */
export interface BucketTotals extends Totals {
  /** Start of the bucket (minute or hour), epoch ms UTC. */
  readonly bucketMs: number;
}

/** What a batch adds to one (key, minute). */
export interface MinuteIncrement extends AggregateKey, Totals {
  readonly minuteMs: number;
}

export function minuteOf(timeMs: number): number {
  return Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
}

export function hourOf(timeMs: number): number {
  return Math.floor(timeMs / HOUR_MS) * HOUR_MS;
}

/** The 8 keys a tag counts under: every subset of its origin, brand and category. */
export function keysOf(tag: Pick<AggregatableTag, 'action' | 'origin' | 'brandId' | 'categoryId'>): AggregateKey[] {
  const keys: AggregateKey[] = [];
  for (let mask = 0; mask < 8; mask += 1) {
    keys.push({
      action: tag.action,
      origin: mask & 1 ? tag.origin : ANY,
      brandId: mask & 2 ? tag.brandId : ANY,
      categoryId: mask & 4 ? tag.categoryId : ANY,
    });
  }
  return keys;
}

/** Total order on (key, minute), the same in every process: writers lock rows in this order. */
export function compareIncrements(a: MinuteIncrement, b: MinuteIncrement): number {
  return (
    compareText(a.action, b.action) ||
    compareText(a.origin, b.origin) ||
    compareText(a.brandId, b.brandId) ||
    compareText(a.categoryId, b.categoryId) ||
    a.minuteMs - b.minuteMs
  );
}

/**
 * One fixed order of keys (UTF-16 code units), so every transaction takes its row locks in the
 * same order. It equals the VARBINARY byte order of the UTF-8 keys in MySQL below U+E000, which
 * covers every key whose order an answer shows (app ids and event types are ASCII).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pre-aggregates a batch: many tags share a minute and a key, so a batch of n tags becomes far
 * fewer than 8n row updates. Each tag counts in the minute of its own `time`, however late or
 * out of order it arrives. The result is sorted by `compareIncrements`.
 */
export function preAggregate(tags: readonly AggregatableTag[]): MinuteIncrement[] {
  const byKey = new Map<string, { key: AggregateKey; minuteMs: number; count: bigint; sumPrice: bigint }>();
  for (const tag of tags) {
    const minuteMs = minuteOf(tag.timeMs);
    const price = BigInt(tag.price);
    for (const key of keysOf(tag)) {
      const id = JSON.stringify([key.action, key.origin, key.brandId, key.categoryId, minuteMs]);
      const entry = byKey.get(id);
      if (entry) {
        entry.count += 1n;
        entry.sumPrice += price;
      } else {
        byKey.set(id, { key, minuteMs, count: 1n, sumPrice: price });
      }
    }
  }
  return [...byKey.values()]
    .map(({ key, minuteMs, count, sumPrice }) => ({ ...key, minuteMs, count, sumPrice }))
    .sort(compareIncrements);
}

/** Where the aggregates are kept. MySQL and in memory; one contract suite holds both. */
export interface AggregateStore {
  /**
   * Adds the tags this consumer group has not applied yet, exactly once: the increments and the
   * group's offsets change together or not at all, so a redelivered batch changes nothing; and a
   * tag whose identity the group applied within `APPLIED_IDENTITY_WINDOW_MS` (a client's resend,
   * at another offset) adds nothing either.
   */
  addTags(consumerGroup: string, tags: readonly AggregatableTag[]): Promise<{ applied: number; skipped: number }>;
  /** Per-minute totals of one key in `[from, to)`, ascending; minutes without tags absent. */
  minuteTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]>;
  /** Per-hour totals of one key in `[from, to)` (roll-ups), ascending; empty hours absent. */
  hourTotals(key: AggregateKey, range: TimeRange): Promise<BucketTotals[]>;
  /** The newest minute holding any aggregate (the logical "now" of retention), if any. */
  newestMinute(): Promise<number | undefined>;
  /**
   * Adds every minute row older than `cutoffMs` to its hour row and deletes it, minute by minute,
   * each minute in one transaction (so a rerun, or a crash half-way, never counts a minute twice).
   * Stops after `maxMinutes` minutes; returns how many minutes and rows it rolled up.
   */
  rollUpMinutesBefore(cutoffMs: number, maxMinutes: number): Promise<{ minutes: number; rows: number }>;
  /** Deletes hour rows older than `cutoffMs`; returns how many. */
  deleteHoursBefore(cutoffMs: number): Promise<number>;
  /** Forgets applied identities first applied before `cutoffMs` (clock time); returns how many. */
  forgetIdentitiesBefore(cutoffMs: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// The query: POST /aggregates

export const AGGREGATE_KINDS = ['COUNT', 'SUM_PRICE'] as const;
export type AggregateKind = (typeof AGGREGATE_KINDS)[number];

/** The optional filters, in the fixed order their columns appear in an answer. */
export const FILTERS = ['origin', 'brand_id', 'category_id'] as const;
export type FilterName = (typeof FILTERS)[number];

/** At most this many minute buckets per query (the Allezon contract). */
export const MAX_QUERY_MINUTES = 10;

export interface AggregatesQuery {
  /** Whole minutes, `[from, to)`, at most `MAX_QUERY_MINUTES`. */
  readonly range: TimeRange;
  readonly action: Action;
  readonly filters: Readonly<Partial<Record<FilterName, string>>>;
  /** One or more, in query order (a repeated one is answered twice, as asked). */
  readonly aggregates: readonly AggregateKind[];
}

export interface AggregatesAnswer {
  readonly columns: string[];
  readonly rows: string[][];
}

export function keyOf(query: Pick<AggregatesQuery, 'action' | 'filters'>): AggregateKey {
  return {
    action: query.action,
    origin: query.filters.origin ?? ANY,
    brandId: query.filters.brand_id ?? ANY,
    categoryId: query.filters.category_id ?? ANY,
  };
}

/** `2022-03-01T00:05:00`: the bucket as the contract prints it (UTC, seconds, no `Z`). */
export function formatBucket(minuteMs: number): string {
  return new Date(minuteMs).toISOString().slice(0, 19);
}

/**
 * The answer: columns `1m_bucket`, `action`, the given filters (origin, brand_id, category_id
 * order), then the aggregates in query order as `count`/`sum_price`; one row per minute of the
 * range, ascending, every value a string, minutes without tags as "0".
 */
export function aggregatesAnswer(query: AggregatesQuery, totals: readonly BucketTotals[]): AggregatesAnswer {
  const given = FILTERS.filter((name) => query.filters[name] !== undefined);
  const columns = ['1m_bucket', 'action', ...given, ...query.aggregates.map((kind) => kind.toLowerCase())];
  const byMinute = new Map(totals.map((t) => [t.bucketMs, t]));
  const rows: string[][] = [];
  for (let minuteMs = query.range.fromMs; minuteMs < query.range.toMs; minuteMs += MINUTE_MS) {
    const bucket = byMinute.get(minuteMs);
    const values = query.aggregates.map((kind) => String(kind === 'COUNT' ? (bucket?.count ?? 0n) : (bucket?.sumPrice ?? 0n)));
    rows.push([formatBucket(minuteMs), query.action, ...given.map((name) => query.filters[name] as string), ...values]);
  }
  return { columns, rows };
}

export async function answerAggregates(store: AggregateStore, query: AggregatesQuery): Promise<AggregatesAnswer> {
  return aggregatesAnswer(query, await store.minuteTotals(keyOf(query), query.range));
}
