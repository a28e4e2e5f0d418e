/**
 * The mail-send-mail consumer on the embedded backend (the in-memory ledger, the embedded bus and
 * the EmbeddedMailer's outbox), fed MSK-shaped batches as Lambda would: each request id is mailed
 * at most once, however its records are delivered.
 */
import { configureEmbeddedPlatform, Topics } from '../support/topics';

configureEmbeddedPlatform();

import { type MailOutcome, type MailRequest, requestMail } from '../../lambdas/mail/domain/mail-request';
import { handler } from '../../lambdas/mail/handlers/send-mail';
import { mailFunctions, SEND_LEASE_MS } from '../../lambdas/mail/manifest';
import { mailOutcomesTopic, mailRequestsTopic } from '../../lambdas/mail/topics';
import { LOCAL_MAIL_FROM, mailLedger } from '../../lambdas/mail/wiring';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { InvalidInput, Unavailable } from '../../lambdas/platform/errors';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import type { EmbeddedMailer } from '../../lambdas/platform/mailer/embedded-mailer';
import { MailOutcomeUnknown, MailRejected } from '../../lambdas/platform/mailer/mailer';
import type { DeadLetter } from '../../lambdas/platform/topic-consumer';
import { platform } from '../../lambdas/platform/wiring';
import { localAdminRoutes } from '../../scripts/local-runtime/admin-routes';
import type { LocalScheduler } from '../../scripts/local-runtime/scheduler';
import { lambdaContext } from '../support/apigw';
import { publishedRecords, publishedValues } from '../support/published';

const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };
let nextOffset = 0;
let nextUser = 0;

const welcome = (username = `user${nextUser++}`): MailRequest => ({
  requestId: `welcome/${username}`,
  template: 'welcome',
  to: `${username}@example.com`,
  data: { username },
});

type ReminderRequest = Extract<MailRequest, { template: 'reminder' }>;

const reminder = (id: string): ReminderRequest => ({
  requestId: `reminder/${id}/2024-03-01T16:00:00.000Z`,
  template: 'reminder',
  to: `${id}@example.com`,
  ref: { kind: 'reminder', id },
  data: { title: 'Kraków meetup', startsAt: '2024-03-01T17:00:00Z', timeZone: 'Europe/Warsaw', place: 'Rynek Główny 1' },
});

/** A record of mail.requests at its own offset (or a given one: the same record delivered again). */
const record = (request: MailRequest, offset = nextOffset++): ConsumedRecord => ({
  topic: mailRequestsTopic.name,
  partition: 0,
  offset: String(offset),
  timestamp: Date.parse('2024-03-01T10:00:00Z'),
  key: Buffer.from(request.requestId),
  value: Buffer.from(JSON.stringify(request)),
  headers: {},
});

const deliver = (...records: ConsumedRecord[]) => handler(toMskEvent(records, source), lambdaContext);

async function mailer(): Promise<EmbeddedMailer> {
  return (await platform.mailer()) as EmbeddedMailer;
}
const mailsTo = async (address: string) => (await mailer()).sent().filter((m) => m.to.includes(address));

const outcomesOf = async (requestId: string) =>
  (await publishedValues<MailOutcome>(mailOutcomesTopic.name)).filter((o) => o.requestId === requestId);
const deadLettersOf = async (requestId: string) =>
  (await publishedValues<DeadLetter>(Topics.deadLetters)).filter((d) => d.source.key === requestId);

afterEach(() => jest.restoreAllMocks());
afterAll(() => platform.close());

