import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ZodType } from 'zod';
import type { FieldProblem } from '../errors';
import { PROBLEM_LIMITS, Problems, validationDetail } from './problem';
import { textProblemsIn } from './text';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as the client sent it, decoded from base64 when API Gateway encoded it. Bytes that are
 * not UTF-8 are refused (decoding would silently replace them, and "as sent" would be a lie).
 */
export function rawBodyOf(event: APIGatewayProxyEventV2, maxBytes: number): string {
  if (event.body === undefined || event.body === null) return '';
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.byteLength > maxBytes) throw Problems.tooLarge(maxBytes);
  try {
    return utf8.decode(bytes);
  } catch {
    throw Problems.malformedEncoding();
  }
}

/** Parses a JSON body; a missing or non-JSON content type is refused before parsing. */
export function parseJsonBody(event: APIGatewayProxyEventV2, raw: string): unknown {
  const contentType = event.headers?.['content-type'];
  if (contentType && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) throw Problems.unsupportedMediaType(contentType);
  if (raw.trim() === '') throw Problems.malformedJson('the body is empty');
  if (nestingDepth(raw) > MAX_JSON_DEPTH) throw Problems.malformedJson(`the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw Problems.malformedJson((error as Error).message);
  }
  refuseIllFormedText(parsed, 'body');
  return parsed;
}

/**
 * No schema of ours nests deeper than a few levels; a body nesting thousands of arrays would only
 * make every recursive walk (validation, logging) a risk of stack exhaustion.
 */
export const MAX_JSON_DEPTH = 32;

/** The deepest `[`/`{` nesting of JSON text, outside strings (one linear scan, before parsing). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** NUL and lone surrogates are refused everywhere (see text.ts). */
export function refuseIllFormedText(value: unknown, where: 'body' | 'query' | 'path'): void {
  const problems = textProblemsIn(value, where, PROBLEM_LIMITS.errors + 1);
  if (problems.length > 0) throw Problems.validation(validationDetail(problems, where), problems);
}

/** Validates `value` with a zod schema, turning every issue into a `{path, message}` entry. */
export function validate<T>(schema: ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldProblem[] = result.error.issues.flatMap((issue) => {
    const at = (...extra: PropertyKey[]) => [where, ...issue.path.map(String), ...extra.map(String)].join('.');
    // A closed schema reports unknown fields together; name each one where it is.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: at(key), message: 'is not allowed' }));
    return [{ path: at(), message: issue.message }];
  });
  throw Problems.validation(validationDetail(errors, where), errors);
}
