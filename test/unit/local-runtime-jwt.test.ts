/**
 * The local runtime's JWT authorizer, as API Gateway's native one for user-pool routes: only an
 * RS256 token of the pool (issuer, app client, unexpired, signed by a key of its JWKS) reaches
 * the function, which finds the claims where API Gateway puts them — every value a string, arrays
 * as `[a b]` — and the HTTP layer's access rules ("admin only", "owner or admin") on top.
 */
import { createSign, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import type { TopicSubscriber } from '../../lambdas/platform/bus/event-bus';
import { httpRoute, json } from '../../lambdas/platform/http/http-route';
import { type Manifest, type RouteContract, USER_POOL_AUTHORIZER } from '../../lambdas/platform/manifest-types';
import {
  InMemoryDeadLetterSink,
  type LocalRuntime,
  RecordingRuntimeLogger,
  startLocalRuntime,
} from '../../scripts/local-runtime';
import sample from '../fixtures/apigw-v2-sample-event.json';
import { testFunction } from '../support/function-spec';

const ISSUER = 'https://cognito-idp.local/pool-1';
const CLIENT = 'client-1';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(keys.publicKey.export({ format: 'jwk' }) as JsonWebKey), kid: 'k1', alg: 'RS256', use: 'sig' };

function token(claims: Record<string, unknown>, options: { key?: typeof keys.privateKey; kid?: string; alg?: string } = {}) {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = encode({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1' });
  const body = encode(claims);
  const signature = createSign('RSA-SHA256')
    .update(`${head}.${body}`)
    .sign(options.key ?? keys.privateKey, 'base64url');
  return `${head}.${body}.${signature}`;
}

const now = () => Math.floor(Date.now() / 1000);
const claimsOf = (overrides: Record<string, unknown> = {}) => ({
  sub: 'sub-ann',
  iss: ISSUER,
  client_id: CLIENT,
  token_use: 'access',
  username: 'ann',
  scope: 'aws.cognito.signin.user.admin',
  exp: now() + 600,
  iat: now(),
  ...overrides,
});

const base = { operation: 'x', summary: 'x', responses: { 200: { description: 'ok' } } };
const routes: Record<string, RouteContract<undefined, undefined, { username?: string }>> = {
  me: { ...base, method: 'GET', path: '/me', operation: 'me', authorizer: USER_POOL_AUTHORIZER },
  admin: {
    ...base,
    method: 'POST',
    path: '/admin',
    operation: 'admin',
    authorizer: USER_POOL_AUTHORIZER,
    access: { kind: 'group', group: 'admin', denied: 'admins only' },
  },
  owner: {
    ...base,
    method: 'GET',
    path: '/people/{username}',
    operation: 'owner',
    authorizer: USER_POOL_AUTHORIZER,
    pathParameters: z.strictObject({ username: z.string() }),
    access: { kind: 'ownerOrGroup', pathParameter: 'username', group: 'admin', denied: 'that account or an admin only' },
  },
};

const handlers = Object.fromEntries(
  Object.entries(routes).map(([name, route]) => [
    name,
    httpRoute(route, async ({ event, principal }) =>
      json(200, { jwt: (event.requestContext as { authorizer?: unknown }).authorizer, principal }),
    ),
  ]),
);

const manifest: Manifest = {
  metricNamespace: 'Eventline',
  migrations: [],
  searchIndexes: [],
  topics: [],
  functions: Object.entries(routes).map(([name, route]) => testFunction(`tracking-${name}`, { routes: [route] })),
};

const noSubscriber: TopicSubscriber = {
  subscribe: () => Promise.reject(new Error('no consumers here')),
};

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startLocalRuntime({
    manifest,
    port: 0,
    subscriber: noSubscriber,
    loadHandler: async (fn) => handlers[fn.name.replace('tracking-', '')] as never,
    deadLetters: new InMemoryDeadLetterSink(),
    logger: new RecordingRuntimeLogger(),
    enableSchedules: false,
    enableConsumers: false,
    userPool: async () => ({ issuer: ISSUER, audience: [CLIENT], jwks: async () => ({ keys: [jwk] }) }),
  });
});
afterAll(() => runtime?.stop());

