/**
 * The one request layer every route goes through (platform/http/http-route.ts), with a
 * regression test per class of defect a hostile client found: prototype-named query parameters,
 * loose numbers, NUL and lone surrogates, unknown parameters, problems larger than the request,
 * answers past Lambda's response limit, and route-scoped authorization.
 */
import { z } from 'zod';
import { InvalidInput, Unavailable } from '../../lambdas/platform/errors';
import { httpRoute, json, LAMBDA_RESPONSE_LIMIT_BYTES, rawJson } from '../../lambdas/platform/http/http-route';
import { PROBLEM_LIMITS } from '../../lambdas/platform/http/problem';
import { decimalInteger, parseQueryString, repeated, single } from '../../lambdas/platform/http/query';
import type { RouteContract } from '../../lambdas/platform/manifest-types';
import { httpEvent, lambdaContext } from '../support/apigw';

type Answer = { statusCode: number; headers?: Record<string, string>; body?: string };

const contract: RouteContract<{ name: string }, { n: number; tag?: string[] }> = {
  method: 'POST',
  path: '/things',
  operation: 'test',
  summary: 'a test route',
  body: z.strictObject({ name: z.string().max(5) }),
  query: z.strictObject({ n: single(decimalInteger({ min: 1, max: 100 })), tag: repeated(z.string(), { max: 3 }).optional() }),
  maxBodyBytes: 100,
  responses: { 200: { description: 'ok' } },
};

const route = httpRoute(contract, async ({ body, query }) => {
  if (body.name === 'gone') throw new Unavailable('store down', { retryAfterSeconds: 2 });
  if (body.name === 'bad') throw new InvalidInput('1 problem', [{ path: 'body.name', message: 'is bad' }]);
  if (body.name === 'boom') throw new Error('secret internals');
  if (body.name === 'huge') return rawJson(200, JSON.stringify({ padding: 'x'.repeat(LAMBDA_RESPONSE_LIMIT_BYTES) }));
  return json(200, { name: body.name, n: query.n, tag: query.tag ?? [] });
});

const call = (body: string | undefined, extra: Parameters<typeof httpEvent>[0] = {}) =>
  route(httpEvent({ body, rawQueryString: 'n=3', ...extra }), lambdaContext) as Promise<Answer>;
const problemOf = (res: Answer) => JSON.parse(res.body ?? '{}');

