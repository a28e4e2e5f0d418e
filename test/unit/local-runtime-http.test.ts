import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2, Context, Handler } from 'aws-lambda';
import type { TopicSubscriber } from '../../lambdas/platform/bus/event-bus';
import type { FunctionSpec, Manifest } from '../../lambdas/platform/manifest-types';
import {
  InMemoryDeadLetterSink,
  type LocalRuntime,
  RecordingRuntimeLogger,
  startLocalRuntime,
} from '../../scripts/local-runtime';
import { testFunction } from '../support/function-spec';

const noSubscriber: TopicSubscriber = {
  subscribe: async () => {
    throw new Error('this manifest has no subscriptions');
  },
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const fn = (name: string, overrides: Partial<FunctionSpec>) => testFunction(name, overrides);

/** What each fixture function saw, for assertions. */
const seen: { event?: APIGatewayProxyEventV2; context?: Context } = {};

const handlers: Record<string, Handler> = {
  echo: async (event: APIGatewayProxyEventV2, context: Context) => {
    seen.event = event;
    seen.context = context;
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
  },
  boom: async () => {
    throw new Error('kaboom');
  },
  slow: async () => {
    await sleep(3000);
    return { statusCode: 200 };
  },
  slower: async () => {
    await sleep(3000);
    return { statusCode: 200 };
  },
  cookies: async () => ({
    statusCode: 201,
    headers: { 'x-request': 'yes' },
    cookies: ['session=abc; HttpOnly', 'theme=dark'],
    body: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'),
    isBase64Encoded: true,
  }),
  inferred: async () => ({ hello: 'world' }),
  text: async () => 'plain words',
  'callback-style': (_event: unknown, _context: Context, callback: (e: null, r: unknown) => void) => {
    setImmediate(() => callback(null, { statusCode: 202, body: 'via callback' }));
  },
  problem: async () => ({
    statusCode: 400,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400 }),
  }),
  malformed: async () => ({ statusCode: 200, body: { not: 'a string' } }),
  ticker: async (event: unknown) => ({ received: event }),
  // Lambda's 6 MB response limit counts the JSON envelope: 1.1 M control characters escape to 6.6 MB.
  huge: async () => ({ statusCode: 200, body: 'x'.repeat(7 * 1024 * 1024) }),
  escaped: async () => ({ statusCode: 200, body: '\u0001'.repeat(1_100_000) }),
  roomy: async () => ({ statusCode: 200, headers: { 'x-size': 'large' }, body: 'y'.repeat(900_000) }),
};