const get = (path: string, authorization?: string, method = 'GET') =>
  fetch(`${runtime.url}${path}`, { method, headers: authorization ? { authorization } : {} });

describe('local JWT authorizer (user-pool routes)', () => {
  it('lets a valid access token through, with the claims where API Gateway puts them, every value a string', async () => {
    const res = await get('/me', `Bearer ${token(claimsOf({ 'cognito:groups': ['admin', 'editors'] }))}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      jwt: { jwt: { claims: Record<string, unknown>; scopes: string[] } };
      principal: unknown;
    };
    const { claims, scopes } = body.jwt.jwt;
    expect(claims['cognito:groups']).toBe('[admin editors]');
    expect(claims.exp).toMatch(/^\d+$/);
    expect(Object.values(claims).every((value) => typeof value === 'string')).toBe(true);
    expect(scopes).toEqual(['aws.cognito.signin.user.admin']);
    expect(body.principal).toEqual({ username: 'ann', sub: 'sub-ann', groups: ['admin', 'editors'] });
    // The same shape as AWS's sample event: authorizer.jwt.{claims: map of strings, scopes: list}.
    expect(Object.keys(body.jwt)).toEqual(Object.keys(sample.requestContext.authorizer));
    expect(Object.keys(body.jwt.jwt).sort()).toEqual(Object.keys(sample.requestContext.authorizer.jwt).sort());
  });

  it('accepts the token without the Bearer prefix, as API Gateway does', async () => {
    expect((await get('/me', token(claimsOf()))).status).toBe(200);
  });

  it.each([
    ['no token', undefined],
    ['not a JWT', 'Bearer nonsense'],
    ['a forged signature', `Bearer ${token(claimsOf(), { key: other.privateKey })}`],
    ['an unknown key id', `Bearer ${token(claimsOf(), { kid: 'k9' })}`],
    ['another algorithm', `Bearer ${token(claimsOf(), { alg: 'HS256' })}`],
    ['an expired token', `Bearer ${token(claimsOf({ exp: now() - 60 }))}`],
    ['a token not valid yet', `Bearer ${token(claimsOf({ nbf: now() + 600 }))}`],
    ['another issuer', `Bearer ${token(claimsOf({ iss: 'https://evil.example/pool' }))}`],
    ['another app client', `Bearer ${token(claimsOf({ client_id: 'client-2' }))}`],
  ])('answers 401 {"message":"Unauthorized"} for %s, without running the function', async (_label, authorization) => {
    const res = await get('/me', authorization);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
  });

  it('checks "admin only" on the route: 403 problem for a user without the group', async () => {
    const user = await get('/admin', `Bearer ${token(claimsOf())}`, 'POST');
    expect(user.status).toBe(403);
    expect(user.headers.get('content-type')).toBe('application/problem+json');
    expect(((await user.json()) as { detail: string }).detail).toBe('admins only');
    expect((await get('/admin', `Bearer ${token(claimsOf({ 'cognito:groups': ['admin'] }))}`, 'POST')).status).toBe(200);
  });

  it('checks "owner or admin" on the route', async () => {
    expect((await get('/people/ann', `Bearer ${token(claimsOf())}`)).status).toBe(200);
    expect((await get('/people/bob', `Bearer ${token(claimsOf())}`)).status).toBe(403);
    expect((await get('/people/bob', `Bearer ${token(claimsOf({ 'cognito:groups': ['admin'] }))}`)).status).toBe(200);
  });

  it('refuses to start when user-pool routes have no user pool to check tokens against', async () => {
    await expect(
      startLocalRuntime({
        manifest,
        port: 0,
        subscriber: noSubscriber,
        loadHandler: async (fn) => handlers[fn.name.replace('tracking-', '')] as never,
        deadLetters: new InMemoryDeadLetterSink(),
        logger: new RecordingRuntimeLogger(),
        enableSchedules: false,
        enableConsumers: false,
      }),
    ).rejects.toThrow(/userPool/);
  });
});
