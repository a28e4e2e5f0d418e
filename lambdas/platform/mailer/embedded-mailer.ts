/** The mailer port in memory: nothing leaves the process; tests and `npm start` read `sent()`. */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock/clock';
import type { Mailer, OutboxEntry, OutgoingMail } from './mailer';
import { assertValidMail } from './validate-mail';

export interface SentMail extends OutgoingMail {
  readonly messageId: string;
  readonly sentAt: Date;
}

export class EmbeddedMailer implements Mailer {
  private readonly mails: SentMail[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    assertValidMail(mail);
    const messageId = `embedded-${randomUUID()}`;
    // A copy, so later changes to the caller's object don't rewrite history.
    this.mails.push({ ...mail, to: [...mail.to], messageId, sentAt: this.clock.now() });
    return { messageId };
  }

  /** Every mail sent so far, oldest first. */
  sent(): readonly SentMail[] {
    return [...this.mails];
  }

  /** The outbox as `GET /__local/outbox` shows it. */
  async outbox(): Promise<OutboxEntry[]> {
    return this.mails.map((mail) => ({
      messageId: mail.messageId,
      from: mail.from,
      to: [...mail.to],
      subject: mail.subject,
      text: mail.text,
      html: mail.html ?? null,
      sentAt: mail.sentAt.toISOString(),
    }));
  }

  clear(): void {
    this.mails.length = 0;
  }
}
