/**
 * One contract for the mailer port, run against the embedded outbox and SES as emulated by
 * aws-ses-v2-local (http://127.0.0.1:8005, `npm run services:up`), read back through its
 * GET /store endpoint.
 */
import { randomBytes } from 'node:crypto';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { FixedClock } from '../../lambdas/platform/clock/clock';
import { EmbeddedMailer } from '../../lambdas/platform/mailer/embedded-mailer';
import type { Mailer, OutgoingMail } from '../../lambdas/platform/mailer/mailer';
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
