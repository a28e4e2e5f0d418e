/**
 * Sessions of server-rendered pages, kept by the browser in cookies and checked on every request
 * exactly as API Gateway checks the API's bearer tokens:
 *
 * - The session IS the user pool's tokens: the access token (an hour) and the refresh token
 *   (30 days) in two `__Host-` cookies, HttpOnly (no script can read them), Secure, SameSite=Lax
 *   (never sent on cross-site POSTs or fetches). Nothing is stored server-side, so pages work
 *   whatever store is down, and what a page may do is exactly what the same user's bearer token
 *   may do on the API.
 * - Each request verifies the access token with the platform's `JwtVerifier` (the pool's issuer,
 *   app client and JWKS: the code the local runtime's JWT authorizer runs). The access cookie
 *   expires a minute before its token; without a valid one the refresh token gets a new access
 *   token from the pool (set with the answer), and a refused refresh token ends the session.
 * - Signing out revokes the refresh token at the pool before deleting the cookies, so a copy of it
 *   gets no new access tokens. A pool that cannot revoke just now (unavailable, throttled) does
 *   not keep anyone signed in: the cookies are deleted all the same and a warning is logged.
 * - Forms: a session's form token is HMAC-SHA256 keyed by the refresh token. It is stable for the
 *   session, and computing it needs the HttpOnly cookie, which another site can neither read nor
 *   send with a POST. Before sign-in (the sign-in form itself) a random double-submit cookie plays
 *   that part. And every POST from a browser that says it comes from another site
 *   (`Sec-Fetch-Site`, else `Origin`) is refused before anything else.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DomainError, Unauthenticated } from '../errors';
import type { IdentityProvider, Tokens } from '../identity/identity';
import { JwtVerifier } from '../identity/jwt-verifier';
import { logger } from '../observability';
import { clearedCookie, readCookies, serializeCookie } from './cookies';
import { type Principal, principalOfClaims } from './principal';

export const SESSION_COOKIES = {
  access: '__Host-eventline-access',
  refresh: '__Host-eventline-refresh',
  /** The double-submit token of forms shown before sign-in. */
  preSession: '__Host-eventline-form',
} as const;

/** The pool app client's refresh-token validity (lib/data/user-pool.ts). */
export const REFRESH_COOKIE_SECONDS = 30 * 24 * 3600;
/** The access cookie goes a little before its token does, so a page never sends an expired one. */
const ACCESS_COOKIE_MARGIN_SECONDS = 60;

export interface WebSession {
  readonly principal: Principal;
  /** The token every form of this session carries (see `formTokenMatches`). */
  readonly formToken: string;
}

export interface SessionRead {
  /** Undefined when nobody is signed in. */
  readonly session?: WebSession;
  /** `set-cookie` values the answer must carry (a refreshed access token, or the ended session's deletion). */
  readonly cookies: readonly string[];
}

export class WebSessions {
  private readonly verifier: JwtVerifier;

  constructor(
    private readonly identity: () => Promise<IdentityProvider>,
    now: () => number = Date.now,
  ) {
    this.verifier = new JwtVerifier(async () => (await this.identity()).verification(), now);
  }

  /** The request's session, refreshing the access token when it is missing or expired. */
  async read(event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>): Promise<SessionRead> {
    const cookies = readCookies(event);
    const refreshToken = cookies.get(SESSION_COOKIES.refresh);
    const accessToken = cookies.get(SESSION_COOKIES.access);
    if (!refreshToken) return { cookies: accessToken === undefined ? [] : [clearedCookie(SESSION_COOKIES.access)] };
    const principal = accessToken ? await this.principalOf(accessToken) : undefined;
    if (principal) return { session: { principal, formToken: formTokenOf(refreshToken) }, cookies: [] };
    let tokens: Tokens;
    try {
      tokens = await (await this.identity()).refresh(refreshToken);
    } catch (error) {
      if (error instanceof Unauthenticated) return { cookies: this.ended() };
      throw error;
    }
    const refreshed = await this.principalOf(tokens.accessToken);
    if (!refreshed) return { cookies: this.ended() };
    return {
      session: { principal: refreshed, formToken: formTokenOf(refreshToken) },
      cookies: [accessCookie(tokens)],
    };
  }

