import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Handler } from 'aws-lambda';
import type { TopicSubscriber } from '../../lambdas/platform/bus/event-bus';
import type { FunctionSpec, Manifest } from '../../lambdas/platform/manifest-types';
import {
  InMemoryDeadLetterSink,
  type LocalRuntime,
  RecordingRuntimeLogger,
  startLocalRuntime,
} from '../../scripts/local-runtime';
import { buildHttpApiEvent, type IncomingHttpRequest } from '../../scripts/local-runtime/apigw-event';
import {
  buildAuthorizerEvent,
  identitySourceValue,
  LocalAuthorizers,
  parseIdentitySource,
} from '../../scripts/local-runtime/lambda-authorizer';
import sample from '../fixtures/apigw-authorizer-v2-sample-event.json';
import { testFunction } from '../support/function-spec';

/** The structure of a JSON value: key names and value types, with string maps collapsed. */
type Shape = string | Shape[] | { [key: string]: Shape };
const STRING_MAPS = new Set(['headers', 'queryStringParameters', 'pathParameters', 'stageVariables']);

function shapeOf(value: unknown, key = ''): Shape {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (value !== null && typeof value === 'object') {
    if (STRING_MAPS.has(key)) return Object.values(value).every((v) => typeof v === 'string') ? 'map<string,string>' : 'map<?>';
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v, k)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

function request(overrides: Partial<IncomingHttpRequest> = {}): IncomingHttpRequest {
  return {
    method: 'POST',
    rawPathEncoded: '/v1/apps/game-1/events',
    rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
    rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'agent', 'X-Api-Key', 'secret-1', 'Cookie', 'cookie1=a; cookie2=b'],
    httpVersion: '1.1',
    sourceIp: '192.0.2.1',
    body: Buffer.from('{"events":[]}'),
    receivedAt: new Date(Date.UTC(2020, 2, 12, 19, 3, 58, 390)),
    ...overrides,
  };
}

const routeEvent = (overrides: Partial<IncomingHttpRequest> = {}) =>
  buildHttpApiEvent(
    request({ rawHeaders: [...request().rawHeaders, 'Content-Type', 'application/json'], ...overrides }),
    { routeKey: 'POST /v1/apps/{appId}/events', pathParameters: { appId: 'game-1' } },
    'JKJaXmPLvHcESHA=',
  );

describe('API Gateway HTTP API Lambda authorizer event (payload 2.0)', () => {
  it('has the structure (keys and value types) of the documented sample event', () => {
    const event = buildAuthorizerEvent(routeEvent(), ['secret-1', 'game-1']);
    const expected = shapeOf(sample) as Record<string, Shape>;
    // Present in the sample only with mutual TLS or stage variables, neither of which Eventline uses.
    delete (expected.requestContext as Record<string, Shape>).authentication;
    delete expected.stageVariables;
    expect(shapeOf(event)).toEqual(expected);
  });

  it('carries the route request without its body, the route ARN and the identity values', () => {
    const route = routeEvent();
    const event = buildAuthorizerEvent(route, ['secret-1', 'game-1']);
    expect(event).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:local:000000000000:local/$default/POST/v1/apps/game-1/events',
      identitySource: ['secret-1', 'game-1'],
      routeKey: 'POST /v1/apps/{appId}/events',
      rawPath: '/v1/apps/game-1/events',
      rawQueryString: route.rawQueryString,
      cookies: ['cookie1=a', 'cookie2=b'],
      queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
      pathParameters: { appId: 'game-1' },
      requestContext: route.requestContext,
    });
    expect(event.headers).toEqual(route.headers);
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('isBase64Encoded');
  });

  it('reads identity sources from headers (any case), query strings, context variables and stage variables', () => {
    const event = routeEvent();
    const value = (expression: string, e: APIGatewayProxyEventV2 = event) =>
      identitySourceValue(parseIdentitySource(expression), e);
    expect(value('$request.header.X-API-KEY')).toBe('secret-1');
    expect(value('$request.querystring.parameter2')).toBe('value');
    expect(value('$request.querystring.PARAMETER2')).toBeUndefined();
    expect(value('$context.routeKey')).toBe('POST /v1/apps/{appId}/events');
    expect(value('$context.path')).toBe('/v1/apps/game-1/events');
    expect(value('$context.identity.sourceIp')).toBe('192.0.2.1');
    expect(value('$stageVariables.missing')).toBeUndefined();
    expect(value('$request.path.appId')).toBe('game-1');
    expect(value('$request.header.x-api-key', { ...event, headers: { 'x-api-key': '' } })).toBeUndefined();
    expect(() => parseIdentitySource('request.header.x-api-key')).toThrow(/is not one of/);
    expect(() => parseIdentitySource('$request.body.key')).toThrow(/is not one of/);
    expect(() => parseIdentitySource('$context.noSuchVariable')).toThrow(/no context variable/);
  });
});

