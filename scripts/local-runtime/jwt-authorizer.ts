import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiGatewayClaims, type JwtVerification, JwtVerifier } from '../../lambdas/platform/identity/jwt-verifier';
import type { AuthorizationOutcome } from './lambda-authorizer';
import { authorizerResponses } from './lambda-authorizer';

export type { JwtVerification } from '../../lambdas/platform/identity/jwt-verifier';

/** What reaches a user-pool route: `requestContext.authorizer.jwt`. */
export interface JwtContext {
  readonly claims: Readonly<Record<string, string>>;
  readonly scopes: readonly string[] | null;
}

export type JwtOutcome =
  | { readonly kind: 'allowed'; readonly jwt: JwtContext }
  | Extract<AuthorizationOutcome, { kind: 'rejected' }>;

/**
 * API Gateway HTTP API's JWT authorizer: the token from `Authorization` (with or without
 * `Bearer `) is checked by the platform's `JwtVerifier` (lambdas/platform/identity/jwt-verifier.ts,
 * the same code a function with a session of its own verifies with). Refused: API Gateway answers
 * `401 {"message":"Unauthorized"}` and the function never runs. Allowed: the request reaches the
 * route with every claim as a string in `requestContext.authorizer.jwt.claims` (arrays as
 * `[a b]`) and the `scope` claim split into `scopes`.
 */
export class LocalJwtAuthorizer {
  private readonly verifier: JwtVerifier;

  constructor(verification: () => Promise<JwtVerification>, now: () => number = Date.now) {
    this.verifier = new JwtVerifier(verification, now);
  }

  async authorize(event: APIGatewayProxyEventV2): Promise<JwtOutcome> {
    const rejected = { kind: 'rejected' as const, response: authorizerResponses.unauthorized(), cached: false };
    const header = event.headers?.authorization;
    if (!header) return rejected;
    const claims = await this.verifier.verify(header.replace(/^Bearer\s+/i, '').trim());
    if (!claims) return rejected;
    const scope = claims.scope;
    return {
      kind: 'allowed',
      jwt: { claims: apiGatewayClaims(claims), scopes: typeof scope === 'string' ? scope.split(' ') : null },
    };
  }
}