  /** The cookies that start a session with freshly issued tokens (after sign-in). */
  started(tokens: Tokens): string[] {
    return [
      accessCookie(tokens),
      serializeCookie(SESSION_COOKIES.refresh, tokens.refreshToken, { maxAgeSeconds: REFRESH_COOKIE_SECONDS }),
      clearedCookie(SESSION_COOKIES.preSession),
    ];
  }

  /**
   * Signs out: when the form carries the session's form token, revokes the session's refresh token
   * at the pool and answers the cookies that end the session; `undefined` (nothing revoked, nothing
   * deleted) when it does not. The form token is checked against the refresh cookie itself, so
   * signing out needs the pool only to revoke. Without a refresh cookie there is nothing to end
   * (the cookies are deleted all the same). When the pool cannot revoke just now the cookies go
   * all the same (logged as a warning, never the token): the browser's copy is gone, a copy taken
   * earlier lives on until it expires, as before revocation existed. Anything else (a
   * configuration error) throws.
   */
  async signedOut(
    event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>,
    sentFormToken: string | undefined,
  ): Promise<string[] | undefined> {
    const refreshToken = readCookies(event).get(SESSION_COOKIES.refresh);
    if (!refreshToken) return this.ended();
    if (sentFormToken === undefined || !sameText(formTokenOf(refreshToken), sentFormToken)) return undefined;
    try {
      await (await this.identity()).revoke(refreshToken);
    } catch (error) {
      if (!(error instanceof DomainError && (error.kind === 'unavailable' || error.kind === 'rate-limited'))) throw error;
      logger.warn('sign-out: the refresh token was not revoked (the user pool could not do it now); cookies deleted', {
        reason: error.message,
      });
    }
    return this.ended();
  }

  /** The cookies that end a session (sign-out, a refused refresh token). */
  ended(): string[] {
    return [clearedCookie(SESSION_COOKIES.access), clearedCookie(SESSION_COOKIES.refresh)];
  }

  private async principalOf(accessToken: string): Promise<Principal | undefined> {
    const claims = await this.verifier.verify(accessToken);
    return claims && claims.token_use !== 'id' ? principalOfClaims(claims) : undefined;
  }
}

function accessCookie(tokens: Tokens): string {
  return serializeCookie(SESSION_COOKIES.access, tokens.accessToken, {
    maxAgeSeconds: Math.max(0, tokens.expiresIn - ACCESS_COOKIE_MARGIN_SECONDS),
  });
}

/** HMAC-SHA256 keyed by the refresh token: unguessable without the HttpOnly cookie. */
export function formTokenOf(refreshToken: string): string {
  return createHmac('sha256', refreshToken).update('eventline web form v1').digest('base64url');
}

/** Whether a form's token is the session's (compared in constant time). */
export function formTokenMatches(session: WebSession, sent: string | undefined): boolean {
  return sent !== undefined && sameText(session.formToken, sent);
}

/**
 * The double-submit token of a form shown before sign-in: the cookie's when the browser has one,
 * else a new one with the cookie to set.
 */
export function preSessionToken(event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>): {
  token: string;
  cookies: string[];
} {
  const existing = readCookies(event).get(SESSION_COOKIES.preSession);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { token: existing, cookies: [] };
  const token = randomBytes(32).toString('base64url');
  return { token, cookies: [serializeCookie(SESSION_COOKIES.preSession, token, { maxAgeSeconds: 2 * 3600 })] };
}

/** Whether a form sent before sign-in carries the token of its cookie. */
export function preSessionTokenMatches(event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>, sent: string | undefined) {
  const cookie = readCookies(event).get(SESSION_COOKIES.preSession);
  return cookie !== undefined && sent !== undefined && sameText(cookie, sent);
}

/**
 * A request a browser says comes from another site: `Sec-Fetch-Site` other than same-origin
 * (every current browser sends it), or else an `Origin` whose host is not this request's host.
 * Requests without either (old browsers, other clients) are left to the form token.
 */
export function fromAnotherSite(event: Pick<APIGatewayProxyEventV2, 'headers'>): boolean {
  const site = event.headers?.['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin';
  const origin = event.headers?.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== event.headers?.host;
  } catch {
    return true;
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
