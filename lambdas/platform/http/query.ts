/**
 * The one query-string parser of every route. API Gateway (payload 2.0) gives the query twice:
 * `queryStringParameters` with repeated names joined by commas (which blurs values that contain
 * commas) and `rawQueryString` as sent. Every route reads the raw string once into
 * `{name: [value, ...]}` on an object without a prototype, so names such as `__proto__`,
 * `constructor` or `toString` are plain names that a closed schema refuses, never inherited
 * properties. Route schemas then say per parameter how many values it takes (`single`,
 * `repeated`) and what they are.
 */
import * as z from 'zod';
import { parseInstant } from '../calendar';

export type QueryParameters = Record<string, string[]>;

/** Most parameters (name=value pairs) read from one query string; the rest is refused. */
export const MAX_QUERY_PAIRS = 64;

/** A query string the parser refuses: too many pairs, or an escape that is not UTF-8. */
export class MalformedQueryString extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'MalformedQueryString';
  }
}

/**
 * `a=1&a=2&b` → `{a: ['1', '2'], b: ['']}` (null prototype), names and values percent-decoded
 * (`+` is a space, as browsers send forms). A malformed escape (`%ZZ`, `%ED%A0%80`) is refused:
 * kept as sent it would be a different value than the client meant.
 */
export function parseQueryString(raw: string | undefined): QueryParameters {
  const params: QueryParameters = Object.create(null);
  if (!raw) return params;
  const pairs = raw.split('&').filter((pair) => pair !== '');
  if (pairs.length > MAX_QUERY_PAIRS) throw new MalformedQueryString('', `at most ${MAX_QUERY_PAIRS} query parameters`);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const name = decode(rawName, rawName);
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1), name);
    const values = Object.hasOwn(params, name) ? (params[name] as string[]) : [];
    values.push(value);
    params[name] = values;
  }
  return params;
}

function decode(text: string, parameter: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new MalformedQueryString(parameter, 'is not valid percent-encoded UTF-8');
  }
}

/**
 * What each parameter schema made by `single` / `repeated` takes per value, for the OpenAPI
 * document (which describes a single parameter by its value, a repeated one as an array).
 */
export const parameterValues = new WeakMap<z.ZodType, { readonly value: z.ZodType; readonly repeated: boolean }>();

/** Exactly one value (a repeated parameter is ambiguous), then `inner`. */
export function single<T>(inner: z.ZodType<T, string>) {
  const schema = z
    .array(z.string(), { error: 'is required' })
    .refine((values) => values.length === 1, 'must be given once')
    .transform((values) => values[0] as string)
    .pipe(inner);
  parameterValues.set(schema, { value: inner, repeated: false });
  return schema;
}

/** One or more values, each `inner`, in the order sent. */
export function repeated<T>(inner: z.ZodType<T, string>, bounds: { readonly max: number }) {
  const schema = z.array(inner, { error: 'is required' }).min(1, 'is required').max(bounds.max, `at most ${bounds.max} values`);
  parameterValues.set(schema, { value: inner, repeated: true });
  return schema;
}

/**
 * Text turned into a domain value by `parse`, which answers the value or, as a string, why the
 * text is not one (the problem's message). Bounded first by `maxLength`.
 */
export function parsedBy<T>(
  parse: (text: string) => T | string,
  maxLength = 4096,
  tooLong = `must be at most ${maxLength} characters`,
) {
  return z
    .string()
    .max(maxLength, tooLong)
    .transform((value, ctx) => {
      const result = parse(value);
      if (typeof result === 'string') {
        ctx.addIssue({ code: 'custom', message: result });
        return z.NEVER;
      }
      return result;
    });
}

/** An ISO-8601 instant with an offset or Z (platform/calendar.ts `parseInstant`), as epoch milliseconds. */
export function instantText(description: string) {
  return parsedBy(parseInstant, 40, 'must be an ISO-8601 time').meta({ description, examples: ['2025-06-01T17:00:00Z'] });
}

/**
 * A plain decimal integer within bounds: `42`, `-7`; not `0x10`, `1e3`, ` 5`, `05` or `5.0`
 * (Number() and z.coerce accept all of those).
 */
export function decimalInteger(bounds: { readonly min: number; readonly max: number }) {
  return z
    .string()
    .regex(/^-?(0|[1-9][0-9]{0,15})$/, 'must be a plain decimal integer')
    .transform(Number)
    .pipe(z.number().min(bounds.min, `must be at least ${bounds.min}`).max(bounds.max, `must be at most ${bounds.max}`));
}
