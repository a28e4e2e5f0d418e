/** `GET /__local/outbox`: the local mailer's outbox as JSON, or a problem saying why not. */
import { FixedClock } from '../../lambdas/platform/clock/clock';
import { Unavailable } from '../../lambdas/platform/errors';
import { EmbeddedMailer } from '../../lambdas/platform/mailer/embedded-mailer';
import type { Mailer } from '../../lambdas/platform/mailer/mailer';
import { localAdminRoutes } from '../../scripts/local-runtime/admin-routes';
import type { LocalScheduler } from '../../scripts/local-runtime/scheduler';

const scheduler: LocalScheduler = { run: () => Promise.reject(new Error('none')), nextRuns: () => new Map(), stop: () => {} };
const outboxOf = (mailer: Mailer) => localAdminRoutes(scheduler, { mailer: async () => mailer })('GET', ['outbox']);

describe('GET /__local/outbox', () => {
  it('answers every sent mail, oldest first', async () => {
    const mailer = new EmbeddedMailer(new FixedClock(new Date('2024-05-01T10:00:00Z')));
    await mailer.send({ from: 'a@example.com', to: ['b@example.com'], subject: 'One', text: 'T1', html: '<p>1</p>' });
    await mailer.send({ from: 'a@example.com', to: ['c@example.com'], subject: 'Two', text: 'T2' });
    const answer = await outboxOf(mailer);
    expect(answer?.statusCode).toBe(200);
    expect(JSON.parse(answer!.body.toString())).toEqual([
      {
        messageId: expect.any(String),
        from: 'a@example.com',
        to: ['b@example.com'],
        subject: 'One',
        text: 'T1',
        html: '<p>1</p>',
        sentAt: '2024-05-01T10:00:00.000Z',
      },
      {
        messageId: expect.any(String),
        from: 'a@example.com',
        to: ['c@example.com'],
        subject: 'Two',
        text: 'T2',
        html: null,
        sentAt: '2024-05-01T10:00:00.000Z',
      },
    ]);
  });

  it('answers 404 for a mailer that keeps no outbox, 503 when the outbox cannot be read', async () => {
    const noOutbox: Mailer = { send: async () => ({ messageId: 'm' }) };
    expect(await outboxOf(noOutbox)).toMatchObject({
      statusCode: 404,
      headers: { 'content-type': ['application/problem+json'] },
    });
    const unreachable: Mailer = { ...noOutbox, outbox: () => Promise.reject(new Unavailable('the SES emulator cannot be read')) };
    const answer = await outboxOf(unreachable);
    expect(answer?.statusCode).toBe(503);
    expect(JSON.parse(answer!.body.toString())).toMatchObject({ status: 503, detail: 'the SES emulator cannot be read' });
  });

  it('is GET only, and leaves other paths to the runtime', async () => {
    const routes = localAdminRoutes(scheduler, { mailer: async () => new EmbeddedMailer() });
    expect(await routes('POST', ['outbox'])).toBeUndefined();
    expect(await routes('GET', ['outbox', 'x'])).toBeUndefined();
  });
});
