/**
 * Domain errors: what domain code throws, in its own words. The edges map them: the HTTP layer to
 * problem+json (platform/http/problem.ts), the consumer wrapper to retry or dead-letter. Adapters
 * translate their client's failures (a throttled OpenSearch, an unreachable Kafka) into these, so
 * neither domain code nor handlers look at a client library's status codes.
 */

/** One input field that failed validation: `path` like `body.product_info.price`. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

export type DomainErrorKind =
  | 'invalid'
  | 'not-found'
  | 'forbidden'
  | 'conflict'
  | 'unavailable'
  | 'unauthenticated'
  | 'rate-limited';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
}

/** The input can never succeed as sent (a 400); `problems` name each field. */
export class InvalidInput extends DomainError {
  readonly kind = 'invalid';
  constructor(
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'InvalidInput';
  }
}

export class NotFound extends DomainError {
  readonly kind = 'not-found';
  override name = 'NotFound';
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  override name = 'Forbidden';
}

export class Conflict extends DomainError {
  readonly kind = 'conflict';
  override name = 'Conflict';
}

/**
 * The caller could not be authenticated (wrong credentials, an invalid or expired token): a 401.
 * The message never says which part was wrong (unknown user and wrong password read the same).
 */
export class Unauthenticated extends DomainError {
  readonly kind = 'unauthenticated';
  override name = 'Unauthenticated';
}

/** The caller sent too many requests (a quota, a throttled sign-in): retry after `retryAfterSeconds`. */
export class RateLimited extends DomainError {
  readonly kind = 'rate-limited';
  constructor(message: string, options?: { readonly cause?: unknown; readonly retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RateLimited';
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }
  readonly retryAfterSeconds: number;
}

/**
 * A dependency could not do its part now (down, throttled, starting): retrying later may work.
 * The message is for clients and logs; the cause (kept as `cause`) is only logged.
 */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
  constructor(message: string, options?: { readonly cause?: unknown; readonly retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'Unavailable';
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }
  readonly retryAfterSeconds: number;
}
