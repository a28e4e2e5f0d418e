/**
 * The reminders handlers on the embedded backend (in-memory store, embedded bus and mailer),
 * called as Lambda calls them: the routes behind the user pool (claims as API Gateway's JWT
 * authorizer hands them over), the three consumers fed `aws:kafka` batches (account addresses and
 * deletion, happening changes — a delete cancels, a move changes the mail — and mail outcomes),
 * the scheduled dispatcher, and the mail consumer after it: one mail per reminder even when it is
 * dispatched twice.
 */
import type { APIGatewayProxyEventV2, MSKEvent } from 'aws-lambda';
import { configureEmbeddedPlatform, Topics } from '../support/topics';

configureEmbeddedPlatform();

import { randomUUID } from 'node:crypto';
import type { AccountEvent } from '../../lambdas/accounts/contract';
import { accountEventsTopic } from '../../lambdas/accounts/contract';
import { happeningChangesTopic } from '../../lambdas/happenings/contract';
import { changeOf, deletionOf } from '../../lambdas/happenings/domain/change';
import type { Happening } from '../../lambdas/happenings/domain/happening';
import { type MailOutcome, type MailRequest, mailOutcomesTopic, mailRequestsTopic } from '../../lambdas/mail/contract';
import { handler as sendMail } from '../../lambdas/mail/handlers/send-mail';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import type { EmbeddedMailer } from '../../lambdas/platform/mailer/embedded-mailer';
import type { ScheduledInvocation } from '../../lambdas/platform/manifest-types';
import type { DeadLetter } from '../../lambdas/platform/topic-consumer';
import { platform } from '../../lambdas/platform/wiring';
import { CLAIM_LEASE_MS } from '../../lambdas/reminders/domain/dispatch';
import { handler as dispatchDue } from '../../lambdas/reminders/handlers/dispatch-due';
import { handler as myReminders } from '../../lambdas/reminders/handlers/my-reminders';
import { handler as projectAccounts } from '../../lambdas/reminders/handlers/project-accounts';
import { handler as projectHappenings } from '../../lambdas/reminders/handlers/project-happenings';
import { handler as recordOutcomes } from '../../lambdas/reminders/handlers/record-outcomes';
import { reminderRepository } from '../../lambdas/reminders/wiring';
import { type HandlerAnswer, httpEvent, invokeHttp, lambdaContext } from '../support/apigw';
import { publishedRecords, publishedValues } from '../support/published';

process.env.REMINDERS_DISPATCH_WINDOW_SECONDS = '1.2';

afterAll(() => platform.close());
afterEach(() => jest.restoreAllMocks());

const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };
let offset = 0;
const record = (topic: string, key: string, value: unknown): ConsumedRecord => ({
  topic,
  partition: 0,
  offset: String(offset++),
  timestamp: Date.now(),
  key: Buffer.from(key),
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  headers: {},
});
const batch = (records: ConsumedRecord[]) => toMskEvent(records, source) as MSKEvent;

type Answer = HandlerAnswer;

