/**
 * One contract for the mailer port, run against the embedded outbox and SES as emulated by
 * aws-ses-v2-local (http://127.0.0.1:8005, `npm run services:up`), read back through its
 * GET /store endpoint.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  ConfigurationSetDoesNotExistException,
  MessageRejected,
  SESClient,
  SESServiceException,
  SendEmailCommand,
} from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { FixedClock } from '../../lambdas/platform/clock/clock';
import { Unavailable } from '../../lambdas/platform/errors';
import { EmbeddedMailer } from '../../lambdas/platform/mailer/embedded-mailer';
import { type Mailer, MailOutcomeUnknown, MailRejected, type OutgoingMail } from '../../lambdas/platform/mailer/mailer';
import { SesMailer, sesClientFromEnv, sesMailerFromEnv } from '../../lambdas/platform/mailer/ses-mailer';
import { InvalidMailError } from '../../lambdas/platform/mailer/validate-mail';

/** What a mailbox shows of a delivered mail. */
interface Delivered {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

interface MailerUnderTest {
  readonly mailer: Mailer;
  delivered(messageId: string): Promise<Delivered | undefined>;
}

const runId = randomBytes(4).toString('hex');

function describeMailerPort(name: string, setup: () => Promise<MailerUnderTest>): void {
  describe(`mailer port: ${name}`, () => {
    let subject: MailerUnderTest;
    beforeAll(async () => {
      subject = await setup();
    });

    // One recipient: aws-ses-v2-local's v1 SendEmail keeps only the first ToAddresses member
    // (an emulator limitation; real SES takes up to 50). The request test below checks that
    // SesMailer sends them all.
    const mail: OutgoingMail = {
      from: 'Eventline <no-reply@eventline.example>',
      to: ['ada@example.com'],
      subject: `Reminder ${runId}: Kraków meetup 🎉`,
      text: 'See you at 18:00.',
      html: '<p>See you at <b>18:00</b>.</p>',
    };

    it('sends a mail, returns its message id, and the mail is delivered as given', async () => {
      const { messageId } = await subject.mailer.send(mail);
      expect(messageId).toEqual(expect.any(String));
      expect(messageId.length).toBeGreaterThan(0);
      expect(await subject.delivered(messageId)).toEqual({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    });

    it('gives each mail its own message id; text-only mails are fine', async () => {
      const plain = { ...mail, html: undefined };
      const first = await subject.mailer.send(plain);
      const second = await subject.mailer.send(plain);
      expect(first.messageId).not.toBe(second.messageId);
      expect((await subject.delivered(second.messageId))?.text).toBe(mail.text);
    });

    it('shows every sent mail in its outbox (local adapters only)', async () => {
      const { messageId } = await subject.mailer.send(mail);
      const outbox = await subject.mailer.outbox!();
      expect(outbox.find((entry) => entry.messageId === messageId)).toEqual({
        messageId,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      const plain = await subject.mailer.send({ ...mail, html: undefined });
      expect(outbox.length).toBeGreaterThan(0);
      expect((await subject.mailer.outbox!()).find((entry) => entry.messageId === plain.messageId)?.html).toBeNull();
    });

    it.each([
      ['no recipients', { to: [] }],
      ['a recipient that is no address', { to: ['not-an-address'] }],
      ['too many recipients', { to: Array.from({ length: 51 }, (_, i) => `u${i}@example.com`) }],
      ['no sender', { from: '' }],
      ['an empty subject', { subject: ' ' }],
      ['no body', { text: '', html: undefined }],
    ])('rejects a mail with %s', async (_, change) => {
      await expect(subject.mailer.send({ ...mail, ...change })).rejects.toBeInstanceOf(InvalidMailError);
    });
  });
}

describeMailerPort('embedded', async () => {
  const mailer = new EmbeddedMailer(new FixedClock(new Date('2024-05-01T10:00:00Z')));
  return {
    mailer,
    delivered: async (messageId) => {
      const found = mailer.sent().find((sent) => sent.messageId === messageId);
      if (!found) return undefined;
      const { from, to, subject, text, html } = found;
      return { from, to, subject, text, html };
    },
  };
});

const sesEndpoint = 'http://127.0.0.1:8005';

interface EmulatorStore {
  emails: {
    messageId: string;
    from: string;
    destination: { to: string[] };
    subject: string;
    body: { text?: string; html?: string };
  }[];
}

describeMailerPort('ses (aws-ses-v2-local)', async () => {
  try {
    const health = await fetch(`${sesEndpoint}/health-check`);
    if (!health.ok) throw new Error(`health check answered ${health.status}`);
  } catch (error) {
    throw new Error(
      `the SES emulator is not reachable at ${sesEndpoint}; run \`npm run services:up\` ` + `(${(error as Error).message})`,
    );
  }
  const mailer = sesMailerFromEnv({
    EVENTLINE_BACKEND: 'services',
    EVENTLINE_SES_ENDPOINT: sesEndpoint,
    SES_CONFIGURATION_SET: 'eventline-test',
  });
  return {
    mailer,
    delivered: async (messageId) => {
      const response = await fetch(`${sesEndpoint}/store`);
      const store = (await response.json()) as EmulatorStore;
      const found = store.emails.find((email) => email.messageId === messageId);
      if (!found) return undefined;
      return {
        from: found.from,
        to: found.destination.to,
        subject: found.subject,
        text: found.body.text,
        html: found.body.html,
      };
    },
  };
});

describe('SesMailer request', () => {
  it('sends every recipient, UTF-8 subject and bodies, and the configuration set', async () => {
    const ses = mockClient(SESClient);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    try {
      const mailer = new SesMailer(new SESClient({ region: 'eu-west-1' }), {
        configurationSetName: 'eventline-dev',
      });
      await expect(
        mailer.send({
          from: 'a@example.com',
          to: ['b@example.com', 'c@example.org'],
          subject: 'Hi',
          text: 'T',
          html: '<p>T</p>',
        }),
      ).resolves.toEqual({ messageId: 'm-1' });
      expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
        Source: 'a@example.com',
        Destination: { ToAddresses: ['b@example.com', 'c@example.org'] },
        Message: {
          Subject: { Data: 'Hi', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'T', Charset: 'UTF-8' },
            Html: { Data: '<p>T</p>', Charset: 'UTF-8' },
          },
        },
        ConfigurationSetName: 'eventline-dev',
      });
    } finally {
      ses.restore();
    }
  });

  it('has no SES client in the embedded backend', () => {
    expect(() => sesClientFromEnv({ EVENTLINE_BACKEND: 'embedded' })).toThrow(/embedded/);
  });

  it('makes one attempt per send: SES takes no idempotency key, so only the caller may decide to resend', async () => {
    for (const backend of ['services', 'aws']) {
      expect(await sesClientFromEnv({ EVENTLINE_BACKEND: backend, AWS_REGION: 'eu-west-1' }).config.maxAttempts()).toBe(1);
    }
  });

  it('keeps no outbox on real SES', () => {
    expect(sesMailerFromEnv({ EVENTLINE_BACKEND: 'aws', AWS_REGION: 'eu-west-1' }).outbox).toBeUndefined();
  });
});

/**
 * SES's refusals in the port's words. aws-sdk-client-mock stands in for SES here ONLY because
 * the emulator cannot refuse, throttle or fail the way SES does (it accepts any address and never
 * answers 429/5xx); a refused connection is real (a closed local port).
 */
describe('SesMailer failures', () => {
  const mail: OutgoingMail = { from: 'a@example.com', to: ['b@example.com'], subject: 'S', text: 'T' };
  const sesError = (name: string, status: number, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client') =>
    new SESServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: `${name} from SES` });
  const networkError = (code: string, name = 'Error') => Object.assign(new Error(`${code} on the socket`), { code, name });

  async function failureOf(error: Error): Promise<unknown> {
    const ses = mockClient(SESClient);
    ses.on(SendEmailCommand).rejects(error);
    try {
      await new SesMailer(new SESClient({ region: 'eu-west-1' })).send(mail);
      throw new Error('the send did not fail');
    } catch (failure) {
      return failure;
    } finally {
      ses.restore();
    }
  }

  it.each([
    [
      'MessageRejected (e.g. an unverified address in the sandbox)',
      new MessageRejected({ message: 'Email address is not verified.', $metadata: {} }),
    ],
    ['InvalidParameterValue (e.g. an address SES cannot parse)', sesError('InvalidParameterValue', 400)],
  ])('says MailRejected, with the code, for %s', async (_label, error) => {
    const failure = await failureOf(error);
    expect(failure).toBeInstanceOf(MailRejected);
    expect((failure as MailRejected).code).toBe(error.name);
    expect((failure as MailRejected).message).toContain(error.message);
    expect((failure as MailRejected).cause).toBe(error);
  });

  it.each([
    ['Throttling (the sending rate)', sesError('Throttling', 400)],
    ['TooManyRequestsException', sesError('TooManyRequestsException', 429)],
    ['ServiceUnavailable (503)', sesError('ServiceUnavailable', 503, 'server')],
    ['InternalFailure (500)', sesError('InternalFailure', 500)],
    ['a connection that was refused', networkError('ECONNREFUSED')],
    ['a name that did not resolve', networkError('ENOTFOUND')],
  ])('says Unavailable (nothing was sent: retry) for %s', async (_label, error) => {
    const failure = await failureOf(error);
    expect(failure).toBeInstanceOf(Unavailable);
    expect((failure as Unavailable).cause).toBe(error);
  });

  it.each([
    ['a connection reset mid-request', networkError('ECONNRESET')],
    ['a broken pipe', networkError('EPIPE')],
    ['a request that timed out', networkError('ETIMEDOUT', 'TimeoutError')],
  ])('says MailOutcomeUnknown (SES may have sent it) for %s', async (_label, error) => {
    expect(await failureOf(error)).toBeInstanceOf(MailOutcomeUnknown);
  });

  it.each([
    ['a missing configuration set', new ConfigurationSetDoesNotExistException({ message: 'no such set', $metadata: {} })],
    ['denied credentials', sesError('AccessDenied', 403)],
  ])("passes %s on unchanged (not the mail's fault, an operator must act)", async (_label, error) => {
    expect(await failureOf(error)).toBe(error);
  });

  it('says Unavailable when nothing listens at the endpoint (a real refused connection)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const mailer = sesMailerFromEnv({ EVENTLINE_BACKEND: 'services', EVENTLINE_SES_ENDPOINT: `http://127.0.0.1:${port}` });
    await expect(mailer.send(mail)).rejects.toBeInstanceOf(Unavailable);
    await expect(mailer.outbox!()).rejects.toBeInstanceOf(Unavailable);
  });
});

describe('EmbeddedMailer outbox', () => {
  it('keeps every recipient and the send time from its clock; clear() empties it', async () => {
    const mailer = new EmbeddedMailer(new FixedClock(new Date('2024-05-01T10:00:00Z')));
    const to = ['b@example.com', 'c@example.org'];
    const { messageId } = await mailer.send({ from: 'a@example.com', to, subject: 'S', text: 'T' });
    expect(mailer.sent()).toEqual([
      {
        from: 'a@example.com',
        to,
        subject: 'S',
        text: 'T',
        messageId,
        sentAt: new Date('2024-05-01T10:00:00Z'),
      },
    ]);
    mailer.clear();
    expect(mailer.sent()).toEqual([]);
  });
});
