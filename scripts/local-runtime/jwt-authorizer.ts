import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AuthorizationOutcome } from './lambda-authorizer';
import { authorizerResponses } from './lambda-authorizer';

/** What API Gateway's JWT authorizer is configured with: the pool's issuer, its app clients, its keys. */
export interface JwtVerification {
  readonly issuer: string;
  readonly audience: readonly string[];
  jwks(): Promise<{ keys: JsonWebKey[] }>;
}

/** What reaches a user-pool route: `requestContext.authorizer.jwt`. */
export interface JwtContext {
  readonly claims: Readonly<Record<string, string>>;
  readonly scopes: readonly string[] | null;
}

export type JwtOutcome =
  | { readonly kind: 'allowed'; readonly jwt: JwtContext }
  | Extract<AuthorizationOutcome, { kind: 'rejected' }>;

/** Keys are fetched once and again when a token names a `kid` not seen yet (a rotated key). */
const JWKS_REFRESH_MS = 5 * 60 * 1000;
/** API Gateway tolerates small clock differences; so do we. */
const CLOCK_SKEW_S = 5;

/**
 * API Gateway HTTP API's JWT authorizer, as documented in
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html:
 * the token from `Authorization` (with or without `Bearer `) must be a JWS signed with RS256 by a
 * key of the issuer's JWKS (by `kid`), its `iss` the configured issuer, its `aud` — or, for
 * Cognito access tokens, `client_id` — one of the configured audiences, `exp` in the future and
 * `nbf`/`iat` not in the future. Otherwise API Gateway answers `401 {"message":"Unauthorized"}`
 * and the function never runs. An allowed request reaches the route with every claim as a
 * string in `requestContext.authorizer.jwt.claims` (arrays as `[a b]`) and the `scope` claim
 * split into `scopes`.
 */
export class LocalJwtAuthorizer {
  private keys?: { fetchedAt: number; byKid: Map<string, JsonWebKey> };

  constructor(
    private readonly verification: () => Promise<JwtVerification>,
    private readonly now: () => number = Date.now,
  ) {}

  async authorize(event: APIGatewayProxyEventV2): Promise<JwtOutcome> {
    const rejected = { kind: 'rejected' as const, response: authorizerResponses.unauthorized(), cached: false };
    const header = event.headers?.authorization;
    if (!header) return rejected;
    const token = header.replace(/^Bearer\s+/i, '').trim();
    const parts = token.split('.');
    if (parts.length !== 3) return rejected;
    const [head, payload, signature] = parts as [string, string, string];
    const decoded = { header: json(head), claims: json(payload) };
    if (!decoded.header || !decoded.claims) return rejected;
    if (decoded.header.alg !== 'RS256' || typeof decoded.header.kid !== 'string') return rejected;

    const config = await this.verification();
    const key = await this.key(config, decoded.header.kid);
    if (!key) return rejected;
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${head}.${payload}`),
      createPublicKey({ key, format: 'jwk' }),
      Buffer.from(signature, 'base64url'),
    );
    if (!signed || !claimsValid(decoded.claims, config, this.now() / 1000)) return rejected;
    const scope = decoded.claims.scope;
    return {
      kind: 'allowed',
      jwt: { claims: stringified(decoded.claims), scopes: typeof scope === 'string' ? scope.split(' ') : null },
    };
  }

  private async key(config: JwtVerification, kid: string): Promise<JsonWebKey | undefined> {
    const stale = !this.keys || this.now() - this.keys.fetchedAt > JWKS_REFRESH_MS;
    if (stale || !this.keys?.byKid.has(kid)) {
      const { keys } = await config.jwks();
      this.keys = { fetchedAt: this.now(), byKid: new Map(keys.map((k) => [String(k.kid), k])) };
    }
    return this.keys?.byKid.get(kid);
  }
}

function json(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function claimsValid(claims: Record<string, unknown>, config: JwtVerification, nowS: number): boolean {
  if (claims.iss !== config.issuer) return false;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? claims.client_id];
  if (!audiences.some((aud) => typeof aud === 'string' && config.audience.includes(aud))) return false;
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_S <= nowS) return false;
  if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_S > nowS) return false;
  if (typeof claims.iat === 'number' && claims.iat - CLOCK_SKEW_S > nowS) return false;
  return true;
}

/** Every claim as API Gateway passes it: strings as they are, arrays `[a b]`, the rest as text. */
function stringified(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? value
        : Array.isArray(value)
          ? `[${value.join(' ')}]`
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value),
    ]),
  );
}