describe('mail-send-mail consumer (embedded)', () => {
  it('renders and sends a welcome mail from MAIL_FROM, records it sent and publishes the outcome', async () => {
    const request = welcome('ada');
    await deliver(record(request));

    const [mail, ...more] = await mailsTo('ada@example.com');
    expect(more).toEqual([]);
    expect(mail).toMatchObject({ from: LOCAL_MAIL_FROM, to: ['ada@example.com'], subject: 'Welcome to Eventline, ada' });
    expect(mail!.html).toContain('<p>Hello ada,</p>');
    expect(await (await mailLedger()).get(request.requestId)).toMatchObject({ status: 'sent', messageId: mail!.messageId });
    expect(await outcomesOf(request.requestId)).toEqual([
      { requestId: request.requestId, status: 'sent', messageId: mail!.messageId },
    ]);
  });

  it('sends one mail for a record delivered twice, in one batch and again in a redelivered batch', async () => {
    const request = welcome();
    const once = record(request);
    await deliver(once, once);
    await deliver(once);
    expect(await mailsTo(request.to)).toHaveLength(1);
    // The outcome is published again for a redelivery (at least once); it says the same.
    const outcomes = await outcomesOf(request.requestId);
    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
  });

  it('sends one mail when the same request id arrives in two batches (the producer published it twice)', async () => {
    const request = reminder('r-twice');
    await deliver(record(request));
    await deliver(record({ ...request, data: { ...request.data, title: 'Kraków meetup (copy)' } }));
    const mails = await mailsTo(request.to);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Reminder: Kraków meetup, Friday, 1 March 2024 at 18:00 (Europe/Warsaw)');
  });

  it('does not resend a request left sending past its lease: it becomes uncertain, published as such', async () => {
    const request = welcome();
    const ledger = await mailLedger();
    // An earlier invocation claimed it and died, maybe after SES took the mail.
    await ledger.claim(request, new Date(Date.now() - SEND_LEASE_MS - 1000), SEND_LEASE_MS);
    await deliver(record(request));
    await deliver(record(request));

    expect(await mailsTo(request.to)).toEqual([]);
    const entry = await ledger.get(request.requestId);
    expect(entry).toMatchObject({ status: 'uncertain' });
    expect(entry!.reason).toContain('may have been sent');
    expect((await outcomesOf(request.requestId)).map((o) => o.status)).toEqual(['uncertain', 'uncertain']);
  });

  it('retries a batch holding a request claimed within the lease, after sending the others', async () => {
    const [held, other] = [welcome(), welcome()];
    await (await mailLedger()).claim(held, new Date(), SEND_LEASE_MS);
    await expect(deliver(record(held), record(other))).rejects.toBeInstanceOf(Unavailable);
    expect(await mailsTo(held.to)).toEqual([]);
    expect(await mailsTo(other.to)).toHaveLength(1);
  });

  it('records a permanent refusal as failed, dead-letters the record and publishes the failure', async () => {
    const [refused, fine] = [reminder('r-refused'), reminder('r-fine')];
    const send = jest.spyOn(await mailer(), 'send');
    send.mockRejectedValueOnce(new MailRejected('SES refused the mail: Email address is not verified.', 'MessageRejected'));
    const refusedRecord = record(refused);
    await deliver(refusedRecord, record(fine));

    expect(await mailsTo(refused.to)).toEqual([]);
    expect(await mailsTo(fine.to)).toHaveLength(1);
    expect(await (await mailLedger()).get(refused.requestId)).toMatchObject({
      status: 'failed',
      reason: 'SES refused the mail: Email address is not verified.',
    });
    const [letter, ...moreLetters] = await deadLettersOf(refused.requestId);
    expect(moreLetters).toEqual([]);
    expect(letter).toMatchObject({
      consumer: mailFunctions.sendMail.name,
      reason: 'SES refused the mail: Email address is not verified.',
      source: { topic: mailRequestsTopic.name, offset: Number(refusedRecord.offset), key: refused.requestId },
    });
    expect(JSON.parse(Buffer.from(letter!.value!, 'base64').toString())).toEqual(refused);
    expect(await outcomesOf(refused.requestId)).toEqual([
      {
        requestId: refused.requestId,
        ref: { kind: 'reminder', id: 'r-refused' },
        status: 'failed',
        reason: 'SES refused the mail: Email address is not verified.',
      },
    ]);

    // Delivered again, it is not sent: it failed for good.
    await deliver(refusedRecord);
    expect(await mailsTo(refused.to)).toEqual([]);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('fails the batch when SES throttles, without losing or repeating a mail on the retry', async () => {
    const [first, throttled, last] = [welcome(), welcome(), welcome()];
    const embedded = await mailer();
    const realSend = embedded.send.bind(embedded);
    let throttledOnce = false;
    jest.spyOn(embedded, 'send').mockImplementation(async (mail) => {
      if (!throttledOnce && mail.to.includes(throttled.to)) {
        throttledOnce = true;
        throw new Unavailable('SES is throttling sends, retry shortly');
      }
      return realSend(mail);
    });
    const batch = [record(first), record(throttled), record(last)];

    await expect(deliver(...batch)).rejects.toBeInstanceOf(Unavailable);
    expect(await mailsTo(first.to)).toHaveLength(1);
    expect(await mailsTo(throttled.to)).toEqual([]);
    expect(await mailsTo(last.to)).toEqual([]);
    // The claim was given back: nothing was sent, so the retry may send it.
    expect(await (await mailLedger()).get(throttled.requestId)).toBeUndefined();

    await deliver(...batch);
    for (const request of [first, throttled, last]) expect(await mailsTo(request.to)).toHaveLength(1);
  });

  it('does not resend a mail whose send may have reached SES (connection lost mid-request)', async () => {
    const request = welcome();
    const send = jest.spyOn(await mailer(), 'send');
    send.mockRejectedValueOnce(new MailOutcomeUnknown('the connection to SES failed mid-request (ECONNRESET)'));
    await deliver(record(request));
    await deliver(record(request));
    expect(send).toHaveBeenCalledTimes(1);
    expect(await (await mailLedger()).get(request.requestId)).toMatchObject({ status: 'uncertain' });
    expect((await outcomesOf(request.requestId)).map((o) => o.status)).toEqual(['uncertain', 'uncertain']);
  });

  it('dead-letters a record that is no mail request, and sends nothing for it', async () => {
    const bad = { ...welcome('mallory'), to: 'not-an-address' };
    await deliver(record(bad as MailRequest));
    expect(await mailsTo('not-an-address')).toEqual([]);
    expect((await deadLettersOf(bad.requestId))[0]?.reason).toContain('to');
  });

  it('shows the sent mails on GET /__local/outbox', async () => {
    const request = welcome('outbox-reader');
    await deliver(record(request));
    const scheduler: LocalScheduler = {
      run: async () => Promise.reject(new Error('none')),
      nextRuns: () => new Map(),
      stop: () => {},
    };
    const answer = await localAdminRoutes(scheduler)('GET', ['outbox']);
    expect(answer?.statusCode).toBe(200);
    expect(answer?.headers['content-type']).toEqual(['application/json']);
    const outbox = JSON.parse(answer!.body.toString()) as {
      to: string[];
      subject: string;
      text: string;
      html: string;
      sentAt: string;
    }[];
    const shown = outbox.filter((m) => m.to.includes(request.to));
    expect(shown).toEqual([
      {
        messageId: expect.any(String),
        from: LOCAL_MAIL_FROM,
        to: [request.to],
        subject: 'Welcome to Eventline, outbox-reader',
        text: expect.stringContaining('Hello outbox-reader,'),
        html: expect.stringContaining('<p>Hello outbox-reader,</p>'),
        sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    ]);
  });
});

describe('requestMail', () => {
  it('publishes a valid request to mail.requests keyed by its request id; the consumer mails it', async () => {
    const request = reminder('r-requested');
    await requestMail(await platform.bus(), request);
    const records = (await publishedRecords(mailRequestsTopic.name)).filter((r) => r.key?.toString() === request.requestId);
    expect(records).toHaveLength(1);
    expect(JSON.parse(records[0]!.value!.toString())).toEqual(request);

    await deliver(...records);
    expect(await mailsTo(request.to)).toHaveLength(1);
  });

  it('refuses an invalid request with InvalidInput naming each field, and publishes nothing', async () => {
    const publish = jest.spyOn(await platform.bus(), 'publish');
    const bad = { ...reminder('r-bad'), to: 'nobody', data: { ...reminder('r-bad').data, timeZone: 'Nowhere/City' } };
    const refusal = await requestMail(await platform.bus(), bad).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InvalidInput);
    expect((refusal as InvalidInput).problems.map((p) => p.path).sort()).toEqual(['mail.data.timeZone', 'mail.to']);
    expect(publish).not.toHaveBeenCalled();
  });
});
