/**
 * Finding happenings: the query both stores answer (the search index, and MySQL when the index
 * is unavailable), its order and its cursor.
 *
 * - `topics`: happenings with any of these topics.
 * - `from`/`to`: happenings that are on at some moment of [from, to): they overlap the range
 *   (`startsAt < to` and `endsAt > from`), so a festival that began last week and ends tomorrow is
 *   found for "today". With only `from`: not over by then; with only `to`: begun before then.
 * - `near` (+ `radiusKm`): ordered by great-circle distance from the point, nearest first, and
 *   with a radius only those within it (inclusive).
 * - `text`: any of its words in the title or the description (the index matches whole words, the
 *   last one as a prefix; the MySQL fallback matches case- and accent-insensitive substrings).
 *
 * Order: by `startsAt`, then id; with `near`, by distance, then `startsAt`, then id — total
 * orders, so a cursor (the sort values of a page's last item) resumes exactly after it: every
 * happening is answered once across pages while nothing changes (a happening changed between
 * pages is found where it now sorts).
 */
import { createHash } from 'node:crypto';
import { cursorOf, valueOfCursor } from '../../platform/http/cursor';

export interface GeoCircle {
  readonly lat: number;
  readonly lon: number;
}

export interface HappeningFilters {
  readonly topics?: readonly string[];
  /** Epoch milliseconds. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly near?: GeoCircle;
  readonly radiusKm?: number;
  readonly text?: string;
}

/** Where the previous page ended: the last item's sort values. */
export type CursorPosition =
  | { readonly kind: 'time'; readonly startsAtMs: number; readonly id: string }
  | { readonly kind: 'distance'; readonly distanceKm: number; readonly startsAtMs: number; readonly id: string };

export interface HappeningQuery extends HappeningFilters {
  readonly limit: number;
  readonly after?: CursorPosition;
}

export const DEFAULT_LIMIT = 20;
/** Most topics one search names (any of them matches). */
export const TOPICS_QUERY_MAX = 10;
export const MAX_LIMIT = 100;
/** The longest `q` (characters) and the most words of it that count. */
export const TEXT_MAX = 200;
export const TEXT_MAX_WORDS = 10;
/** No radius is larger than half the earth's circumference. */
export const RADIUS_MAX_KM = 20_016;

export function sortKindOf(filters: HappeningFilters): CursorPosition['kind'] {
  return filters.near ? 'distance' : 'time';
}

/**
 * A short digest of the filters: a cursor carries it, so a cursor is only taken with the query
 * that made it (a cursor of another query would resume at a meaningless place).
 */
export function filtersDigest(filters: HappeningFilters): string {
  const canonical = JSON.stringify([
    [...(filters.topics ?? [])].sort(),
    filters.fromMs ?? null,
    filters.toMs ?? null,
    filters.near ? [filters.near.lat, filters.near.lon] : null,
    filters.radiusKm ?? null,
    filters.text ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12);
}

/** The opaque cursor (base64url JSON): the digest of the filters and the sort values. */
export function encodeCursor(filters: HappeningFilters, position: CursorPosition): string {
  const values =
    position.kind === 'time' ? [position.startsAtMs, position.id] : [position.distanceKm, position.startsAtMs, position.id];
  return cursorOf({ f: filtersDigest(filters), s: values });
}

/** The position a cursor stands for, or why it cannot be used with these filters. */
export function decodeCursor(filters: HappeningFilters, cursor: string): CursorPosition | string {
  const invalid = 'is not a cursor this query answered';
  const decoded = valueOfCursor(cursor, 512);
  if (typeof decoded !== 'object' || decoded === null) return invalid;
  const { f, s } = decoded as { f?: unknown; s?: unknown };
  if (f !== filtersDigest(filters)) return 'belongs to another query (other filters); start again without it';
  if (!Array.isArray(s)) return invalid;
  const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
  const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;
  if (sortKindOf(filters) === 'time') {
    const [startsAtMs, id] = s;
    if (s.length !== 2 || !isTime(startsAtMs) || !isId(id)) return invalid;
    return { kind: 'time', startsAtMs, id };
  }
  const [distanceKm, startsAtMs, id] = s;
  if (s.length !== 3 || typeof distanceKm !== 'number' || !Number.isFinite(distanceKm) || !isTime(startsAtMs) || !isId(id)) {
    return invalid;
  }
  return { kind: 'distance', distanceKm, startsAtMs, id };
}

/** The words of `q` that count (whitespace-separated, at most TEXT_MAX_WORDS). */
export function textWords(text: string): string[] {
  return text
    .split(/\s+/u)
    .filter((word) => word !== '')
    .slice(0, TEXT_MAX_WORDS);
}

/**
 * Sort comparison of two positions of the same kind: negative when `a` comes first. Ids compare
 * by UTF-16 code units, which for the ASCII ids of happenings is the byte order MySQL and the
 * search index use.
 */
export function comparePositions(a: CursorPosition, b: CursorPosition): number {
  if (a.kind === 'distance' && b.kind === 'distance' && a.distanceKm !== b.distanceKm) return a.distanceKm - b.distanceKm;
  if (a.startsAtMs !== b.startsAtMs) return a.startsAtMs - b.startsAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