describe('httpRoute', () => {
  it('passes validated input to the handler', async () => {
    const res = await call('{"name":"ann"}', { rawQueryString: 'n=3&tag=a&tag=b%2Cc' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ name: 'ann', n: 3, tag: ['a', 'b,c'] });
  });

  it('answers a schema violation with a 400 problem naming each field', async () => {
    const res = await call('{"name":"toolong","extra":1}');
    expect(res.statusCode).toBe(400);
    expect(res.headers!['content-type']).toBe('application/problem+json');
    const problem = problemOf(res);
    expect(problem).toMatchObject({ type: 'urn:eventline:problem:validation', status: 400 });
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.extra', 'body.name']);
  });

  it('refuses malformed JSON, wrong media types, oversized bodies and bytes that are not UTF-8', async () => {
    expect((await call('{"name":')).statusCode).toBe(400);
    expect((await call('{"name":"a"}', { headers: { 'content-type': 'text/plain' } })).statusCode).toBe(415);
    const big = await call(JSON.stringify({ name: 'x'.repeat(200) }));
    expect(big.statusCode).toBe(413);
    expect(problemOf(big).type).toBe('urn:eventline:problem:payload-too-large');
    const latin1 = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe9]), Buffer.from('"}')]).toString('base64');
    const notUtf8 = await call(latin1, { isBase64Encoded: true });
    expect(notUtf8.statusCode).toBe(400);
    expect(problemOf(notUtf8).type).toBe('urn:eventline:problem:malformed-encoding');
  });

  it('refuses bodies nested deeper than any schema needs (found by the OpenAPI fuzz test as a 500)', async () => {
    const wide = httpRoute({ ...contract, maxBodyBytes: 1024 * 1024 }, async () => json(200, {}));
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const res = (await wide(httpEvent({ body: deep, rawQueryString: 'n=1' }), lambdaContext)) as Answer;
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).detail).toMatch(/nests deeper/);
  });

  it('decodes base64 bodies as API Gateway sends them', async () => {
    const res = await call(Buffer.from('{"name":"b64"}').toString('base64'), { isBase64Encoded: true });
    expect(JSON.parse(res.body!).name).toBe('b64');
  });

  it('maps domain errors to their problems and hides unexpected errors behind a 500', async () => {
    const gone = await call('{"name":"gone"}');
    expect(gone.statusCode).toBe(503);
    expect(gone.headers!['retry-after']).toBe('2');
    const bad = await call('{"name":"bad"}');
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors).toEqual([{ path: 'body.name', message: 'is bad' }]);
    const res = await call('{"name":"boom"}');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret internals');
  });

  describe('query strings', () => {
    it('treats names of built-in object properties as plain unknown parameters (400, never 500)', async () => {
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
        const res = await call('{"name":"ann"}', { rawQueryString: `n=3&${name}=1` });
        expect(res.statusCode).toBe(400);
        expect(problemOf(res).errors).toEqual([{ path: `query.${name}`, message: 'is not allowed' }]);
      }
      const res = await call('{"name":"ann"}', { rawQueryString: 'n=3&tag=__proto__&tag=constructor' });
      expect(JSON.parse(res.body!).tag).toEqual(['__proto__', 'constructor']);
    });

    it('parses every query once into lists on an object without a prototype', () => {
      const params = parseQueryString('a=1&a=2&b&__proto__=x&d=x+y&e=%C5%BC');
      expect(Object.getPrototypeOf(params)).toBeNull();
      expect({ ...params }).toEqual({ a: ['1', '2'], b: [''], ['__proto__']: ['x'], d: ['x y'], e: ['ż'] });
      expect(() => parseQueryString('c=%ZZ')).toThrow(/percent-encoded/);
    });

    it('accepts only plain decimal integers within bounds', async () => {
      for (const n of ['0x10', '1e1', '%205', '5%20', '05', '5.0', '+5', '-0', '', '101', '0']) {
        const res = await call('{"name":"ann"}', { rawQueryString: `n=${n}` });
        expect([n, res.statusCode]).toEqual([n, 400]);
      }
      expect((await call('{"name":"ann"}', { rawQueryString: 'n=100' })).statusCode).toBe(200);
    });

    it('refuses a repeated single parameter, a missing one, and too many values of a list', async () => {
      expect(problemOf(await call('{"name":"ann"}', { rawQueryString: 'n=3&n=4' })).errors[0]).toEqual({
        path: 'query.n',
        message: 'must be given once',
      });
      expect((await call('{"name":"ann"}', { rawQueryString: '' })).statusCode).toBe(400);
      expect((await call('{"name":"ann"}', { rawQueryString: 'n=3&tag=a&tag=b&tag=c&tag=d' })).statusCode).toBe(400);
    });

    it('refuses query parameters on a route that declares none', async () => {
      const bare = httpRoute({ ...contract, body: undefined, query: undefined }, async () => json(200, {}));
      const res = (await bare(httpEvent({ rawQueryString: 'x=1' }), lambdaContext)) as Answer;
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors).toEqual([{ path: 'query.x', message: 'is not allowed' }]);
      expect(((await bare(httpEvent({}), lambdaContext)) as Answer).statusCode).toBe(200);
    });
  });

  describe('text', () => {
    it('refuses NUL and lone surrogates in body strings and keys, query values and path parameters', async () => {
      for (const body of ['{"name":"a\\u0000"}', '{"name":"\\ud800"}', '{"name":"a","\\udfff":1}']) {
        const res = await call(body);
        expect([body, res.statusCode]).toEqual([body, 400]);
      }
      expect((await call('{"name":"ann"}', { rawQueryString: 'n=3&tag=%00' })).statusCode).toBe(400);
      expect((await call('{"name":"ann"}', { rawQueryString: 'n=3&tag=%ED%A0%80' })).statusCode).toBe(400);
      const withPath = httpRoute(
        { ...contract, body: undefined, query: undefined, path: '/x/{id}', pathParameters: z.strictObject({ id: z.string() }) },
        async () => json(200, {}),
      );
      const res = (await withPath(httpEvent({ pathParameters: { id: 'a\u0000b' } }), lambdaContext)) as Answer;
      expect(res.statusCode).toBe(400);
      // A paired surrogate (an emoji) is fine.
      expect((await call('{"name":"😀"}')).statusCode).toBe(200);
    });
  });

  describe('problem size', () => {
    it('bounds the list of problems and every echoed name, whatever the request', async () => {
      const wide = httpRoute(
        { ...contract, body: z.strictObject({ items: z.array(z.number()) }), maxBodyBytes: 1024 * 1024 },
        async () => json(200, {}),
      );
      const items = Array.from({ length: 50_000 }, () => '"x"').join(',');
      const longKey = 'k'.repeat(100_000);
      const body = `{"items":[${items}],"${longKey}":1}`;
      const res = (await wide(httpEvent({ body, rawQueryString: 'n=1' }), lambdaContext)) as Answer;
      expect(res.statusCode).toBe(400);
      const problem = problemOf(res);
      expect(problem.errors.length).toBe(PROBLEM_LIMITS.errors);
      expect(problem.detail).toMatch(/more not listed/);
      expect(Buffer.byteLength(res.body!)).toBeLessThan(16 * 1024);
      const longQuery = `n=1&${'q'.repeat(50_000)}=1`;
      const res2 = await call('{"name":"ann"}', { rawQueryString: longQuery });
      expect(Buffer.byteLength(res2.body!)).toBeLessThan(4 * 1024);
    });
  });

  it('turns an answer past the Lambda response limit into a 500 problem instead of a failed invocation', async () => {
    const res = await call('{"name":"huge"}');
    expect(res.statusCode).toBe(500);
    expect(problemOf(res).type).toBe('urn:eventline:problem:response-too-large');
  });

  describe('access rules', () => {
    const guarded = httpRoute(
      {
        ...contract,
        path: '/apps/{appId}',
        body: undefined,
        query: undefined,
        pathParameters: z.strictObject({ appId: z.string() }),
        authorizer: 'some-authorizer',
        access: { kind: 'authorizerContextMatchesPath', contextKey: 'appId', pathParameter: 'appId', denied: 'not your app' },
      },
      async ({ path }) => json(200, path),
    );
    const asApp = (appId: string | undefined, pathApp: string) =>
      guarded(
        httpEvent({
          pathParameters: { appId: pathApp },
          requestContext: { authorizer: appId === undefined ? undefined : { lambda: { appId } } } as never,
        }),
        lambdaContext,
      ) as Promise<Answer>;

    it('lets the authorized app reach its own path only', async () => {
      expect((await asApp('a', 'a')).statusCode).toBe(200);
      const other = await asApp('a', 'b');
      expect(other.statusCode).toBe(403);
      expect(problemOf(other).detail).toBe('not your app');
    });

    it('fails closed when no authorizer context arrived', async () => {
      expect((await asApp(undefined, 'a')).statusCode).toBe(403);
    });
  });
});
