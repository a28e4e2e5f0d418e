/**
 * Cookies as API Gateway payload 2.0 hands them over and takes them back: the request's
 * `cookies` (one `name=value` per entry; the local runtime does the same) and the response's
 * `cookies` (each becomes a `set-cookie` header).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The request's cookies by name (the first of a repeated name: browsers send the most specific first). */
export function readCookies(event: Pick<APIGatewayProxyEventV2, 'cookies' | 'headers'>): Map<string, string> {
  const entries = event.cookies ?? event.headers?.cookie?.split(';') ?? [];
  const cookies = new Map<string, string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, entry.slice(eq + 1).trim());
  }
  return cookies;
}

export interface CookieOptions {
  /** Seconds until the browser drops it; 0 deletes it now. Without it, a session cookie. */
  readonly maxAgeSeconds?: number;
  /** Default true: script cannot read it. */
  readonly httpOnly?: boolean;
  /** Default 'Lax': sent on top-level navigations from elsewhere, never on cross-site POSTs or fetches. */
  readonly sameSite?: 'Strict' | 'Lax';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[!#-+\--:<-[\]-~]*$/;

/**
 * A `set-cookie` value, always `Secure` and `Path=/` (the `__Host-` prefix asks for both, and
 * for no `Domain`: a sibling subdomain can then neither read nor plant it). Browsers accept
 * Secure cookies on http://localhost and 127.0.0.1 too, so local runs behave as deployed ones.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!TOKEN.test(name)) throw new Error(`not a cookie name: ${name}`);
  if (!VALUE.test(value)) throw new Error(`a value of cookie ${name} holds characters a cookie cannot`);
  const parts = [`${name}=${value}`, 'Path=/', 'Secure', `SameSite=${options.sameSite ?? 'Lax'}`];
  if (options.httpOnly ?? true) parts.push('HttpOnly');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  return parts.join('; ');
}

/** Deletes a cookie set with `serializeCookie`. */
export function clearedCookie(name: string): string {
  return serializeCookie(name, '', { maxAgeSeconds: 0 });
}
