/**
 * The accounts sessions handler on the embedded backend (the in-process pool, the embedded cache
 * for the sign-in limiter), called as Lambda calls it: sign in, refresh, and sign-out for API
 * clients (`POST /v1/sessions/revoke`): 204 whether or not the token was live, the token refused
 * by refresh from then on, 400 problems for a bad body, 503 while the pool is unavailable.
 */
import { handler } from '../../lambdas/accounts/handlers/sessions';
import { refreshRoute, revokeRoute, signInRoute } from '../../lambdas/accounts/routes';
import { Unavailable } from '../../lambdas/platform/errors';
import { logger } from '../../lambdas/platform/observability';
import { platform } from '../../lambdas/platform/wiring';
import { type HandlerAnswer, httpEvent, invokeHttp } from '../support/apigw';

afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

function post(route: { path: string }, body: unknown): Promise<HandlerAnswer> {
  const event = httpEvent({ method: 'POST', path: route.path, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return invokeHttp(handler, event);
}

const PASSWORD = 'Correct-Horse-9';

async function signedIn(username: string): Promise<{ accessToken: string; refreshToken: string }> {
  const identity = await platform.identity();
  if (!(await identity.getUser(username)))
    await identity.signUp({ username, email: `${username}@example.com`, password: PASSWORD });
  const res = await post(signInRoute, { username, password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body;
}

describe('POST /v1/sessions/revoke', () => {
  it('answers 204 and the refresh token is refused from then on (401); the other session keeps working', async () => {
    const revoked = await signedIn('ann');
    const kept = await signedIn('ann');
    expect((await post(refreshRoute, { refreshToken: revoked.refreshToken })).status).toBe(200);

    const res = await post(revokeRoute, { refreshToken: revoked.refreshToken });
    expect(res).toMatchObject({ status: 204, body: undefined });

    const refused = await post(refreshRoute, { refreshToken: revoked.refreshToken });
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(JSON.stringify(refused.body)).not.toContain(revoked.refreshToken);
    expect((await post(refreshRoute, { refreshToken: kept.refreshToken })).status).toBe(200);
  });

  it('is idempotent: revoking twice, or a token that was never issued, answers 204', async () => {
    const { refreshToken } = await signedIn('bo');
    expect((await post(revokeRoute, { refreshToken })).status).toBe(204);
    expect((await post(revokeRoute, { refreshToken })).status).toBe(204);
    expect((await post(revokeRoute, { refreshToken: 'never-issued' })).status).toBe(204);
  });

  it.each([
    ['no refreshToken', {}],
    ['an empty one', { refreshToken: '' }],
    ['one that is not a string', { refreshToken: 42 }],
    ['another field', { refreshToken: 'x', accessToken: 'y' }],
    ['a body that is not JSON', '{"refreshToken":'],
  ])('refuses a body with %s: 400 problem+json', async (_, body) => {
    const res = await post(revokeRoute, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
  });

  it('answers 503 with Retry-After while the user pool is unavailable', async () => {
    const identity = await platform.identity();
    jest.spyOn(identity, 'revoke').mockRejectedValue(new Unavailable('the user pool is unreachable, retry shortly'));
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const res = await post(revokeRoute, { refreshToken: 'some-refresh-token' });
    expect(logged).toHaveBeenCalled();
    expect(JSON.stringify(logged.mock.calls)).not.toContain('some-refresh-token');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
    expect(JSON.stringify(res.body)).not.toContain('some-refresh-token');
  });
});
