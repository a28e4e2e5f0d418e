import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type FieldProblem, type RateLimited, type Unavailable } from '../errors';

export type { FieldProblem } from '../errors';

/**
 * Problems echo what the client sent (field names, values) only within these bounds, so a
 * problem is never much larger than a few KiB, whatever the request was.
 */
export const PROBLEM_LIMITS = { errors: 20, pathChars: 200, messageChars: 300, detailChars: 1000 } as const;

/** Cuts a client-controlled text to `max` characters (marking the cut), without splitting a surrogate pair. */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = Array.from(text.slice(0, max)).join('');
  const whole = cut.isWellFormed() ? cut : cut.slice(0, -1);
  return `${whole}…`;
}

/**
 * An RFC 9457 problem. Thrown by the HTTP layer (or mapped from a domain error) and turned into
 * an `application/problem+json` response. `type` is a URN naming the kind of problem.
 */
export class HttpProblem extends Error {
  readonly errors?: readonly FieldProblem[];

  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    errors?: readonly FieldProblem[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.errors = errors?.slice(0, PROBLEM_LIMITS.errors).map((e) => ({
      path: bounded(e.path, PROBLEM_LIMITS.pathChars),
      message: bounded(e.message, PROBLEM_LIMITS.messageChars),
    }));
    this.omittedErrors = Math.max(0, (errors?.length ?? 0) - PROBLEM_LIMITS.errors);
  }

  readonly omittedErrors: number;

  get type(): string {
    return `urn:eventline:problem:${this.slug}`;
  }

  toResponse(): APIGatewayProxyStructuredResultV2 {
    const more = this.omittedErrors > 0 ? ` (${this.omittedErrors} more not listed)` : '';
    const body: Record<string, unknown> = {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: bounded(this.detail, PROBLEM_LIMITS.detailChars) + more,
    };
    if (this.errors) body.errors = this.errors;
    return {
      statusCode: this.status,
      headers: { 'content-type': 'application/problem+json', ...this.headers },
      body: JSON.stringify(body),
    };
  }
}

/** `2 problem(s) in the query: query.a, query.b` (bounded like the list itself). */
export function validationDetail(errors: readonly FieldProblem[], where?: string): string {
  const paths = [...new Set(errors.slice(0, PROBLEM_LIMITS.errors).map((e) => bounded(e.path, 60)))];
  return `${errors.length} problem(s)${where ? ` in the ${where}` : ''}: ${paths.join(', ')}`;
}

export const Problems = {
  validation: (detail: string, errors: readonly FieldProblem[]) =>
    new HttpProblem(400, 'validation', 'Request is not valid', detail, errors),
  malformedJson: (detail: string) => new HttpProblem(400, 'malformed-json', 'Body is not valid JSON', detail),
  malformedEncoding: () => new HttpProblem(400, 'malformed-encoding', 'Body is not valid UTF-8', 'the body must be UTF-8 text'),
  unsupportedMediaType: (contentType: string) =>
    new HttpProblem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `expected application/json, got ${bounded(contentType, 100)}`,
    ),
  tooLarge: (limit: number) =>
    new HttpProblem(413, 'payload-too-large', 'Payload too large', `the body must be at most ${limit} bytes`),
  notFound: (detail: string) => new HttpProblem(404, 'not-found', 'Not found', detail),
  conflict: (detail: string) => new HttpProblem(409, 'conflict', 'Conflict', detail),
  unauthorized: (detail: string) => new HttpProblem(401, 'unauthorized', 'Unauthorized', detail),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail),
  /** A dependency (Kafka, a store) could not take the request: the client should retry. */
  unavailable: (detail: string, retryAfterSeconds = 1) =>
    new HttpProblem(503, 'unavailable', 'Service unavailable', detail, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  /** The client sent too many requests: it should wait `retryAfterSeconds` before the next. */
  tooManyRequests: (detail: string, retryAfterSeconds = 1) =>
    new HttpProblem(429, 'too-many-requests', 'Too many requests', detail, undefined, {
      'retry-after': String(retryAfterSeconds),
    }),
  internal: () => new HttpProblem(500, 'internal', 'Internal error', 'an unexpected error occurred; it has been logged'),
  responseTooLarge: () =>
    new HttpProblem(
      500,
      'response-too-large',
      'Internal error',
      'the answer would exceed the platform limits; it has been logged',
    ),
};

/** The HTTP edge's mapping of domain errors; anything else is not a problem the client caused. */
export function problemOfDomainError(error: DomainError): HttpProblem {
  switch (error.kind) {
    case 'invalid': {
      const problems = (error as DomainError & { problems: readonly FieldProblem[] }).problems;
      return Problems.validation(problems.length > 0 ? validationDetail(problems) : error.message, problems);
    }
    case 'not-found':
      return Problems.notFound(error.message);
    case 'forbidden':
      return Problems.forbidden(error.message);
    case 'conflict':
      return Problems.conflict(error.message);
    case 'unavailable':
      return Problems.unavailable(error.message, (error as Unavailable).retryAfterSeconds);
    case 'unauthenticated':
      return Problems.unauthorized(error.message);
    case 'rate-limited':
      return Problems.tooManyRequests(error.message, (error as RateLimited).retryAfterSeconds);
  }
}

export { DomainError };