describe('LocalAuthorizers: caching by identity-source values for the TTL', () => {
  const calls: APIGatewayRequestAuthorizerEventV2[] = [];
  const allowKeyA: Handler = async (event: APIGatewayRequestAuthorizerEventV2) => {
    calls.push(event);
    return { isAuthorized: event.headers?.['x-api-key'] === 'key-a', context: { who: event.headers?.['x-api-key'] } };
  };
  const authorizerFn = testFunction('auth', {
    authorizer: { identitySource: ['$request.header.x-api-key'], resultTtlSeconds: 60 },
  });
  let now = 1_000_000;
  const authorizers = new LocalAuthorizers({
    functions: [authorizerFn],
    handlers: new Map([['auth', allowKeyA]]),
    logger: new RecordingRuntimeLogger(),
    now: () => now,
  });
  const withKey = (key: string) => ({ ...routeEvent(), headers: { ...routeEvent().headers, 'x-api-key': key } });

  it('invokes once per identity within the TTL, allows and denies from the cache, and asks again after it', async () => {
    expect(await authorizers.authorize('auth', withKey('key-a'))).toMatchObject({
      kind: 'allowed',
      context: { who: 'key-a' },
      cached: false,
    });
    expect(await authorizers.authorize('auth', withKey('key-a'))).toMatchObject({
      kind: 'allowed',
      context: { who: 'key-a' },
      cached: true,
    });
    const denied = await authorizers.authorize('auth', withKey('key-b'));
    expect(denied).toMatchObject({ kind: 'rejected', cached: false });
    expect(await authorizers.authorize('auth', withKey('key-b'))).toMatchObject({ kind: 'rejected', cached: true });
    expect(calls).toHaveLength(2);

    now += 59_999;
    await authorizers.authorize('auth', withKey('key-a'));
    expect(calls).toHaveLength(2);
    now += 1;
    expect(await authorizers.authorize('auth', withKey('key-a'))).toMatchObject({ kind: 'allowed', cached: false });
    expect(calls).toHaveLength(3);
  });

  it('refuses configurations API Gateway refuses', () => {
    const build = (spec: FunctionSpec) =>
      new LocalAuthorizers({
        functions: [spec],
        handlers: new Map([[spec.name, allowKeyA]]),
        logger: new RecordingRuntimeLogger(),
      });
    expect(() => build(testFunction('a', { authorizer: { identitySource: [], resultTtlSeconds: 300 } }))).toThrow(
      /at least one identity source/,
    );
    expect(() =>
      build(testFunction('a', { authorizer: { identitySource: ['$request.header.k'], resultTtlSeconds: 3601 } })),
    ).toThrow(/0 to 3600/);
    expect(() => build(testFunction('a', { authorizer: { identitySource: ['$body.k'], resultTtlSeconds: 0 } }))).toThrow(
      /is not one of/,
    );
  });

  it('warns at start about a path parameter as identity source, which HTTP APIs do not accept', () => {
    const logger = new RecordingRuntimeLogger();
    const spec = testFunction('a', {
      authorizer: { identitySource: ['$request.header.k', '$request.path.appId'], resultTtlSeconds: 0 },
    });
    new LocalAuthorizers({ functions: [spec], handlers: new Map([['a', allowKeyA]]), logger });
    expect(logger.lines).toEqual([{ level: 'warn', line: expect.stringContaining('$request.path.appId is evaluated locally') }]);
  });
});

