/**
 * The query string of `POST /aggregates`, validated:
 * `time_range=<from>_<to>&action=VIEW|BUY&aggregates=COUNT[&aggregates=SUM_PRICE][&origin=][&brand_id=][&category_id=]`.
 *
 * `aggregates` is repeated, and its order matters (it orders the answer's columns). API Gateway
 * (payload 2.0) joins repeated parameters with "," in `queryStringParameters` and keeps the raw
 * string in `rawQueryString`; `queryParameters` reads every value of every parameter from the
 * raw string when there is one, so the schema sees lists and can also refuse a repeated filter.
 */
import { z } from 'zod';
import { AGGREGATE_KINDS, type AggregateKind, type AggregatesQuery, MAX_QUERY_MINUTES, MINUTE_MS } from './aggregates';
import type { TimeRange } from './time-range';
import { ACTIONS } from './user-tag';

/** `2022-03-01T00:05:00` (UTC, no `Z`); a zero fraction (`.000`) is tolerated. */
const BUCKET_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.0{1,3})?$/;

/** Every value of every parameter, in order. Names and values are percent-decoded. */
export function queryParameters(
  rawQueryString: string | undefined,
  queryStringParameters: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string[]> {
  const params: Record<string, string[]> = {};
  if (rawQueryString) {
    for (const pair of rawQueryString.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decode(eq === -1 ? pair : pair.slice(0, eq));
      const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
      params[name] = [...(params[name] ?? []), value];
    }
    return params;
  }
  // No raw string (a direct invocation): repeated values arrive comma-joined. Only `aggregates`
  // is split, since its values never contain a comma; a filter value keeps its commas.
  for (const [name, value] of Object.entries(queryStringParameters ?? {})) {
    if (value === undefined) continue;
    params[name] = name === 'aggregates' ? value.split(',') : [value];
  }
  return params;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // malformed escapes are left as sent; validation then says what is wrong
  }
}

/** Parses `<from>_<to>` as whole minutes, `from < to`, at most 10 minutes apart. */
export function parseMinuteRange(value: string): TimeRange | string {
  const parts = value.split('_');
  if (parts.length !== 2) return 'must be <from>_<to>, e.g. 2022-03-01T00:05:00_2022-03-01T00:07:00';
  const [from, to] = parts.map(parseBucketTime);
  if (from === undefined) return `"${echo(parts[0])}" is not a time like 2022-03-01T00:05:00`;
  if (to === undefined) return `"${echo(parts[1])}" is not a time like 2022-03-01T00:05:00`;
  if (from % MINUTE_MS !== 0 || to % MINUTE_MS !== 0) return 'from and to must be whole minutes (seconds :00)';
  if (from >= to) return 'from must be before to';
  if (to - from > MAX_QUERY_MINUTES * MINUTE_MS) return `must span at most ${MAX_QUERY_MINUTES} minutes`;
  return { fromMs: from, toMs: to };
}

function parseBucketTime(text: string): number | undefined {
  const match = BUCKET_TIME.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}Z`);
  // Date.parse rolls 2022-02-31 over to March: refuse what does not print back the same.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== match[1]) return undefined;
  return ms;
}

/** Bounds what a problem echoes back of the client's input. */
function echo(value: string | undefined): string {
  const text = value ?? '';
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A query names each aggregate once or twice at most in practice; this bounds the columns. */
const MAX_AGGREGATES = 8;

function isAggregateKind(value: string): value is AggregateKind {
  return (AGGREGATE_KINDS as readonly string[]).includes(value);
}

/** Exactly one value (a repeated parameter is ambiguous), then `inner`. */
function once<T>(inner: z.ZodType<T, string>) {
  return z
    .array(z.string(), { error: 'is required' })
    .refine((values) => values.length === 1, 'must be given once')
    .transform((values) => values[0] as string)
    .pipe(inner);
}

const filterValue = (max: number) =>
  once(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)).optional();

/**
 * The closed query schema (unknown parameters are refused). Bounds of the filters are the tag
 * schema's: a longer value could never match. Duplicate aggregates are kept, each answered in its
 * own column in query order.
 */
export const aggregatesQuerySchema = z
  .strictObject({
    time_range: once(
      z.string().transform((value, ctx) => {
        const range = parseMinuteRange(value);
        if (typeof range === 'string') {
          ctx.addIssue({ code: 'custom', message: range });
          return z.NEVER;
        }
        return range;
      }),
    ),
    action: once(z.enum(ACTIONS, { error: 'must be VIEW or BUY' })),
    aggregates: z
      .array(z.string(), { error: 'is required' })
      .min(1, 'is required')
      .max(MAX_AGGREGATES, `at most ${MAX_AGGREGATES} aggregates`)
      // Checked here rather than per element so the problem names `query.aggregates` itself.
      .superRefine((values, ctx) => {
        for (const value of values) {
          if (!isAggregateKind(value)) ctx.addIssue({ code: 'custom', message: `"${echo(value)}" is not COUNT or SUM_PRICE` });
        }
      })
      .transform((values) => values as AggregateKind[]),
    origin: filterValue(256),
    brand_id: filterValue(128),
    category_id: filterValue(128),
  })
  .transform(
    (q): AggregatesQuery => ({
      range: q.time_range,
      action: q.action,
      aggregates: q.aggregates,
      filters: {
        ...(q.origin !== undefined && { origin: q.origin }),
        ...(q.brand_id !== undefined && { brand_id: q.brand_id }),
        ...(q.category_id !== undefined && { category_id: q.category_id }),
      },
    }),
  );
