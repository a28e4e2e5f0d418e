import { isDeepStrictEqual } from 'node:util';
import { type Action, type AggregatesQuery, aggregateTime, floorMinute, MINUTE_MS, type ProfileQuery } from './allezon-format';
import type { SentTag } from './tag-generator';

/** Keep at least this many newest VIEWs and BUYs per cookie (the spec). */
export const KEPT_PER_ACTION = 200;
export const DEFAULT_LIMIT = 200;

export interface AggregatesAnswer {
  readonly columns: string[];
  readonly rows: string[][];
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * What the store may or may not hold *newer* than a profile query's range when it answers:
 * - `pending`: tags of the cookie sent but not yet acknowledged (they may already be stored);
 * - `lagging`: acknowledged tags may not be visible yet (consumers lag behind the log).
 * Newer tags never appear in a `[from, to)` answer, but they push older ones out of the 200
 * kept, so they decide how many in-range tags survive the trim.
 */
export interface NewerUncertainty {
  readonly pending: Readonly<Record<Action, number>>;
  readonly lagging: boolean;
}

export const SETTLED: NewerUncertainty = { pending: { VIEW: 0, BUY: 0 }, lagging: false };

interface ProfileEntry {
  readonly timeMs: number;
  readonly raw: string;
  /** `raw` parsed, on first comparison (checks compare many times; parsing once keeps the load generator light). */
  parsed?: unknown;
}

function parsedOf(entry: ProfileEntry): unknown {
  entry.parsed ??= JSON.parse(entry.raw);
  return entry.parsed;
}

interface MinuteEntry {
  readonly origin: string;
  readonly brandId: string;
  readonly categoryId: string;
  readonly price: number;
}

/**
 * The expected answers of the Allezon contract for the tags acknowledged so far: profiles (the
 * 200 newest per cookie and action, newest first, tags exactly as sent, `[from, to)`, `limit`
 * per list) and minute aggregates (COUNT / SUM_PRICE per minute, optional filters, every value a
 * string, empty minutes "0"). Benchmarks compare the server's answers with it.
 */
export class AllezonModel {
  /** Per cookie and action, ascending by time (tags mostly arrive in time order). */
  private readonly profiles = new Map<string, Record<Action, ProfileEntry[]>>();
  private readonly minutes = new Map<number, Record<Action, MinuteEntry[]>>();
  private count = 0;

  constructor(readonly keepPerAction: number = KEPT_PER_ACTION) {}

  get size(): number {
    return this.count;
  }

  /** Records an acknowledged tag. */
  add(sent: SentTag): void {
    const { tag } = sent;
    let lists = this.profiles.get(tag.cookie);
    if (!lists) {
      lists = { VIEW: [], BUY: [] };
      this.profiles.set(tag.cookie, lists);
    }
    insertByTime(lists[tag.action], { timeMs: sent.timeMs, raw: sent.raw });

    const minute = floorMinute(sent.timeMs);
    let bucket = this.minutes.get(minute);
    if (!bucket) {
      bucket = { VIEW: [], BUY: [] };
      this.minutes.set(minute, bucket);
    }
    bucket[tag.action].push({
      origin: tag.origin,
      brandId: tag.product_info.brand_id,
      categoryId: tag.product_info.category_id,
      price: tag.product_info.price,
    });
    this.count++;
  }

  /** Cookies with at least one tag. */
  cookies(): string[] {
    return [...this.profiles.keys()];
  }

  /** How many tags of the cookie and action there are (kept or not). */
  tagCount(cookie: string, action: Action): number {
    return this.profiles.get(cookie)?.[action].length ?? 0;
  }

  /** The expected answer once everything acknowledged is visible and nothing is in flight. */
  expectedProfile(q: ProfileQuery): { cookie: string; views: unknown[]; buys: unknown[] } {
    const list = (action: Action) => {
      const { inRange, newer } = this.split(q, action);
      const kept = Math.max(0, this.keepPerAction - newer);
      return inRange.slice(0, Math.min(q.limit ?? DEFAULT_LIMIT, kept)).map((e) => JSON.parse(e.raw) as unknown);
    };
    return { cookie: q.cookie, views: list('VIEW'), buys: list('BUY') };
  }

  /**
   * Is `answer` (the parsed response body) right for `q`? Each list must be the newest tags of
   * the range, newest first, each equal to what was sent (time string, product_id type); its
   * length may only vary within what `uncertainty` allows (see NewerUncertainty).
   */
  checkProfile(answer: unknown, q: ProfileQuery, uncertainty: NewerUncertainty = SETTLED): Verdict {
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return fail('the answer is not an object');
    const body = answer as Record<string, unknown>;
    const keys = Object.keys(body).sort().join(',');
    if (keys !== 'buys,cookie,views') return fail(`the answer has keys ${keys}, expected buys,cookie,views`);
    if (body.cookie !== q.cookie) return fail(`cookie ${JSON.stringify(body.cookie)} instead of ${JSON.stringify(q.cookie)}`);
    for (const [field, action] of [
      ['views', 'VIEW'],
      ['buys', 'BUY'],
    ] as const) {
      const verdict = this.checkList(body[field], q, action, uncertainty);
      if (!verdict.ok) return fail(`${field}: ${verdict.reason}`);
    }
    return { ok: true };
  }

