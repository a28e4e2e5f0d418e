/**
 * How API Gateway (HTTP API, payload format 2.0) turns a Lambda result into an HTTP response:
 * - an object with `statusCode` is a structured response: `statusCode`, `headers`, `cookies`
 *   (each becomes a `set-cookie` header), `body` (a string), `isBase64Encoded`;
 * - anything else (a string, an object without `statusCode`, a number, null) is "inferred":
 *   200, `content-type: application/json`, the body being the string itself or the JSON of the
 *   value;
 * - a structured response API Gateway cannot read (statusCode not an integer, body not a string)
 *   is a 500 `{"message":"Internal Server Error"}`.
 * `multiValueHeaders` belongs to payload format 1.0; API Gateway ignores it in 2.0 and so do we.
 */

export interface GatewayResponse {
  readonly statusCode: number;
  /** Header name to values (several values become several header lines, e.g. set-cookie). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  /** Things API Gateway silently ignores that a developer probably wants to know about. */
  readonly warnings: readonly string[];
}

export class MalformedLambdaResponseError extends Error {
  constructor(detail: string) {
    super(`malformed Lambda proxy response: ${detail}`);
    this.name = 'MalformedLambdaResponseError';
  }
}

function jsonMessage(statusCode: number, message: string): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': ['application/json'] },
    body: Buffer.from(JSON.stringify({ message })),
    warnings: [],
  };
}

/** API Gateway's own answers, which never reach a Lambda function. */
export const gatewayResponses = {
  notFound: () => jsonMessage(404, 'Not Found'),
  payloadTooLarge: () => jsonMessage(413, 'Request Entity Too Large'),
  internalServerError: () => jsonMessage(500, 'Internal Server Error'),
  serviceUnavailable: () => jsonMessage(503, 'Service Unavailable'),
};

function isStructured(result: unknown): result is Record<string, unknown> {
  return typeof result === 'object' && result !== null && !Array.isArray(result) && 'statusCode' in result;
}

export function toGatewayResponse(result: unknown): GatewayResponse {
  if (!isStructured(result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': ['application/json'] }, body: Buffer.from(body), warnings: [] };
  }
  const warnings: string[] = [];
  const statusCode = result.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedLambdaResponseError(`statusCode must be an integer HTTP status, got ${JSON.stringify(statusCode)}`);
  }
  const headers: Record<string, string[]> = {};
  if (result.headers !== undefined && result.headers !== null) {
    if (typeof result.headers !== 'object' || Array.isArray(result.headers)) {
      throw new MalformedLambdaResponseError('headers must be an object');
    }
    for (const [name, value] of Object.entries(result.headers as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new MalformedLambdaResponseError(`header ${name} must be a string, number or boolean`);
      }
      const key = name.toLowerCase();
      headers[key] = [...(headers[key] ?? []), String(value)];
    }
  }
  if (result.cookies !== undefined && result.cookies !== null) {
    if (!Array.isArray(result.cookies) || result.cookies.some((c) => typeof c !== 'string')) {
      throw new MalformedLambdaResponseError('cookies must be an array of strings');
    }
    headers['set-cookie'] = [...(headers['set-cookie'] ?? []), ...(result.cookies as string[])];
  }
  if ('multiValueHeaders' in result) {
    warnings.push('multiValueHeaders is ignored by API Gateway payload format 2.0; use headers (comma-joined) or cookies');
  }
  const rawBody = result.body;
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== 'string') {
    throw new MalformedLambdaResponseError('body must be a string (JSON.stringify objects yourself)');
  }
  const body = rawBody ? Buffer.from(rawBody, result.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
  return { statusCode, headers, body, warnings };
}
