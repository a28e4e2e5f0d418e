import type { FunctionSpec } from '../../lambdas/platform/manifest-types';
import {
  buildHttpApiEvent,
  collectHeaders,
  decodePathSegments,
  formatRequestTime,
  type IncomingHttpRequest,
  isTextContentType,
  newApiGatewayRequestId,
  parseQueryString,
} from '../../scripts/local-runtime/apigw-event';
import { MalformedLambdaResponseError, toGatewayResponse } from '../../scripts/local-runtime/apigw-response';
import { localIds, newLambdaRequestId } from '../../scripts/local-runtime/lambda-invoker';
import { RouteTable } from '../../scripts/local-runtime/route-matcher';
import sample from '../fixtures/apigw-v2-sample-event.json';
import { testFunction } from '../support/function-spec';

/** The structure of a JSON value: key names and value types, with string maps collapsed. */
type Shape = string | Shape[] | { [key: string]: Shape };
const STRING_MAPS = new Set(['headers', 'queryStringParameters', 'pathParameters', 'stageVariables']);

function shapeOf(value: unknown, key = ''): Shape {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (value !== null && typeof value === 'object') {
    if (STRING_MAPS.has(key)) {
      return Object.values(value).every((v) => typeof v === 'string') ? 'map<string,string>' : 'map<?>';
    }
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v, k)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

const fn = (name: string, overrides: Partial<FunctionSpec> = {}) =>
  testFunction(name, { entry: `lambdas/${name}.ts`, memoryMb: 256, ...overrides });

function request(overrides: Partial<IncomingHttpRequest> = {}): IncomingHttpRequest {
  return {
    method: 'POST',
    rawPathEncoded: '/my/path',
    rawQueryString: '',
    rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'agent'],
    httpVersion: '1.1',
    sourceIp: '192.0.2.1',
    body: Buffer.alloc(0),
    receivedAt: new Date(Date.UTC(2020, 2, 12, 19, 3, 58, 390)),
    ...overrides,
  };
}