describe('local runtime: routes behind a Lambda authorizer', () => {
  const noSubscriber: TopicSubscriber = {
    subscribe: async () => {
      throw new Error('no subscriptions');
    },
  };
  const authorizerEvents: APIGatewayRequestAuthorizerEventV2[] = [];
  const routeEvents: APIGatewayProxyEventV2[] = [];
  let answer: (event: APIGatewayRequestAuthorizerEventV2) => unknown = () => ({ isAuthorized: false });

  const handlers: Record<string, Handler> = {
    'key-check': async (event: APIGatewayRequestAuthorizerEventV2) => {
      authorizerEvents.push(event);
      return answer(event);
    },
    protected: async (event: APIGatewayProxyEventV2) => {
      routeEvents.push(event);
      return { statusCode: 200, body: 'ok' };
    },
    open: async () => ({ statusCode: 200, body: 'open' }),
  };
  const manifest: Manifest = {
    metricNamespace: 'Eventline',
    migrations: [],
    searchIndexes: [],
    topics: [],
    functions: [
      testFunction('key-check', {
        authorizer: { identitySource: ['$request.header.x-api-key', '$context.path'], resultTtlSeconds: 300 },
      }),
      testFunction('protected', {
        routes: [
          { method: 'POST', path: '/v1/apps/{appId}/events', authorizer: 'key-check' },
          { method: 'GET', path: '/v1/apps/{appId}/analytics', authorizer: 'key-check' },
        ],
      }),
      testFunction('open', { routes: [{ method: 'GET', path: '/open' }] }),
    ],
  };
  const logger = new RecordingRuntimeLogger();
  let runtime: LocalRuntime;
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      manifest,
      port: 0,
      subscriber: noSubscriber,
      loadHandler: async (spec) => handlers[spec.name],
      deadLetters: new InMemoryDeadLetterSink(),
      logger,
      enableSchedules: false,
    });
  });
  afterAll(async () => runtime.stop());
  beforeEach(() => {
    authorizerEvents.length = 0;
    routeEvents.length = 0;
  });

  const post = (path: string, key?: string) =>
    fetch(`${runtime.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: '{"events":[]}',
    });

  it('answers 401 without invoking anything when an identity source is missing', async () => {
    const res = await post('/v1/apps/g1/events');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
    expect(authorizerEvents).toHaveLength(0);
    expect(routeEvents).toHaveLength(0);
  });

  it('answers 403 when the authorizer says no, and never calls the route', async () => {
    answer = () => ({ isAuthorized: false });
    const res = await post('/v1/apps/g1/events', 'bad-key');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Forbidden' });
    expect(authorizerEvents).toHaveLength(1);
    expect(authorizerEvents[0]).toMatchObject({
      type: 'REQUEST',
      identitySource: ['bad-key', '/v1/apps/g1/events'],
      routeKey: 'POST /v1/apps/{appId}/events',
      pathParameters: { appId: 'g1' },
    });
    expect(routeEvents).toHaveLength(0);
  });

  it('passes the context to the route in requestContext.authorizer.lambda and caches the answer per identity', async () => {
    answer = (event) => ({ isAuthorized: true, context: { appId: event.pathParameters?.appId, level: 3 } });
    for (let i = 0; i < 3; i++) expect((await post('/v1/apps/g2/events', 'good-key')).status).toBe(200);
    expect(authorizerEvents).toHaveLength(1);
    expect(routeEvents).toHaveLength(3);
    expect(routeEvents[2].requestContext).toMatchObject({ authorizer: { lambda: { appId: 'g2', level: 3 } } });
    expect(routeEvents[2].body).toBe('{"events":[]}');

    // Another path is another identity ($context.path is one of the sources).
    expect((await post('/v1/apps/g3/events', 'good-key')).status).toBe(200);
    expect(authorizerEvents).toHaveLength(2);
  });

  it('answers 500 when the authorizer fails or answers something that is not a simple response, and caches neither', async () => {
    answer = () => {
      throw new Error('database down');
    };
    expect((await post('/v1/apps/g4/events', 'k')).status).toBe(500);
    answer = () => ({ allow: 'yes' });
    const res = await post('/v1/apps/g4/events', 'k');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    expect(authorizerEvents).toHaveLength(2);
    expect(routeEvents).toHaveLength(0);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.line)).toEqual([
      expect.stringContaining('database down'),
      expect.stringContaining('did not return a simple response'),
    ]);
  });

  it('leaves routes without an authorizer alone', async () => {
    const res = await fetch(`${runtime.url}/open`);
    expect(res.status).toBe(200);
    expect(authorizerEvents).toHaveLength(0);
  });
});
