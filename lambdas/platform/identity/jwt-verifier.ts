/**
 * How API Gateway HTTP API's JWT authorizer checks a user pool's access token, as documented in
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html:
 * a JWS signed with RS256 by a key of the issuer's JWKS (by `kid`), its `iss` the configured
 * issuer, its `aud` — or, for Cognito access tokens, `client_id` — one of the configured
 * audiences, `exp` in the future and `nbf`/`iat` not in the future.
 *
 * One implementation for the two places that need it: the local runtime's stand-in for API
 * Gateway's authorizer (scripts/local-runtime/jwt-authorizer.ts) and functions that read a
 * session of their own (the web pages keep the pool's tokens in cookies, which no API Gateway
 * authorizer reads), so a token the gateway would refuse is refused by a page too.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';

/** What the authorizer is configured with: the pool's issuer, its app clients, its keys (a TokenVerification). */
export interface JwtVerification {
  readonly issuer: string;
  readonly audience: readonly string[];
  jwks(): Promise<{ keys: JsonWebKey[] }>;
}

/** Keys are fetched once and again when a token names a `kid` not seen yet (a rotated key). */
const JWKS_REFRESH_MS = 5 * 60 * 1000;
/** API Gateway tolerates small clock differences; so do we. */
const CLOCK_SKEW_S = 5;
/** No pool token comes near this; a larger one is refused before any decoding. */
const MAX_TOKEN_CHARS = 16 * 1024;

export class JwtVerifier {
  private keys?: { fetchedAt: number; byKid: Map<string, JsonWebKey> };

  constructor(
    private readonly verification: () => Promise<JwtVerification>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The token's claims when API Gateway would let it through, else undefined. Fetching the keys
   * can fail (the pool unreachable): that error is thrown, as it is not the token's fault.
   */
  async verify(token: string): Promise<Record<string, unknown> | undefined> {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, payload, signature] = parts as [string, string, string];
    const header = jsonPart(head);
    const claims = jsonPart(payload);
    if (!header || !claims) return undefined;
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') return undefined;

    const config = await this.verification();
    const key = await this.key(config, header.kid);
    if (!key) return undefined;
    let signed: boolean;
    try {
      signed = verify(
        'RSA-SHA256',
        Buffer.from(`${head}.${payload}`),
        createPublicKey({ key, format: 'jwk' }),
        Buffer.from(signature, 'base64url'),
      );
    } catch {
      return undefined;
    }
    return signed && claimsValid(claims, config, this.now() / 1000) ? claims : undefined;
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

function jsonPart(part: string): Record<string, unknown> | undefined {
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

/** Every claim as API Gateway passes it to the integration: strings as they are, arrays `[a b]`, the rest as text. */
export function apiGatewayClaims(claims: Record<string, unknown>): Record<string, string> {
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
