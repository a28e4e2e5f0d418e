/**
 * Server-rendered HTML, escaped by construction. `html` is a tagged template whose every
 * interpolation is escaped unless it is already `Html` (another `html` fragment, or `raw(...)`,
 * the one explicit way to pass markup through); arrays are joined, and `undefined`, `null` and
 * `false` render nothing (so `${cond && html`...`}` works). Responses carry the security headers
 * every page needs (a CSP without inline script, no sniffing, no framing, no referrer leaks).
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) text += render(values[i] as Interpolation) + (strings[i + 1] ?? '');
  return new Html(text);
}

/** Markup passed through unescaped: only for text the code itself wrote (never anything a client sent). */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A fresh nonce for the one `<style>` element a page may carry (values the page validated itself). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The headers of every page: scripts only from this origin (no inline script, no eval), styles
 * from this origin or the page's nonce, images from here or https, forms posting only here, no
 * framing, no MIME sniffing, the referrer only within the site.
 */
export function pageSecurityHeaders(nonce?: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${nonce ? ` 'nonce-${nonce}'` : ''}`,
    "img-src 'self' https:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };
}

export interface PageOptions {
  /** `set-cookie` values (API Gateway payload 2.0 `cookies`). */
  readonly cookies?: readonly string[];
  /** The nonce the page's `<style>` carries, if any. */
  readonly nonce?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An HTML page; never stored by caches (pages may be personal and carry form tokens). */
export function htmlPage(statusCode: number, body: Html, options: PageOptions = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...pageSecurityHeaders(options.nonce),
      ...options.headers,
    },
    ...(options.cookies && options.cookies.length > 0 ? { cookies: [...options.cookies] } : {}),
    body: body.text,
  };
}

/**
 * A redirect to a path of this site (`303 See Other` after a form, so the browser GETs the
 * target). Only local paths: a client-supplied "next" can never send the browser elsewhere.
 */
export function redirect(location: string, options: { status?: 302 | 303; cookies?: readonly string[] } = {}) {
  if (!isLocalPath(location)) throw new Error(`refusing to redirect off-site: ${location.slice(0, 100)}`);
  return {
    statusCode: options.status ?? 303,
    headers: { location, 'cache-control': 'no-store', ...pageSecurityHeaders() },
    ...(options.cookies && options.cookies.length > 0 ? { cookies: [...options.cookies] } : {}),
    body: '',
  } satisfies APIGatewayProxyStructuredResultV2;
}

/** `/people/ann?x=1` yes; `//evil.example`, `/\evil`, `https://…`, control characters no. */
export function isLocalPath(path: string): boolean {
  return /^\/(?![/\\])[^\s\\]*$/.test(path) && path.length <= 2048;
}

/** A static asset (script, style sheet) the pages load; cached briefly, never sniffed. */
export function asset(contentType: string, body: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 200,
    headers: {
      'content-type': `${contentType}; charset=utf-8`,
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}
