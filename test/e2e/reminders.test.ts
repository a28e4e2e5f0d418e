/**
 * Reminders end to end through `npm start`, in both backends (embedded; services: cognito-local,
 * MariaDB, Kafka, the SES emulator): a user signs up, the local admin creates a happening, the
 * user asks for a reminder a few seconds ahead, the dispatch schedule runs (a short window) and
 * exactly one reminder mail reaches the outbox; a reminder is rescheduled, sent to a secondary
 * address, deleted; another user gets 404 on it; deleting the happening cancels a scheduled one.
 */
import { randomBytes } from 'node:crypto';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';
import { apiClient } from '../support/api-client';
import { servicesRun } from '../support/services-run';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, read by the tests
type Json = any;
interface OutboxMail {
  to: string[];
  subject: string;
  text: string;
}

/** Short dispatcher runs, so `POST /__local/schedules/reminders-dispatch` answers within seconds. */
const WINDOW_SECONDS = 6;

function describeReminders(backend: string, setup: () => { env: Record<string, string>; cleanup: () => Promise<void> }) {
  describe(`reminders end to end (${backend})`, () => {
    const { env, cleanup } = setup();
    let runtime: RunningRuntime;
    beforeAll(async () => {
      runtime = await startRuntimeProcess({ ...env, REMINDERS_DISPATCH_WINDOW_SECONDS: String(WINDOW_SECONDS) });
    }, 120_000);
    afterAll(async () => {
      await runtime?.stop();
      await cleanup();
    }, 60_000);

    const call = apiClient<Json>(() => runtime.url);
    /** Repeats a call while the projections catch up (`retryOn` statuses), then answers the last response. */
    const settled = (make: () => ReturnType<typeof call>, retryOn: number[]) =>
      eventually(
        async () => {
          const res = await make();
          return retryOn.includes(res.status) ? undefined : res;
        },
        30_000,
        200,
        () => runtime.output(),
      );
    const outbox = async (): Promise<OutboxMail[]> =>
      (await (await fetch(`${runtime.url}/__local/outbox`)).json()) as OutboxMail[];
    const remindersTo = async (address: string) =>
      (await outbox()).filter((m) => m.to.includes(address) && m.subject.startsWith('Reminder:'));
    const dispatch = async () => {
      const res = await fetch(`${runtime.url}/__local/schedules/reminders-dispatch`, { method: 'POST' });
      expect(res.status).toBe(200);
      return ((await res.json()) as { result: Json }).result;
    };

    const run = randomBytes(3).toString('hex');
    const password = 'Correct-Horse-9';
    const ann = { username: `rem-ann-${run}`, email: `rem-ann-${run}@example.com` };
    const bob = { username: `rem-bob-${run}`, email: `rem-bob-${run}@example.com` };
    const secondary = `rem-ann-work-${run}@example.com`;
    const title = `Reminded jam ${run}`;
    let annToken: string;
    let bobToken: string;
    let adminToken: string;
    let happeningId: string;

    const signUp = async (user: { username: string; email: string }) => {
      expect((await call('POST', '/v1/accounts', { ...user, password })).status).toBe(201);
      const session = await call('POST', '/v1/sessions', { username: user.username, password });
      expect(session.status).toBe(200);
      return session.body.accessToken as string;
    };
    const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
    const create = (body: Json, token = annToken) => settled(() => call('POST', '/v1/reminders', body, token), [503, 404]);

    it('signs two users up and the local admin creates a happening', async () => {
      annToken = await signUp(ann);
      bobToken = await signUp(bob);
      const admin = await call('POST', '/v1/sessions', { username: 'admin', password: 'Local-admin-password-1' });
      expect(admin.status).toBe(200);
      adminToken = admin.body.accessToken;
      const happening = await call(
        'POST',
        '/v1/happenings',
        {
          title,
          description: 'Bring your instrument.',
          startsAt: inSeconds(3 * 3600),
          endsAt: inSeconds(5 * 3600),
          timezone: 'Europe/Warsaw',
          place: { name: 'Rynek Główny 1', lat: 50.0614, lon: 19.9366 },
          topics: ['music'],
        },
        adminToken,
      );
      expect(happening.status).toBe(201);
      happeningId = happening.body.id;
    }, 60_000);

    it('mails a reminder once, never before its time, when the dispatch schedule runs', async () => {
      const made = await create({ happeningId, remindAt: inSeconds(3) });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ happeningId, email: ann.email, status: 'scheduled' });
      const summary = await dispatch();
      expect(summary.windowMs).toBe(WINDOW_SECONDS * 1000);
      const mails = await eventually(
        async () => {
          const mine = await remindersTo(ann.email);
          return mine.length > 0 ? mine : undefined;
        },
        30_000,
        200,
        () => runtime.output(),
      );
      expect(mails).toHaveLength(1);
      expect(mails[0]?.subject).toContain(title);
      expect(mails[0]?.text).toContain('Rynek Główny 1');
      const sent = await eventually(
        async () => {
          const res = await call('GET', `/v1/reminders/${made.body.id}`, undefined, annToken);
          return res.body.status === 'sent' ? res.body : undefined;
        },
        30_000,
        200,
        () => runtime.output(),
      );
      expect(Date.parse(sent.requestedAt)).toBeGreaterThanOrEqual(Date.parse(made.body.remindAt));
      expect(Date.parse(sent.requestedAt) - Date.parse(made.body.remindAt)).toBeLessThan(60_000);
      // Another run finds nothing more to send.
      await dispatch();
      expect(await remindersTo(ann.email)).toHaveLength(1);
    }, 90_000);

    it('reschedules, changes the address to a secondary one, answers 404 to someone else, deletes', async () => {
      const made = await create({ happeningId, remindAt: inSeconds(3600) });
      const path = `/v1/reminders/${made.body.id}`;
      const later = inSeconds(7200);
      const rescheduled = await call('PATCH', path, { remindAt: later }, annToken);
      expect(rescheduled.status).toBe(200);
      expect(rescheduled.body.remindAt).toBe(new Date(later).toISOString());

      expect((await call('POST', '/v1/accounts/me/emails', { email: secondary }, annToken)).status).toBe(201);
      // The new address reaches the reminders' projection through accounts.events.
      const retargeted = await settled(() => call('PATCH', path, { email: secondary }, annToken), [400]);
      expect(retargeted.status).toBe(200);
      expect(retargeted.body.email).toBe(secondary);
      expect((await call('PATCH', path, { email: bob.email }, annToken)).status).toBe(400);

      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { remindAt: inSeconds(60) }],
        ['DELETE', undefined],
      ] as const) {
        const res = await call(method, path, body, bobToken);
        expect(res.status).toBe(404);
        expect(res.type).toBe('application/problem+json');
      }
      const list = await call('GET', '/v1/reminders', undefined, annToken);
      expect(list.body.items.map((r: Json) => r.id)).toContain(made.body.id);
      expect((await call('GET', '/v1/reminders', undefined, bobToken)).body.items).toEqual([]);

      expect((await call('DELETE', path, undefined, annToken)).status).toBe(204);
      expect((await call('GET', path, undefined, annToken)).status).toBe(404);
    }, 60_000);

    it('mails a reminder to the secondary address it names', async () => {
      const made = await create({ happeningId, remindAt: inSeconds(3), email: secondary });
      expect(made.body.email).toBe(secondary);
      await dispatch();
      const mails = await eventually(
        async () => {
          const mine = await remindersTo(secondary);
          return mine.length > 0 ? mine : undefined;
        },
        30_000,
        200,
        () => runtime.output(),
      );
      expect(mails).toHaveLength(1);
    }, 90_000);

    it('cancels a scheduled reminder when its happening is deleted; it is never mailed', async () => {
      const made = await create({ happeningId, remindAt: inSeconds(4) }, bobToken);
      expect(made.status).toBe(201);
      expect((await call('DELETE', `/v1/happenings/${happeningId}`, undefined, adminToken)).status).toBe(204);
      const cancelled = await eventually(
        async () => {
          const res = await call('GET', `/v1/reminders/${made.body.id}`, undefined, bobToken);
          return res.body.status === 'cancelled' ? res.body : undefined;
        },
        30_000,
        200,
        () => runtime.output(),
      );
      expect(cancelled.reason).toBe('the happening was deleted');
      await new Promise((r) => setTimeout(r, 4000));
      await dispatch();
      expect(await remindersTo(bob.email)).toEqual([]);
      expect((await call('POST', '/v1/reminders', { happeningId, remindAt: inSeconds(60) }, bobToken)).status).toBe(404);
    }, 90_000);
  });
}

describeReminders('embedded', () => ({ env: { EVENTLINE_BACKEND: 'embedded' }, cleanup: async () => {} }));
describeReminders('services', () => servicesRun('reminders'));