describe('API Gateway HTTP API payload 2.0 event', () => {
  it('has the structure (keys and value types) of the documented sample event', () => {
    const event = buildHttpApiEvent(
      request({
        rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
        rawHeaders: [
          'Host',
          '127.0.0.1:3000',
          'User-Agent',
          'agent',
          'Cookie',
          'cookie1=a; cookie2=b',
          'Content-Type',
          'text/plain',
        ],
        body: Buffer.from('Hello from Lambda'),
      }),
      { routeKey: 'POST /my/{parameter1}', pathParameters: { parameter1: 'value1' } },
      'JKJaXmPLvHcESHA=',
    );
    const expected = shapeOf(sample) as Record<string, Shape>;
    const expectedContext = expected.requestContext as Record<string, Shape>;
    // Present in the sample only with an authorizer, mutual TLS or stage variables, none of which Eventline uses.
    delete expectedContext.authentication;
    delete expectedContext.authorizer;
    delete expected.stageVariables;
    expect(shapeOf(event)).toEqual(expected);
  });

  it('fills the documented fields the way API Gateway does', () => {
    const event = buildHttpApiEvent(
      request({
        rawPathEncoded: '/user_profiles/caf%C3%A9%20cookie',
        rawQueryString: 'time_range=2022-03-01T00:00:00.000_2022-03-01T00:00:01.000&limit=10',
        rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'curl/8', 'Content-Type', 'application/json'],
        body: Buffer.from('{"a":1}'),
      }),
      { routeKey: 'POST /user_profiles/{cookie}', pathParameters: { cookie: 'café cookie' } },
      'req-1',
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /user_profiles/{cookie}',
      rawPath: '/user_profiles/café cookie',
      rawQueryString: 'time_range=2022-03-01T00:00:00.000_2022-03-01T00:00:01.000&limit=10',
      queryStringParameters: { time_range: '2022-03-01T00:00:00.000_2022-03-01T00:00:01.000', limit: '10' },
      pathParameters: { cookie: 'café cookie' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        domainName: '127.0.0.1',
        http: {
          method: 'POST',
          path: '/user_profiles/café cookie',
          protocol: 'HTTP/1.1',
          sourceIp: '192.0.2.1',
          userAgent: 'curl/8',
        },
        requestId: 'req-1',
        routeKey: 'POST /user_profiles/{cookie}',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58, 390),
      },
    });
    expect(event.headers).toMatchObject({
      host: '127.0.0.1:3000',
      'content-type': 'application/json',
      'content-length': '7',
      'x-forwarded-for': '192.0.2.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '3000',
    });
    expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.cookies).toBeUndefined();
  });

  it('leaves optional fields out instead of sending them empty', () => {
    const event = buildHttpApiEvent(request({ method: 'GET' }), { routeKey: 'GET /my/path', pathParameters: {} }, 'r');
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.rawQueryString).toBe('');
  });

  it('base64-encodes bodies that are not text, as API Gateway does', () => {
    const binary = Buffer.from([0, 255, 1, 254, 10]);
    const event = buildHttpApiEvent(
      request({ rawHeaders: ['Content-Type', 'application/octet-stream'], body: binary }),
      { routeKey: 'POST /my/path', pathParameters: {} },
      'r',
    );
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body as string, 'base64')).toEqual(binary);

    const form = buildHttpApiEvent(
      request({ rawHeaders: ['Content-Type', 'application/x-www-form-urlencoded'], body: Buffer.from('a=1') }),
      { routeKey: 'POST /my/path', pathParameters: {} },
      'r',
    );
    expect(form).toMatchObject({ isBase64Encoded: true, body: Buffer.from('a=1').toString('base64') });
  });

  it('moves every cookie header into cookies, one entry per cookie', () => {
    const event = buildHttpApiEvent(
      request({ rawHeaders: ['Cookie', 'a=1; b=2', 'cookie', 'c=3'] }),
      { routeKey: 'POST /my/path', pathParameters: {} },
      'r',
    );
    expect(event.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('lower-cases header names and joins repeated headers with commas', () => {
    expect(collectHeaders(['X-Tag', 'a', 'x-tag', 'b', 'Accept', '*/*'])).toEqual({ 'x-tag': 'a,b', accept: '*/*' });
  });

  it('joins repeated query parameters with commas and decodes names and values', () => {
    expect(parseQueryString('aggregates=COUNT&aggregates=SUM_PRICE&origin=a%20b&flag&x%5B%5D=1')).toEqual({
      aggregates: 'COUNT,SUM_PRICE',
      origin: 'a b',
      flag: '',
      'x[]': '1',
    });
    expect(parseQueryString('')).toBeUndefined();
    expect(parseQueryString('bad=%E0%A4%A')).toEqual({ bad: '%E0%A4%A' });
  });

  it('formats requestContext.time like API Gateway', () => {
    expect(formatRequestTime(new Date(Date.UTC(2020, 2, 4, 9, 3, 8)))).toBe('04/Mar/2020:09:03:08 +0000');
  });

  it('treats only textual content types as text', () => {
    expect(isTextContentType('application/json; charset=utf-8')).toBe(true);
    expect(isTextContentType('application/problem+json')).toBe(true);
    expect(isTextContentType('text/csv')).toBe(true);
    expect(isTextContentType('image/png')).toBe(false);
    expect(isTextContentType(undefined)).toBe(false);
  });
});

describe('route selection', () => {
  const table = new RouteTable([
    { fn: fn('profile'), route: { method: 'POST', path: '/user_profiles/{cookie}' } },
    { fn: fn('profile-me'), route: { method: 'POST', path: '/user_profiles/me' } },
    { fn: fn('files'), route: { method: 'GET', path: '/files/{proxy+}' } },
    { fn: fn('file-meta'), route: { method: 'GET', path: '/files/{id}/meta' } },
    { fn: fn('root'), route: { method: 'GET', path: '/' } },
  ]);
  const match = (method: string, path: string) => table.match(method, decodePathSegments(path));

  it('extracts URL-decoded path parameters', () => {
    const found = match('POST', '/user_profiles/a%2Fb%20c');
    expect(found?.compiled.fn.name).toBe('profile');
    expect(found?.pathParameters).toEqual({ cookie: 'a/b c' });
  });

  it('prefers literal segments over parameters, and parameters over greedy variables', () => {
    expect(match('POST', '/user_profiles/me')?.compiled.fn.name).toBe('profile-me');
    expect(match('GET', '/files/42/meta')?.compiled.fn.name).toBe('file-meta');
    expect(match('GET', '/files/42/other')?.pathParameters).toEqual({ proxy: '42/other' });
  });

  it('lets a greedy variable take one or more segments, never zero', () => {
    expect(match('GET', '/files/a/b/c')?.pathParameters).toEqual({ proxy: 'a/b/c' });
    expect(match('GET', '/files')).toBeUndefined();
    expect(match('GET', '/files/')).toBeUndefined();
  });

  it('matches neither another method nor empty or extra segments', () => {
    expect(match('GET', '/user_profiles/abc')).toBeUndefined();
    expect(match('POST', '/user_profiles/')).toBeUndefined();
    expect(match('POST', '/user_profiles/a/b')).toBeUndefined();
    expect(match('GET', '/')?.compiled.fn.name).toBe('root');
  });

  it('rejects route syntax API Gateway would reject', () => {
    expect(() => new RouteTable([{ fn: fn('x'), route: { method: 'GET', path: '/a/{p+}/b' } }])).toThrow(/last segment/);
    expect(() => new RouteTable([{ fn: fn('x'), route: { method: 'GET', path: '/a/x{p}' } }])).toThrow(/whole segment/);
  });
});

describe('Lambda result to HTTP response (payload 2.0)', () => {
  it('uses statusCode, headers, cookies and body of a structured response', () => {
    const response = toGatewayResponse({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-Count': 3 },
      cookies: ['a=1; Path=/', 'b=2'],
      body: 'created',
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'content-type': ['text/plain'], 'x-count': ['3'], 'set-cookie': ['a=1; Path=/', 'b=2'] });
    expect(response.body.toString()).toBe('created');
  });

  it('decodes a base64 body', () => {
    const response = toGatewayResponse({
      statusCode: 200,
      body: Buffer.from([1, 2, 3]).toString('base64'),
      isBase64Encoded: true,
    });
    expect(response.body).toEqual(Buffer.from([1, 2, 3]));
  });

  it('infers 200 application/json for anything without statusCode', () => {
    expect(toGatewayResponse('Hello from Lambda!')).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': ['application/json'] },
    });
    expect(toGatewayResponse('Hello from Lambda!').body.toString()).toBe('Hello from Lambda!');
    expect(toGatewayResponse({ message: 'hi' }).body.toString()).toBe('{"message":"hi"}');
    expect(toGatewayResponse(undefined).body.toString()).toBe('null');
  });

  it('refuses what API Gateway cannot read', () => {
    expect(() => toGatewayResponse({ statusCode: '200' })).toThrow(MalformedLambdaResponseError);
    expect(() => toGatewayResponse({ statusCode: 200, body: { a: 1 } })).toThrow(/body must be a string/);
  });

  it('ignores multiValueHeaders like API Gateway 2.0, with a warning', () => {
    const response = toGatewayResponse({ statusCode: 204, multiValueHeaders: { a: ['1', '2'] } });
    expect(response.headers).toEqual({});
    expect(response.warnings).toHaveLength(1);
  });
});