async function call(
  method: string,
  path: string,
  options: { user?: string; body?: unknown; query?: string; id?: string } = {},
): Promise<Answer> {
  const event: APIGatewayProxyEventV2 = httpEvent({
    method,
    path: options.id ? path.replace(options.id, '{id}') : path,
    rawQueryString: options.query ?? '',
    ...(options.id !== undefined ? { pathParameters: { id: options.id } } : {}),
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  event.rawPath = path;
  if (options.user) {
    const claims = { sub: `sub-${options.user}`, username: options.user, 'cognito:groups': '[]', token_use: 'access' };
    Object.assign(event.requestContext, { authorizer: { jwt: { claims, scopes: [] } } });
  }
  return invokeHttp(myReminders, event);
}

const at = () => new Date().toISOString();
const addresses = (username: string, list: string[]): AccountEvent => ({
  type: 'addresses',
  username,
  addresses: list,
  at: at(),
});
const applyAccounts = (...events: AccountEvent[]) =>
  projectAccounts(batch(events.map((e) => record(accountEventsTopic.name, e.username, e))), lambdaContext);

function newHappening(overrides: Partial<Happening> = {}): Happening {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    version: 1,
    title: 'Jazz in the park',
    description: 'An evening of live jazz.',
    startsAt: '2031-06-01T16:00:00.000Z',
    endsAt: '2031-06-01T19:00:00.000Z',
    timezone: 'Europe/Warsaw',
    place: { name: 'Łazienki Park', lat: 52.215, lon: 21.035 },
    topics: ['music'],
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
const applyChanges = (...changes: ReturnType<typeof changeOf>[]) =>
  projectHappenings(batch(changes.map((c) => record(happeningChangesTopic.name, c.id, c))), lambdaContext);

const invocation = (): ScheduledInvocation => ({
  source: 'eventline.scheduler',
  schedule: 'reminders-dispatch',
  scheduledTime: at(),
  executionId: randomUUID(),
});
const dispatch = () => dispatchDue(invocation(), lambdaContext) as Promise<{ requested: number; maxLagMs: number }>;

const requestsFor = async (id: string) =>
  (await publishedValues<MailRequest>(mailRequestsTopic.name)).filter((r) => r.ref?.kind === 'reminder' && r.ref.id === id);
const mailsTo = async (address: string) =>
  ((await platform.mailer()) as EmbeddedMailer).sent().filter((m) => m.to.includes(address));

/** Feeds every mail request so far to the mail consumer, then every outcome so far to the outcomes consumer. */
async function deliverMail(): Promise<void> {
  const requests = await publishedRecords(mailRequestsTopic.name);
  if (requests.length > 0) await sendMail(batch(requests), lambdaContext);
  const outcomes = await publishedRecords(mailOutcomesTopic.name);
  if (outcomes.length > 0) await recordOutcomes(batch(outcomes), lambdaContext);
}

const soon = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('reminders routes (embedded)', () => {
  const h = newHappening();
  beforeAll(async () => {
    await applyChanges(changeOf(h));
    await applyAccounts(addresses('ann', ['ann@example.com', 'work@example.com']), addresses('bob', ['bob@example.com']));
  });

  it("creates (201, Location) to the primary address, or to another of the account's", async () => {
    const created = await call('POST', '/v1/reminders', { user: 'ann', body: { happeningId: h.id, remindAt: soon(3_600_000) } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/reminders/${created.body.id}`);
    expect(created.body).toMatchObject({ happeningId: h.id, email: 'ann@example.com', status: 'scheduled' });
    const other = await call('POST', '/v1/reminders', {
      user: 'ann',
      body: { happeningId: h.id, remindAt: soon(3_600_000), email: 'Work@Example.com' },
    });
    expect(other.body.email).toBe('work@example.com');
  });

  it('answers problems: unknown fields and bad times 400, unknown happening 404, an account the pool does not have 404', async () => {
    const unknownField = await call('POST', '/v1/reminders', {
      user: 'ann',
      body: { happeningId: h.id, remindAt: soon(60_000), note: 'x' },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.headers['content-type']).toBe('application/problem+json');
    const past = await call('POST', '/v1/reminders', { user: 'ann', body: { happeningId: h.id, remindAt: soon(-1000) } });
    expect(past.status).toBe(400);
    expect(JSON.stringify(past.body)).toContain('body.remindAt');
    const notMine = await call('POST', '/v1/reminders', {
      user: 'ann',
      body: { happeningId: h.id, remindAt: soon(60_000), email: 'bob@example.com' },
    });
    expect(notMine.status).toBe(400);
    expect(JSON.stringify(notMine.body)).toContain('body.email');
    const noHappening = await call('POST', '/v1/reminders', {
      user: 'ann',
      body: { happeningId: randomUUID(), remindAt: soon(60_000) },
    });
    expect(noHappening.status).toBe(404);
    // Neither the projection nor the user pool knows 'cy'.
    const stranger = await call('POST', '/v1/reminders', { user: 'cy', body: { happeningId: h.id, remindAt: soon(60_000) } });
    expect(stranger.status).toBe(404);
    expect((await call('POST', '/v1/reminders', { body: { happeningId: h.id, remindAt: soon(60_000) } })).status).toBe(401);
  });

  it("uses the pool's primary address for an account the projection has not heard of (the local admin, older accounts)", async () => {
    await (await platform.identity()).signUp({ username: 'dee', email: 'Dee@Example.com', password: 'Correct-Horse-9' });
    const res = await call('POST', '/v1/reminders', { user: 'dee', body: { happeningId: h.id, remindAt: soon(60_000) } });
    expect(res.status).toBe(201);
    expect(res.body.email).toBe('dee@example.com');
  });

  it("shows, changes and deletes a reminder for its owner only: someone else's id is 404", async () => {
    const { body: made } = await call('POST', '/v1/reminders', {
      user: 'ann',
      body: { happeningId: h.id, remindAt: soon(7_200_000) },
    });
    const path = `/v1/reminders/${made.id}`;
    expect((await call('GET', path, { user: 'ann', id: made.id })).body).toEqual(made);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { email: 'bob@example.com' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, path, { user: 'bob', id: made.id, body });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
    }
    const later = soon(8_000_000);
    const changed = await call('PATCH', path, { user: 'ann', id: made.id, body: { remindAt: later, email: 'work@example.com' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ remindAt: new Date(later).toISOString(), email: 'work@example.com' });
    expect((await call('PATCH', path, { user: 'ann', id: made.id, body: {} })).status).toBe(400);
    expect((await call('DELETE', path, { user: 'ann', id: made.id })).status).toBe(204);
    expect((await call('GET', path, { user: 'ann', id: made.id })).status).toBe(404);
    expect((await call('GET', '/v1/reminders/not-an-id', { user: 'ann', id: 'not-an-id' })).status).toBe(400);
  });

  it('lists my reminders by remindAt in pages', async () => {
    for (const minutes of [50, 10, 30]) {
      await call('POST', '/v1/reminders', { user: 'bob', body: { happeningId: h.id, remindAt: soon(minutes * 60_000) } });
    }
    const first = await call('GET', '/v1/reminders', { user: 'bob', query: 'limit=2' });
    expect(first.body.items).toHaveLength(2);
    const second = await call('GET', '/v1/reminders', { user: 'bob', query: `limit=2&cursor=${first.body.nextCursor}` });
    expect(second.body.nextCursor).toBeUndefined();
    const times = [...first.body.items, ...second.body.items].map((r: { remindAt: string }) => r.remindAt);
    expect(times).toEqual([...times].sort());
    expect(times).toHaveLength(3);
    expect((await call('GET', '/v1/reminders', { user: 'bob', query: 'cursor=nonsense' })).status).toBe(400);
    expect((await call('GET', '/v1/reminders', { user: 'bob', query: 'limit=101' })).status).toBe(400);
  });
});

describe('reminders consumers and dispatcher (embedded)', () => {
  it("an account deletion removes the account's reminders; its token then finds the account gone", async () => {
    const h = newHappening();
    await applyChanges(changeOf(h));
    await applyAccounts(addresses('dee', ['dee@example.com']));
    const { body: made } = await call('POST', '/v1/reminders', {
      user: 'dee',
      body: { happeningId: h.id, remindAt: soon(60_000) },
    });
    await applyAccounts({ type: 'deleted', username: 'dee', sub: 'sub-dee', at: at() });
    expect((await call('GET', `/v1/reminders/${made.id}`, { user: 'dee', id: made.id })).status).toBe(404);
    expect(
      (await call('POST', '/v1/reminders', { user: 'dee', body: { happeningId: h.id, remindAt: soon(60_000) } })).status,
    ).toBe(404);
  });

  it('dead-letters an account event it cannot keep, and goes on with the rest', async () => {
    const bad = record(accountEventsTopic.name, 'eve', {
      type: 'addresses',
      username: 'eve',
      addresses: ['eve@example.com'],
      at: 'yesterday',
    });
    const good = record(accountEventsTopic.name, 'eve2', addresses('eve2', ['eve2@example.com']));
    await projectAccounts(batch([bad, good]), lambdaContext);
    expect((await (await reminderRepository()).account('eve2'))?.addresses).toEqual(['eve2@example.com']);
    expect(await (await reminderRepository()).account('eve')).toBeUndefined();
    const letters = (await publishedValues<DeadLetter>(Topics.deadLetters)).filter(
      (d) => d.consumer === 'reminders-project-accounts',
    );
    expect(letters.map((d) => d.source.offset)).toEqual([Number(bad.offset)]);
  });

  it("a happening's delete cancels its scheduled reminders: no mail", async () => {
    const h = newHappening();
    await applyChanges(changeOf(h));
    await applyAccounts(addresses('fay', ['fay@example.com']));
    const { body: made } = await call('POST', '/v1/reminders', { user: 'fay', body: { happeningId: h.id, remindAt: soon(300) } });
    await applyChanges(deletionOf(h, at()));
    const { body: after } = await call('GET', `/v1/reminders/${made.id}`, { user: 'fay', id: made.id });
    expect(after).toMatchObject({ status: 'cancelled', reason: 'the happening was deleted' });
    await dispatch();
    expect(await requestsFor(made.id)).toEqual([]);
    expect(
      (await call('PATCH', `/v1/reminders/${made.id}`, { user: 'fay', id: made.id, body: { remindAt: soon(60_000) } })).status,
    ).toBe(409);
  });

  it('a moved happening: the mail says the new time, the title now, and where it was to start', async () => {
    const h = newHappening();
    await applyChanges(changeOf(h));
    await applyAccounts(addresses('gus', ['gus@example.com']));
    const { body: made } = await call('POST', '/v1/reminders', { user: 'gus', body: { happeningId: h.id, remindAt: soon(300) } });
    const moved: Happening = {
      ...h,
      version: 2,
      title: 'Jazz in the park (moved)',
      startsAt: '2031-06-02T16:00:00.000Z',
      endsAt: '2031-06-02T19:00:00.000Z',
    };
    await applyChanges(changeOf(moved, h));
    const summary = await dispatch();
    expect(summary.requested).toBeGreaterThanOrEqual(1);
    const [request, ...more] = await requestsFor(made.id);
    expect(more).toEqual([]);
    expect(request).toEqual({
      requestId: `reminder/${made.id}/1`,
      template: 'reminder',
      to: 'gus@example.com',
      ref: { kind: 'reminder', id: made.id },
      data: {
        title: 'Jazz in the park (moved)',
        startsAt: '2031-06-02T16:00:00.000Z',
        timeZone: 'Europe/Warsaw',
        place: 'Łazienki Park',
        movedFrom: '2031-06-01T16:00:00.000Z',
      },
    });
    const { body: requested } = await call('GET', `/v1/reminders/${made.id}`, { user: 'gus', id: made.id });
    expect(requested.status).toBe('requested');
    expect(Date.parse(requested.requestedAt)).toBeGreaterThanOrEqual(Date.parse(made.remindAt));

    await deliverMail();
    const [mail, ...others] = await mailsTo('gus@example.com');
    expect(others).toEqual([]);
    expect(mail?.subject).toContain('Jazz in the park (moved)');
    expect(mail?.text).toContain('This happening has been moved');
    expect(mail!.sentAt.getTime()).toBeGreaterThanOrEqual(Date.parse(made.remindAt));
    expect((await call('GET', `/v1/reminders/${made.id}`, { user: 'gus', id: made.id })).body.status).toBe('sent');
  });

  it('a reminder dispatched twice (a run died after asking; its claim taken again) is mailed once', async () => {
    const h = newHappening();
    await applyChanges(changeOf(h));
    await applyAccounts(addresses('hal', ['hal@example.com']));
    const { body: made } = await call('POST', '/v1/reminders', { user: 'hal', body: { happeningId: h.id, remindAt: soon(200) } });
    const repository = await reminderRepository();
    jest.spyOn(repository, 'markRequested').mockRejectedValueOnce(new Error('the run died here'));
    await dispatch();
    expect((await repository.get('hal', made.id))?.status).toBe('dispatching');
    // After the lease the next run takes the claim again and asks once more, with the same request id.
    jest.spyOn(platform.clock, 'now').mockImplementation(() => new Date(Date.now() + CLAIM_LEASE_MS + 1000));
    await dispatch();
    jest.restoreAllMocks();
    const requests = await requestsFor(made.id);
    expect(requests.map((r) => r.requestId)).toEqual([`reminder/${made.id}/1`, `reminder/${made.id}/1`]);
    await deliverMail();
    expect(await mailsTo('hal@example.com')).toHaveLength(1);
    expect((await repository.get('hal', made.id))?.status).toBe('sent');
  });

  it("records a failed mail's reason and an uncertain one", async () => {
    const repository = await reminderRepository();
    const h = newHappening();
    await applyChanges(changeOf(h));
    await applyAccounts(addresses('ida', ['ida@example.com']));
    const made = await Promise.all(
      [0, 1].map(
        async () => (await call('POST', '/v1/reminders', { user: 'ida', body: { happeningId: h.id, remindAt: soon(200) } })).body,
      ),
    );
    await dispatch();
    const outcomes: MailOutcome[] = [
      {
        requestId: `reminder/${made[0].id}/1`,
        ref: { kind: 'reminder', id: made[0].id },
        status: 'failed',
        reason: 'MessageRejected: bounced',
      },
      {
        requestId: `reminder/${made[1].id}/1`,
        ref: { kind: 'reminder', id: made[1].id },
        status: 'uncertain',
        reason: 'timed out',
      },
    ];
    await recordOutcomes(batch(outcomes.map((o) => record(mailOutcomesTopic.name, o.requestId, o))), lambdaContext);
    expect(await repository.get('ida', made[0].id)).toMatchObject({ status: 'failed', reason: 'MessageRejected: bounced' });
    expect(await repository.get('ida', made[1].id)).toMatchObject({ status: 'uncertain', reason: 'timed out' });
  });
});
