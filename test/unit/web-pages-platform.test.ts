/**
 * The platform pieces of the web pages: the escaping template, local-only redirects, cookies,
 * urlencoded forms, the cross-site check, and sessions in cookies (verified as the JWT authorizer
 * verifies, refreshed when the access token has expired, ended when the refresh token is refused,
 * signed out by revoking the refresh token — and signed out all the same when the pool cannot).
 */

import { RateLimited, Unauthenticated, Unavailable } from '../../lambdas/platform/errors';
import { clearedCookie, readCookies, serializeCookie } from '../../lambdas/platform/http/cookies';
import { parseFormBody, singleFormValues } from '../../lambdas/platform/http/form';
import { escapeHtml, html, isLocalPath, raw, redirect } from '../../lambdas/platform/http/html';
import { HttpProblem } from '../../lambdas/platform/http/problem';
import {
  formTokenMatches,
  formTokenOf,
  fromAnotherSite,
  preSessionToken,
  preSessionTokenMatches,
  SESSION_COOKIES,
  WebSessions,
} from '../../lambdas/platform/http/web-session';
import { EmbeddedIdentity } from '../../lambdas/platform/identity/embedded-identity';
import type { IdentityProvider } from '../../lambdas/platform/identity/identity';
import { logger } from '../../lambdas/platform/observability';

describe('html', () => {
  it('escapes every interpolation, passes fragments and raw() through, renders nothing for absent values', () => {
    const name = '<script>alert("x")</script> & \'quotes\'';
    const fragment = html`<b>${name}</b>`;
    expect(fragment.text).toBe('<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</b>');
    expect(html`<p>${fragment}${raw('<br>')}${undefined}${null}${false}${[1, '<', html`<i></i>`]}</p>`.text).toBe(
      `<p>${fragment.text}<br>1&lt;<i></i></p>`,
    );
    expect(html`<a title="${'" onmouseover="x'}">`.text).toBe('<a title="&quot; onmouseover=&quot;x">');
    expect(escapeHtml('plain')).toBe('plain');
  });

  it('redirects only to paths of this site', () => {
    for (const ok of ['/people', '/people/ann/edit?x=1', '/']) expect(isLocalPath(ok)).toBe(true);
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'people', '/a b', '/\tx', ''])
      expect(isLocalPath(bad)).toBe(false);
    expect(() => redirect('//evil.example')).toThrow();
    expect(redirect('/people').headers.location).toBe('/people');
  });
});

describe('cookies', () => {
  it('are always Secure, Path=/, SameSite=Lax and by default HttpOnly; cleared with Max-Age=0', () => {
    expect(serializeCookie('__Host-a', 'v.1-_', { maxAgeSeconds: 60 })).toBe(
      '__Host-a=v.1-_; Path=/; Secure; SameSite=Lax; HttpOnly; Max-Age=60',
    );
    expect(clearedCookie('__Host-a')).toBe('__Host-a=; Path=/; Secure; SameSite=Lax; HttpOnly; Max-Age=0');
    expect(() => serializeCookie('a b', 'x')).toThrow();
    expect(() => serializeCookie('a', 'x;y')).toThrow();
  });

  it('are read from payload 2.0 `cookies`, the first of a repeated name winning', () => {
    const cookies = readCookies({ cookies: ['a=1', 'b=x=y', 'a=2', 'junk'], headers: {} });
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
    ]);
  });
});

describe('forms', () => {
  const event = (contentType?: string) => ({ headers: contentType ? { 'content-type': contentType } : {} });

  it('reads urlencoded bodies as the query parser does (+ is a space, UTF-8 escapes)', () => {
    const fields = parseFormBody(event('application/x-www-form-urlencoded; charset=UTF-8'), 'a=x+y%C5%BC&b=&c=1&c=2');
    expect(fields.a).toEqual(['x yż']);
    expect(() => singleFormValues(fields)).toThrow(HttpProblem);
    expect(singleFormValues(parseFormBody(event('application/x-www-form-urlencoded'), 'a=1&b='))).toEqual(
      Object.assign(Object.create(null), { a: '1', b: '' }),
    );
  });

  it('refuses other media types (415), bad escapes and NUL (400)', () => {
    const status = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as HttpProblem).status;
      }
      return 200;
    };
    expect(status(() => parseFormBody(event('application/json'), '{}'))).toBe(415);
    expect(status(() => parseFormBody(event(), 'a=1'))).toBe(415);
    expect(status(() => parseFormBody(event('application/x-www-form-urlencoded'), 'a=%ZZ'))).toBe(400);
    expect(status(() => parseFormBody(event('application/x-www-form-urlencoded'), 'a=%00'))).toBe(400);
  });
});