describe('local ids and times (no random bytes per request)', () => {
  it('request ids keep their shapes and never repeat', () => {
    const gateway = new Set(Array.from({ length: 5000 }, () => newApiGatewayRequestId()));
    expect(gateway.size).toBe(5000);
    for (const id of gateway) expect(id).toMatch(/^[A-Za-z0-9+/]{15}=$/);

    const lambda = new Set(Array.from({ length: 5000 }, () => newLambdaRequestId()));
    expect(lambda.size).toBe(5000);
    for (const id of lambda) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const other = localIds();
    expect(other.hex(24)).toMatch(/^[0-9a-f]{24}$/);
    expect(other.hex(24)).not.toBe(other.hex(24));
  });

  it('formats requestContext.time per second, right across second boundaries', () => {
    const at = (iso: string) => formatRequestTime(new Date(iso));
    expect(at('2020-03-12T19:03:58.001Z')).toBe('12/Mar/2020:19:03:58 +0000');
    expect(at('2020-03-12T19:03:58.999Z')).toBe('12/Mar/2020:19:03:58 +0000');
    expect(at('2020-03-12T19:03:59.000Z')).toBe('12/Mar/2020:19:03:59 +0000');
    expect(at('2021-01-01T00:00:00.000Z')).toBe('01/Jan/2021:00:00:00 +0000');
  });
});
