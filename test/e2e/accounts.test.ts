/**
 * Accounts end to end through `npm start`, in both backends (embedded: the in-process pool;
 * services: cognito-local, MariaDB, Kafka, Redis, the SES emulator): sign up → a welcome mail in
 * the outbox; sign in, refresh, sign out (revoke), the account, its addresses; the same 401 for a wrong password and
 * an unknown user, 429 after repeated failures; forged and expired tokens refused by the JWT
 * authorizer; deleting the account.
 */
import { randomBytes } from 'node:crypto';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';
import { apiClient } from '../support/api-client';
import { servicesRun } from '../support/services-run';

function describeAccounts(backend: string, setup: () => { env: Record<string, string>; cleanup: () => Promise<void> }) {
  describe(`accounts end to end (${backend})`, () => {
    const { env, cleanup } = setup();
    let runtime: RunningRuntime;
    beforeAll(async () => {
      runtime = await startRuntimeProcess(env);
    }, 120_000);
    afterAll(async () => {
      await runtime?.stop();
      await cleanup();
    }, 60_000);

    const call = apiClient(() => runtime.url);

    const run = randomBytes(3).toString('hex');
    const username = `ann-${run}`;
    const email = `ann-${run}@example.com`;
    const password = 'Correct-Horse-9';
    let tokens: { accessToken: string; refreshToken: string };

    it('signs up (201) and sends one welcome mail', async () => {
      const res = await call('POST', '/v1/accounts', { username, email: email.toUpperCase(), password });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ username, email, groups: [], secondaryEmails: [] });
      const mails = await eventually(
        async () => {
          const outbox = (await (await fetch(`${runtime.url}/__local/outbox`)).json()) as { to: string[]; subject: string }[];
          const mine = outbox.filter((m) => m.to.includes(email));
          return mine.length > 0 ? mine : undefined;
        },
        30_000,
        200,
        () => runtime.output(),
      );
      expect(mails).toHaveLength(1);
      expect(mails[0]?.subject).toContain(username);
    }, 60_000);

    it('answers a resent sign-up (same credentials) 201 again, another password 409, a weak password 400', async () => {
      expect((await call('POST', '/v1/accounts', { username, email, password })).status).toBe(201);
      const taken = await call('POST', '/v1/accounts', { username, email, password: 'Other-Pass-2' });
      expect(taken.status).toBe(409);
      expect(taken.type).toBe('application/problem+json');
      const weak = await call('POST', '/v1/accounts', {
        username: `weak-${run}`,
        email: `weak-${run}@example.com`,
        password: 'weakpass',
      });
      expect(weak.status).toBe(400);
      expect(JSON.stringify(weak.body)).not.toContain('weakpass');
    });

    it('signs in and refreshes', async () => {
      const res = await call('POST', '/v1/sessions', { username, password });
      expect(res.status).toBe(200);
      tokens = res.body as unknown as typeof tokens;
      expect(res.body.expiresIn).toBeGreaterThan(0);
      const refreshed = await call('POST', '/v1/sessions/refresh', { refreshToken: tokens.refreshToken });
      expect(refreshed.status).toBe(200);
      expect((await call('GET', '/v1/accounts/me', undefined, refreshed.body.accessToken as string)).status).toBe(200);
    });

    it('signs out an API client: revoke 204, then refresh 401; again 204; the other session keeps refreshing', async () => {
      const session = await call('POST', '/v1/sessions', { username, password });
      expect(session.status).toBe(200);
      const refreshToken = session.body.refreshToken as string;
      expect((await call('POST', '/v1/sessions/revoke', { refreshToken })).status).toBe(204);
      const refused = await call('POST', '/v1/sessions/refresh', { refreshToken });
      expect(refused.status).toBe(401);
      expect(refused.type).toBe('application/problem+json');
      expect((await call('POST', '/v1/sessions/revoke', { refreshToken })).status).toBe(204);
      expect((await call('POST', '/v1/sessions/revoke', { refreshToken: `unknown-${run}` })).status).toBe(204);
      const bad = await call('POST', '/v1/sessions/revoke', { token: refreshToken });
      expect(bad.status).toBe(400);
      expect(bad.type).toBe('application/problem+json');
      expect((await call('POST', '/v1/sessions/refresh', { refreshToken: tokens.refreshToken })).status).toBe(200);
    });

    it('answers a wrong password and an unknown user the same 401', async () => {
      const wrong = await call('POST', '/v1/sessions', { username, password: 'Wrong-Pass-1' });
      const unknown = await call('POST', '/v1/sessions', { username: `nobody-${run}`, password });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
    });

    it('slows repeated failures for a username with 429 (even with the right password then)', async () => {
      const target = `guess-${run}`;
      await call('POST', '/v1/accounts', { username: target, email: `${target}@example.com`, password });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await call('POST', '/v1/sessions', { username: target, password: `Guess-${i}-x` })).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses[5]).toBe(429);
      const right = await call('POST', '/v1/sessions', { username: target, password });
      expect(right.status).toBe(429);
      expect(right.type).toBe('application/problem+json');
    });

    it('shows and changes the account and its secondary addresses', async () => {
      const me = await call('GET', '/v1/accounts/me', undefined, tokens.accessToken);
      expect(me.body).toEqual({ username, email, groups: [], secondaryEmails: [] });
      const added = await call('POST', '/v1/accounts/me/emails', { email: `work-${run}@example.com` }, tokens.accessToken);
      expect(added.status).toBe(201);
      expect(
        (await call('POST', '/v1/accounts/me/emails', { email: `WORK-${run}@example.com` }, tokens.accessToken)).status,
      ).toBe(200);
      const changed = await call('PATCH', '/v1/accounts/me', { email: `new-${run}@example.com` }, tokens.accessToken);
      expect(changed.body).toMatchObject({ email: `new-${run}@example.com`, secondaryEmails: [`work-${run}@example.com`] });
      const removed = await call('DELETE', '/v1/accounts/me/emails', { email: `work-${run}@example.com` }, tokens.accessToken);
      expect(removed.body.secondaryEmails).toEqual([]);
      expect(
        (await call('DELETE', '/v1/accounts/me/emails', { email: `work-${run}@example.com` }, tokens.accessToken)).status,
      ).toBe(404);
    });

    it('refuses missing, forged and malformed tokens with 401 before any function runs', async () => {
      const [head, payload] = tokens.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, username: 'admin', 'cognito:groups': ['admin'] })).toString(
        'base64url',
      );
      const expiredPayload = Buffer.from(JSON.stringify({ ...claims, exp: 1 })).toString('base64url');
      const signature = tokens.accessToken.split('.')[2];
      for (const token of [
        undefined,
        'nonsense',
        `${head}.${forgedPayload}.${signature}`,
        `${head}.${expiredPayload}.${signature}`,
      ]) {
        const res = await call('GET', '/v1/accounts/me', undefined, token);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ message: 'Unauthorized' });
      }
    });

    it('deletes the account: 204, then it cannot sign in', async () => {
      expect((await call('DELETE', '/v1/accounts/me', undefined, tokens.accessToken)).status).toBe(204);
      expect((await call('POST', '/v1/sessions', { username, password })).status).toBe(401);
      // Its still-valid token finds no account any more.
      expect((await call('GET', '/v1/accounts/me', undefined, tokens.accessToken)).status).toBe(404);
    });

    it('has the local admin in the admin group', async () => {
      const admin = await call('POST', '/v1/sessions', { username: 'admin', password: 'Local-admin-password-1' });
      expect(admin.status).toBe(200);
      const me = await call('GET', '/v1/accounts/me', undefined, admin.body.accessToken as string);
      expect(me.body.groups).toEqual(['admin']);
    });
  });
}

describeAccounts('embedded', () => ({ env: { EVENTLINE_BACKEND: 'embedded' }, cleanup: async () => {} }));
describeAccounts('services', () => servicesRun('accounts'));