const manifest: Manifest = {
  metricNamespace: 'Eventline',
  migrations: [],
  searchIndexes: [],
  topics: [],
  functions: [
    fn('echo', {
      memoryMb: 512,
      routes: [
        { method: 'POST', path: '/echo/{name}' },
        { method: 'GET', path: '/echo/{name}' },
        { method: 'GET', path: '/files/{proxy+}' },
      ],
    }),
    fn('boom', { routes: [{ method: 'GET', path: '/boom' }] }),
    fn('slow', { timeoutSeconds: 1, routes: [{ method: 'GET', path: '/slow' }] }),
    fn('slower', { timeoutSeconds: 10, routes: [{ method: 'GET', path: '/slower' }] }),
    fn('cookies', { routes: [{ method: 'GET', path: '/cookies' }] }),
    fn('inferred', { routes: [{ method: 'GET', path: '/inferred' }] }),
    fn('text', { routes: [{ method: 'GET', path: '/text' }] }),
    fn('callback-style', { routes: [{ method: 'GET', path: '/callback' }] }),
    fn('problem', { routes: [{ method: 'POST', path: '/problem' }] }),
    fn('malformed', { routes: [{ method: 'GET', path: '/malformed' }] }),
    fn('huge', { routes: [{ method: 'GET', path: '/huge' }] }),
    fn('escaped', { routes: [{ method: 'GET', path: '/escaped' }] }),
    fn('roomy', { routes: [{ method: 'GET', path: '/roomy' }] }),
    fn('ticker', { schedules: [{ name: 'tick', expression: 'rate(5 minutes)', description: 'test' }] }),
  ],
};

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A plain node:http request, so tests control the exact path, headers and body bytes. */
function send(
  url: string,
  method: string,
  pathAndQuery: string,
  headers: Record<string, string | string[]> = {},
  body?: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${pathAndQuery}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (response: RawResponse) => JSON.parse(response.body.toString('utf8'));

describe('local runtime: HTTP API gateway', () => {
  let runtime: LocalRuntime;
  const logger = new RecordingRuntimeLogger();

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      manifest,
      port: 0,
      subscriber: noSubscriber,
      loadHandler: async (spec) => handlers[spec.name],
      deadLetters: new InMemoryDeadLetterSink(),
      logger,
      enableSchedules: false,
      integrationTimeoutMs: 1500,
    });
  });
  afterAll(async () => {
    await runtime.stop();
  });

  it('passes URL-decoded path parameters and the route key', async () => {
    const response = await send(runtime.url, 'GET', '/echo/caf%C3%A9%2Fau%20lait');
    expect(response.status).toBe(200);
    const event = json(response);
    expect(event.routeKey).toBe('GET /echo/{name}');
    expect(event.pathParameters).toEqual({ name: 'café/au lait' });
    expect(event.rawPath).toBe('/echo/café/au lait');
  });

  it('joins repeated query parameters and repeated headers with commas', async () => {
    const response = await send(runtime.url, 'GET', '/echo/q?aggregates=COUNT&aggregates=SUM_PRICE&origin=a%26b', {
      'X-Tag': ['one', 'two'],
    });
    const event = json(response);
    expect(event.rawQueryString).toBe('aggregates=COUNT&aggregates=SUM_PRICE&origin=a%26b');
    expect(event.queryStringParameters).toEqual({ aggregates: 'COUNT,SUM_PRICE', origin: 'a&b' });
    expect(event.headers['x-tag']).toBe('one,two');
  });

  it('gives greedy routes the rest of the path', async () => {
    const event = json(await send(runtime.url, 'GET', '/files/a/b/c.txt'));
    expect(event.routeKey).toBe('GET /files/{proxy+}');
    expect(event.pathParameters).toEqual({ proxy: 'a/b/c.txt' });
  });

  it('passes JSON bodies as text and binary bodies as base64', async () => {
    const text = json(await send(runtime.url, 'POST', '/echo/x', { 'content-type': 'application/json' }, Buffer.from('{"ü":1}')));
    expect(text).toMatchObject({ body: '{"ü":1}', isBase64Encoded: false });

    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    const binary = json(await send(runtime.url, 'POST', '/echo/x', { 'content-type': 'application/octet-stream' }, bytes));
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body, 'base64')).toEqual(bytes);
  });

  it('moves cookies out of the headers and fills requestContext', async () => {
    const event = json(await send(runtime.url, 'GET', '/echo/c', { cookie: 'a=1; b=2', 'user-agent': 'jest' }));
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext).toMatchObject({
      stage: '$default',
      routeKey: 'GET /echo/{name}',
      http: { method: 'GET', path: '/echo/c', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
    });
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('hands the handler a Lambda context', async () => {
    const response = await send(runtime.url, 'GET', '/echo/ctx');
    const context = seen.context as Context;
    expect(context).toMatchObject({
      functionName: 'echo',
      functionVersion: '$LATEST',
      memoryLimitInMB: '512',
      invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:echo',
      logGroupName: '/aws/lambda/echo',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(3000);
    expect(response.headers['apigw-requestid']).toBe(json(response).requestContext.requestId);
  });

  it('answers 404 {"message":"Not Found"} when no route matches, whatever the method', async () => {
    for (const [method, p] of [
      ['GET', '/nope'],
      ['DELETE', '/echo/x'],
      ['POST', '/echo/'],
    ]) {
      const response = await send(runtime.url, method, p);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('application/json');
      expect(json(response)).toEqual({ message: 'Not Found' });
    }
  });

  it('answers 500 {"message":"Internal Server Error"} when the handler throws, and logs why', async () => {
    const response = await send(runtime.url, 'GET', '/boom');
    expect(response.status).toBe(500);
    expect(json(response)).toEqual({ message: 'Internal Server Error' });
    expect(logger.lines.some((l) => l.level === 'error' && l.line.includes('kaboom'))).toBe(true);
  });

  it('ends a handler at its function timeout with a 500 (Lambda error)', async () => {
    const started = Date.now();
    const response = await send(runtime.url, 'GET', '/slow');
    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(2900); // the handler itself would answer at 3 s
    expect(logger.lines.some((l) => l.line.includes('Task timed out after 1.00 seconds'))).toBe(true);
  });

  it("answers 503 when the function outlives API Gateway's integration timeout", async () => {
    const started = Date.now();
    const response = await send(runtime.url, 'GET', '/slower');
    expect(response.status).toBe(503);
    expect(json(response)).toEqual({ message: 'Service Unavailable' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1450);
    expect(Date.now() - started).toBeLessThan(2900);
  });

  it('maps a structured result: status, headers, one set-cookie per cookie, base64 body', async () => {
    const response = await send(runtime.url, 'GET', '/cookies');
    expect(response.status).toBe(201);
    expect(response.headers['x-request']).toBe('yes');
    expect(response.headers['set-cookie']).toEqual(['session=abc; HttpOnly', 'theme=dark']);
    expect(response.body).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
  });

  it('passes problem+json answers through untouched', async () => {
    const response = await send(runtime.url, 'POST', '/problem');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(json(response)).toMatchObject({ title: 'Bad Request', status: 400 });
  });

  it('infers 200 application/json for results without statusCode', async () => {
    const object = await send(runtime.url, 'GET', '/inferred');
    expect(object.status).toBe(200);
    expect(object.headers['content-type']).toBe('application/json');
    expect(json(object)).toEqual({ hello: 'world' });
    const text = await send(runtime.url, 'GET', '/text');
    expect(text.body.toString()).toBe('plain words');
  });

  it('supports callback-style handlers', async () => {
    const response = await send(runtime.url, 'GET', '/callback');
    expect(response.status).toBe(202);
    expect(response.body.toString()).toBe('via callback');
  });

  it('answers 500 for a result API Gateway cannot read', async () => {
    expect((await send(runtime.url, 'GET', '/malformed')).status).toBe(500);
  });

  it('answers 413 for bodies over 10 MB without calling the handler', async () => {
    seen.event = undefined;
    const response = await send(
      runtime.url,
      'POST',
      '/echo/big',
      { 'content-type': 'application/json' },
      Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    );
    expect(response.status).toBe(413);
    expect(json(response)).toEqual({ message: 'Request Entity Too Large' });
    expect(seen.event).toBeUndefined();
  });

  it("answers 413 for an event over Lambda's 6 MB (a binary body grows by a third in base64)", async () => {
    seen.event = undefined;
    const body = Buffer.alloc(5 * 1024 * 1024, 0xff);
    const response = await send(runtime.url, 'POST', '/echo/binary', { 'content-type': 'application/octet-stream' }, body);
    expect(response.status).toBe(413);
    expect(seen.event).toBeUndefined();
    expect(logger.lines.some((l) => l.line.includes("event exceeds Lambda's 6 MB"))).toBe(true);
  });

  it("answers 500 for a response over Lambda's 6 MB, escaping included, and passes one below", async () => {
    expect((await send(runtime.url, 'GET', '/huge')).status).toBe(500);
    expect((await send(runtime.url, 'GET', '/escaped')).status).toBe(500);
    expect(logger.lines.filter((l) => l.line.includes("response exceeds Lambda's 6 MB"))).toHaveLength(2);
    const roomy = await send(runtime.url, 'GET', '/roomy');
    expect(roomy.status).toBe(200);
    expect(roomy.body.length).toBe(900_000);
  });

  it('logs one line per request: method, path, status, duration — no query string or headers', async () => {
    await send(runtime.url, 'GET', '/echo/logme?token=secret-value', { authorization: 'Bearer hunter2' });
    const line = logger.lines.find((l) => l.line.startsWith('GET /echo/logme '));
    expect(line?.line).toMatch(/^GET \/echo\/logme 200 \d+ms \(echo\)$/);
    expect(logger.lines.some((l) => l.line.includes('secret-value') || l.line.includes('hunter2'))).toBe(false);
  });

  it('runs a schedule on POST /__local/schedules/{name}', async () => {
    const response = await send(runtime.url, 'POST', '/__local/schedules/tick');
    expect(response.status).toBe(200);
    const run = json(response);
    expect(run).toMatchObject({ schedule: 'tick', functionName: 'ticker' });
    expect(run.result.received).toEqual({
      source: 'eventline.scheduler',
      schedule: 'tick',
      scheduledTime: run.scheduledTime,
      executionId: run.executionId,
    });
    const unknown = await send(runtime.url, 'POST', '/__local/schedules/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('application/problem+json');
    expect((await send(runtime.url, 'GET', '/__local/health')).status).toBe(200);
  });
});

describe('local runtime: loading handlers from manifest entries', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'eventline-runtime-'));
    writeFileSync(
      path.join(dir, 'hello.js'),
      "exports.handler = async (event) => ({ statusCode: 200, body: 'hello ' + event.pathParameters.who });\n",
    );
    writeFileSync(path.join(dir, 'nohandler.js'), 'exports.notTheHandler = () => 1;\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('requires the entry file and calls its handler export', async () => {
    const runtime = await startLocalRuntime({
      manifest: {
        metricNamespace: 'Eventline',
        migrations: [],
        searchIndexes: [],
        topics: [],
        functions: [fn('hello', { entry: path.join(dir, 'hello.js'), routes: [{ method: 'GET', path: '/hello/{who}' }] })],
      },
      port: 0,
      subscriber: noSubscriber,
      logger: new RecordingRuntimeLogger(),
    });
    try {
      const response = await send(runtime.url, 'GET', '/hello/world');
      expect(response.body.toString()).toBe('hello world');
    } finally {
      await runtime.stop();
    }
  });

  it('refuses to start when an entry has no handler export', async () => {
    await expect(
      startLocalRuntime({
        manifest: {
          metricNamespace: 'Eventline',
          migrations: [],
          searchIndexes: [],
          topics: [],
          functions: [fn('broken', { entry: path.join(dir, 'nohandler.js') })],
        },
        port: 0,
        subscriber: noSubscriber,
        logger: new RecordingRuntimeLogger(),
      }),
    ).rejects.toThrow(/cannot load handler of broken .*does not export a function named handler/);
  });
});
