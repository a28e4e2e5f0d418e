/** The mailer port in memory: nothing leaves the process; tests and `npm start` read `sent()`. */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock/clock';
import type { Mailer, OutgoingMail } from './mailer';
import { assertValidMail } from './validate-mail';

export interface SentMail extends OutgoingMail {
  readonly messageId: string;
  readonly sentAt: Date;
}

export class EmbeddedMailer implements Mailer {
  private readonly outbox: SentMail[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    assertValidMail(mail);
    const messageId = `embedded-${randomUUID()}`;
    // A copy, so later changes to the caller's object don't rewrite history.
    this.outbox.push({ ...mail, to: [...mail.to], messageId, sentAt: this.clock.now() });
    return { messageId };
  }

  /** Every mail sent so far, oldest first. */
  sent(): readonly SentMail[] {
    return [...this.outbox];
  }

  clear(): void {
    this.outbox.length = 0;
  }
}