  private checkList(value: unknown, q: ProfileQuery, action: Action, uncertainty: NewerUncertainty): Verdict {
    if (!Array.isArray(value)) return fail('not an array');
    const { inRange, newer } = this.split(q, action);
    // In-range tag i (0 = newest) is kept while (stored newer tags) + i < keep.
    const newerMin = uncertainty.lagging ? 0 : newer;
    const newerMax = newer + uncertainty.pending[action];
    const limit = q.limit ?? DEFAULT_LIMIT;
    const longest = Math.min(limit, inRange.length, Math.max(0, this.keepPerAction - newerMin));
    const shortest = Math.min(limit, inRange.length, Math.max(0, this.keepPerAction - newerMax));
    for (let i = 0; i < value.length && i < inRange.length; i++) {
      if (!isDeepStrictEqual(value[i], parsedOf(inRange[i]))) {
        return fail(`tag ${i} is ${JSON.stringify(value[i])}, expected ${inRange[i].raw}`);
      }
    }
    if (value.length < shortest || value.length > longest) {
      const expected = shortest === longest ? `${shortest}` : `${shortest}..${longest}`;
      return fail(`${value.length} tags, expected ${expected}`);
    }
    return { ok: true };
  }

  /** The in-range tags newest first, and how many tags of the cookie are newer than the range. */
  private split(q: ProfileQuery, action: Action): { inRange: ProfileEntry[]; newer: number } {
    const list = this.profiles.get(q.cookie)?.[action] ?? [];
    const end = lowerBound(list, q.toMs);
    const start = lowerBound(list, q.fromMs);
    return { inRange: list.slice(start, end).reverse(), newer: list.length - end };
  }

  /** The expected `/aggregates` answer. */
  aggregates(q: AggregatesQuery): AggregatesAnswer {
    const columns = ['1m_bucket', 'action'];
    const filters: string[] = [];
    if (q.origin !== undefined) {
      columns.push('origin');
      filters.push(q.origin);
    }
    if (q.brandId !== undefined) {
      columns.push('brand_id');
      filters.push(q.brandId);
    }
    if (q.categoryId !== undefined) {
      columns.push('category_id');
      filters.push(q.categoryId);
    }
    for (const kind of q.aggregates) columns.push(kind === 'COUNT' ? 'count' : 'sum_price');
    const rows: string[][] = [];
    for (let minute = q.fromMs; minute < q.toMs; minute += MINUTE_MS) {
      let count = 0;
      let sum = 0;
      for (const e of this.minutes.get(minute)?.[q.action] ?? []) {
        if (q.origin !== undefined && e.origin !== q.origin) continue;
        if (q.brandId !== undefined && e.brandId !== q.brandId) continue;
        if (q.categoryId !== undefined && e.categoryId !== q.categoryId) continue;
        count++;
        sum += e.price;
      }
      const values = q.aggregates.map((kind) => String(kind === 'COUNT' ? count : sum));
      rows.push([aggregateTime(minute), q.action, ...filters, ...values]);
    }
    return { columns, rows };
  }

  checkAggregates(answer: unknown, q: AggregatesQuery): Verdict {
    const expected = this.aggregates(q);
    if (isDeepStrictEqual(answer, expected)) return { ok: true };
    const body = answer as Partial<AggregatesAnswer> | null;
    if (!isDeepStrictEqual(body?.columns, expected.columns)) {
      return fail(`columns ${JSON.stringify(body?.columns)}, expected ${JSON.stringify(expected.columns)}`);
    }
    const rows = Array.isArray(body?.rows) ? body.rows : [];
    for (let i = 0; i < Math.max(rows.length, expected.rows.length); i++) {
      if (!isDeepStrictEqual(rows[i], expected.rows[i])) {
        return fail(`row ${i} is ${JSON.stringify(rows[i])}, expected ${JSON.stringify(expected.rows[i])}`);
      }
    }
    return fail('the answer has other fields than columns and rows');
  }
}

const fail = (reason: string): Verdict => ({ ok: false, reason });

/** Index of the first entry with `timeMs >= time` in an ascending list. */
function lowerBound(list: readonly ProfileEntry[], time: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].timeMs < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertByTime(list: ProfileEntry[], entry: ProfileEntry): void {
  let i = list.length;
  while (i > 0 && list[i - 1].timeMs > entry.timeMs) i--;
  list.splice(i, 0, entry);
}
