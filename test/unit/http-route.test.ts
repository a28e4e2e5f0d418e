import { z } from 'zod';
import { httpRoute, json } from '../../lambdas/platform/http/http-route';
import { Problems } from '../../lambdas/platform/http/problem';
import { httpEvent, lambdaContext } from '../support/apigw';

const route = httpRoute(
  {
    operation: 'test',
    body: z.strictObject({ name: z.string().max(5) }),
    query: z.object({ n: z.coerce.number().int() }),
    maxBodyBytes: 100,
  },
  async ({ body, query }) => {
    if (body.name === 'gone') throw Problems.unavailable('store down');
    if (body.name === 'boom') throw new Error('secret internals');
    return json(200, { name: body.name, n: query.n });
  },
);

const call = (body: string | undefined, extra: Parameters<typeof httpEvent>[0] = {}) =>
  route(httpEvent({ body, queryStringParameters: { n: '3' }, ...extra }), lambdaContext) as Promise<{
    statusCode: number;
    headers?: Record<string, string>;
    body?: string;
  }>;

describe('httpRoute', () => {
  it('passes validated input to the handler', async () => {
    const res = await call('{"name":"ann"}');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ name: 'ann', n: 3 });
  });

  it('answers a schema violation with a 400 problem naming each field', async () => {
    const res = await call('{"name":"toolong","extra":1}');
    expect(res.statusCode).toBe(400);
    expect(res.headers!['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(res.body!);
    expect(problem).toMatchObject({ type: 'urn:eventline:problem:validation', status: 400 });
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.extra', 'body.name']);
  });

  it('validates the query string too', async () => {
    const res = await call('{"name":"ann"}', { queryStringParameters: { n: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).errors[0].path).toBe('query.n');
  });

  it('refuses malformed JSON, wrong media types and oversized bodies', async () => {
    expect((await call('{"name":')).statusCode).toBe(400);
    expect((await call('{"name":"a"}', { headers: { 'content-type': 'text/plain' } })).statusCode).toBe(415);
    const big = await call(JSON.stringify({ name: 'x'.repeat(200) }));
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body!).type).toBe('urn:eventline:problem:payload-too-large');
  });

  it('decodes base64 bodies as API Gateway sends them', async () => {
    const res = await call(Buffer.from('{"name":"b64"}').toString('base64'), { isBase64Encoded: true });
    expect(JSON.parse(res.body!).name).toBe('b64');
  });

  it('maps thrown problems to their status and hides unexpected errors behind a 500', async () => {
    expect((await call('{"name":"gone"}')).statusCode).toBe(503);
    const res = await call('{"name":"boom"}');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret internals');
  });
});