describe('cross-site requests', () => {
  it('are told by Sec-Fetch-Site, else by Origin against Host', () => {
    expect(fromAnotherSite({ headers: { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' } })).toBe(false);
    expect(fromAnotherSite({ headers: { 'sec-fetch-site': 'cross-site' } })).toBe(true);
    expect(fromAnotherSite({ headers: { 'sec-fetch-site': 'same-site' } })).toBe(true);
    expect(fromAnotherSite({ headers: { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' } })).toBe(false);
    expect(fromAnotherSite({ headers: { origin: 'https://evil.example', host: '127.0.0.1:3000' } })).toBe(true);
    expect(fromAnotherSite({ headers: { origin: 'null', host: '127.0.0.1:3000' } })).toBe(true);
    expect(fromAnotherSite({ headers: {} })).toBe(false);
  });
});

describe('web sessions', () => {
  const identity = new EmbeddedIdentity();
  let tokens: Awaited<ReturnType<EmbeddedIdentity['signIn']>>;
  beforeAll(async () => {
    await identity.signUp({ username: 'ann', email: 'ann@example.com', password: 'Correct-Horse-9' });
    tokens = await identity.signIn('ann', 'Correct-Horse-9');
  });
  const withCookies = (cookies: Record<string, string>) => ({
    cookies: Object.entries(cookies).map(([name, value]) => `${name}=${value}`),
    headers: {},
  });

  it('starts with both tokens in cookies and reads the principal from a valid access token', async () => {
    const sessions = new WebSessions(async () => identity);
    const started = sessions.started(tokens);
    expect(started[0]).toMatch(/^__Host-eventline-access=.+; Max-Age=3540$/);
    expect(started[1]).toContain(`${SESSION_COOKIES.refresh}=${tokens.refreshToken}`);
    const read = await sessions.read(
      withCookies({ [SESSION_COOKIES.access]: tokens.accessToken, [SESSION_COOKIES.refresh]: tokens.refreshToken }),
    );
    expect(read.session?.principal.username).toBe('ann');
    expect(read.cookies).toEqual([]);
    expect(formTokenMatches(read.session!, formTokenOf(tokens.refreshToken))).toBe(true);
    expect(formTokenMatches(read.session!, `${formTokenOf(tokens.refreshToken)}x`)).toBe(false);
    expect(formTokenMatches(read.session!, undefined)).toBe(false);
  });

  it('refreshes an expired or forged access token with the refresh token, and sets the new one', async () => {
    // A pool whose clock we move: its first token is issued two hours ago, so it has expired.
    let offsetMs = -2 * 3600 * 1000;
    const pool = new EmbeddedIdentity({ clock: { now: () => new Date(Date.now() + offsetMs) } });
    await pool.signUp({ username: 'bo', email: 'bo@example.com', password: 'Correct-Horse-9' });
    const old = await pool.signIn('bo', 'Correct-Horse-9');
    offsetMs = 0;
    const sessions = new WebSessions(async () => pool);
    const [head, , signature] = old.accessToken.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ username: 'admin', sub: 'x', 'cognito:groups': ['admin'] })).toString('base64url')}.${signature}`;
    for (const access of [old.accessToken, forged]) {
      const read = await sessions.read(
        withCookies({ [SESSION_COOKIES.access]: access, [SESSION_COOKIES.refresh]: old.refreshToken }),
      );
      expect(read.session?.principal).toMatchObject({ username: 'bo', groups: [] });
      expect(read.cookies).toHaveLength(1);
      expect(read.cookies[0]).toMatch(/^__Host-eventline-access=.+; Max-Age=3540$/);
    }
  });

  it('ends the session when the refresh token is refused, and is none without a refresh token', async () => {
    const sessions = new WebSessions(async () => identity);
    const refused = await sessions.read(withCookies({ [SESSION_COOKIES.refresh]: 'not-a-token' }));
    expect(refused.session).toBeUndefined();
    expect(refused.cookies).toEqual(sessions.ended());
    const none = await sessions.read(withCookies({ [SESSION_COOKIES.access]: tokens.accessToken }));
    expect(none.session).toBeUndefined();
    expect(none.cookies).toEqual([clearedCookie(SESSION_COOKIES.access)]);
  });

  it("signs out by revoking the session's refresh token, then deleting the cookies; twice is fine", async () => {
    const sessions = new WebSessions(async () => identity);
    const mine = await identity.signIn('ann', 'Correct-Horse-9');
    const cookies = withCookies({ [SESSION_COOKIES.access]: mine.accessToken, [SESSION_COOKIES.refresh]: mine.refreshToken });
    const formToken = formTokenOf(mine.refreshToken);
    expect(await sessions.signedOut(cookies, formToken)).toEqual(sessions.ended());
    await expect(identity.refresh(mine.refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
    expect((await sessions.read(cookies)).session?.principal.username).toBe('ann'); // its access token lives its hour
    expect(await sessions.signedOut(cookies, formToken)).toEqual(sessions.ended());
    // Another session of the same user is not signed out.
    await expect(identity.refresh(tokens.refreshToken)).resolves.toHaveProperty('accessToken');
  });

  describe('signing out with a recording pool', () => {
    const refreshToken = 'the-refresh-token-never-logged';
    const cookies = withCookies({ [SESSION_COOKIES.refresh]: refreshToken });
    const formToken = formTokenOf(refreshToken);
    const revoked: string[] = [];
    let failure: Error | undefined;
    const recording = {
      revoke: async (token: string) => {
        revoked.push(token);
        if (failure) throw failure;
      },
    } as Partial<IdentityProvider> as IdentityProvider;
    const sessions = new WebSessions(async () => recording);
    beforeEach(() => {
      revoked.length = 0;
      failure = undefined;
    });
    afterEach(() => jest.restoreAllMocks());

    it("revokes nothing and deletes nothing without the session's form token; without a refresh cookie there is nothing to revoke", async () => {
      expect(await sessions.signedOut(cookies, undefined)).toBeUndefined();
      expect(await sessions.signedOut(cookies, `${formToken}x`)).toBeUndefined();
      expect(await sessions.signedOut(cookies, formTokenOf('another-refresh-token'))).toBeUndefined();
      expect(await sessions.signedOut(withCookies({}), undefined)).toEqual(sessions.ended());
      expect(revoked).toEqual([]);
    });

    it.each([
      ['unavailable', new Unavailable('the user pool is unreachable, retry shortly')],
      ['throttled', new RateLimited('too many requests, retry shortly')],
    ])('still deletes the cookies when the pool is %s, and logs a warning without the token', async (_, error) => {
      failure = error;
      const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
      expect(await sessions.signedOut(cookies, formToken)).toEqual(sessions.ended());
      expect(revoked).toEqual([refreshToken]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(JSON.stringify(warn.mock.calls)).not.toContain(refreshToken);
    });

    it('throws anything else (a configuration error is a logged 500)', async () => {
      failure = new Error('Token revocation is not enabled for this client');
      await expect(sessions.signedOut(cookies, formToken)).rejects.toBe(failure);
    });
  });

  it('gives forms before sign-in a double-submit token', () => {
    const fresh = preSessionToken({ headers: {} });
    expect(fresh.cookies[0]).toContain(`${SESSION_COOKIES.preSession}=${fresh.token}`);
    const again = preSessionToken(withCookies({ [SESSION_COOKIES.preSession]: fresh.token }));
    expect(again).toEqual({ token: fresh.token, cookies: [] });
    expect(preSessionTokenMatches(withCookies({ [SESSION_COOKIES.preSession]: fresh.token }), fresh.token)).toBe(true);
    expect(preSessionTokenMatches(withCookies({ [SESSION_COOKIES.preSession]: fresh.token }), 'other')).toBe(false);
    expect(preSessionTokenMatches({ headers: {} }, fresh.token)).toBe(false);
  });
});
