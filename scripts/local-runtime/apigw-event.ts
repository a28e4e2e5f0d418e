import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, localIds } from './lambda-invoker';

/**
 * Builds the API Gateway HTTP API event, payload format version 2.0, exactly as documented in
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * (the sample lives in test/fixtures/apigw-v2-sample-event.json). Behaviours worth knowing:
 * - header names are lower-cased and repeated headers joined with ","; the `cookie` header is
 *   moved into `cookies` (one entry per cookie);
 * - repeated query parameters are joined with "," in `queryStringParameters` (no multi-value
 *   fields in 2.0); `rawQueryString` stays as sent;
 * - HTTP APIs hand Lambda the percent-decoded path in `rawPath` and `requestContext.http.path`,
 *   and decoded `pathParameters`;
 * - optional fields (`cookies`, `queryStringParameters`, `pathParameters`, `body`) are absent
 *   rather than empty; there are no stage variables, authorizer or mTLS here.
 */

export const LOCAL_API_ID = 'local';

export interface IncomingHttpRequest {
  readonly method: string;
  /** The path as received, still percent-encoded (no query string). */
  readonly rawPathEncoded: string;
  /** Everything after `?`, as received ('' when none). */
  readonly rawQueryString: string;
  /** Node's `rawHeaders`: name, value, name, value, ... in arrival order. */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly sourceIp: string;
  readonly body: Buffer;
  readonly receivedAt: Date;
  /** `decodePathSegments(rawPathEncoded)` when the caller already has it (routing needs it first). */
  readonly pathSegments?: readonly string[];
}

export interface RouteSelection {
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Requests come by the thousand within one second: the text is formatted once per second. */
let lastFormatted = { second: Number.NaN, text: '' };

/** API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000` (always UTC). */
export function formatRequestTime(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second === lastFormatted.second) return lastFormatted.text;
  const two = (n: number) => String(n).padStart(2, '0');
  const text =
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
  lastFormatted = { second, text };
  return text;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** 8 random base64 characters drawn once per process; a counter makes each id unique. */
const requestIdPrefix = randomBytes(6).toString('base64');
let requestCounter = 0;

/**
 * A request id shaped like API Gateway's (`JKJaXmPLvHcESHA=`: 15 base64 characters and `=`):
 * the process's random prefix and a counter of 7 base64 digits, no random bytes per request.
 */
export function newApiGatewayRequestId(): string {
  let n = requestCounter++;
  let digits = '';
  for (let i = 0; i < 7; i++) {
    digits = BASE64[n % 64] + digits;
    n = Math.floor(n / 64);
  }
  return `${requestIdPrefix}${digits}=`;
}

/** The 24 hex digits of each X-Ray trace id API Gateway adds (`Root=1-<epoch>-<24 hex>`). */
const traceIds = localIds();

/** Percent-decodes, keeping the input when it is not valid percent-encoding (as a lenient proxy would). */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Decodes each segment of an encoded path; the segments are what routes match against. */
export function decodePathSegments(rawPathEncoded: string): string[] {
  if (rawPathEncoded === '/' || rawPathEncoded === '') return [];
  return rawPathEncoded.replace(/^\//, '').split('/').map(safeDecode);
}

/**
 * Content types API Gateway passes as UTF-8 text; every other body (including form posts and
 * bodies without a content type) reaches Lambda base64-encoded with `isBase64Encoded: true`.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType.endsWith('+json') ||
    mediaType === 'application/xml' ||
    mediaType.endsWith('+xml') ||
    mediaType === 'application/javascript' ||
    mediaType === 'application/graphql'
  );
}

/** Lower-cased names, repeated headers joined with ",". */
export function collectHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** Repeated parameters joined with ","; names and values percent-decoded. */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const params: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
    params[name] = name in params ? `${params[name]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

/** Every `cookie` header (`a=1; b=2`) split into single cookies: `["a=1", "b=2"]`. */
export function parseCookies(rawHeaders: readonly string[]): string[] | undefined {
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== 'cookie') continue;
    for (const cookie of rawHeaders[i + 1].split(';')) {
      if (cookie.trim() !== '') cookies.push(cookie.trim());
    }
  }
  return cookies.length > 0 ? cookies : undefined;
}

export function buildHttpApiEvent(
  request: IncomingHttpRequest,
  selection: RouteSelection,
  requestId: string,
): APIGatewayProxyEventV2 {
  const headers = collectHeaders(request.rawHeaders);
  const cookies = parseCookies(request.rawHeaders);
  delete headers.cookie;

  const host = (headers.host ?? 'localhost').replace(/:\d+$/, '');
  const port = /:(\d+)$/.exec(headers.host ?? '')?.[1] ?? '80';
  // Headers API Gateway adds in front of the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = port;
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(request.receivedAt.getTime() / 1000).toString(16)}-${traceIds.hex(24)}`;
  if (request.body.length > 0) headers['content-length'] = String(request.body.length);

  const decodedPath = `/${(request.pathSegments ?? decodePathSegments(request.rawPathEncoded)).join('/')}`;
  const queryStringParameters = parseQueryString(request.rawQueryString);
  const hasPathParameters = Object.keys(selection.pathParameters).length > 0;
  const isText = isTextContentType(headers['content-type']);

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: selection.routeKey,
    rawPath: decodedPath,
    rawQueryString: request.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: request.method,
        path: decodedPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: selection.routeKey,
      stage: '$default',
      time: formatRequestTime(request.receivedAt),
      timeEpoch: request.receivedAt.getTime(),
    },
    ...(request.body.length > 0 ? { body: request.body.toString(isText ? 'utf8' : 'base64') } : {}),
    ...(hasPathParameters ? { pathParameters: { ...selection.pathParameters } } : {}),
    isBase64Encoded: request.body.length > 0 && !isText,
  };
  return event;
}
