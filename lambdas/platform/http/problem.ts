import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** One field that failed validation, as listed in a validation problem. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * An RFC 9457 problem. Throw it from domain or handler code; the HTTP middleware turns it into
 * an `application/problem+json` response. `type` is a URN naming the kind of problem.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: readonly FieldProblem[],
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  get type(): string {
    return `urn:eventline:problem:${this.slug}`;
  }

  toResponse(): APIGatewayProxyStructuredResultV2 {
    const body: Record<string, unknown> = { type: this.type, title: this.title, status: this.status, detail: this.detail };
    if (this.errors) body.errors = this.errors;
    return { statusCode: this.status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify(body) };
  }
}

export const Problems = {
  validation: (detail: string, errors: readonly FieldProblem[]) =>
    new HttpProblem(400, 'validation', 'Request is not valid', detail, errors),
  malformedJson: (detail: string) => new HttpProblem(400, 'malformed-json', 'Body is not valid JSON', detail),
  unsupportedMediaType: (contentType: string) =>
    new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', `expected application/json, got ${contentType}`),
  tooLarge: (limit: number) =>
    new HttpProblem(413, 'payload-too-large', 'Payload too large', `the body must be at most ${limit} bytes`),
  notFound: (detail: string) => new HttpProblem(404, 'not-found', 'Not found', detail),
  conflict: (detail: string) => new HttpProblem(409, 'conflict', 'Conflict', detail),
  unauthorized: (detail: string) => new HttpProblem(401, 'unauthorized', 'Unauthorized', detail),
  forbidden: (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail),
  /** A dependency (Kafka, a store) could not take the write: the client should retry. */
  unavailable: (detail: string) => new HttpProblem(503, 'unavailable', 'Service unavailable', detail),
  internal: () => new HttpProblem(500, 'internal', 'Internal error', 'an unexpected error occurred; it has been logged'),
};
