/**
 * Checks a mail before any adapter sends it, so the embedded mailer, the SES emulator (which
 * accepts almost anything) and real SES all refuse the same bad input, synchronously.
 */
import type { OutgoingMail } from './mailer';

/** SES accepts at most 50 recipients per message. */
export const maxRecipients = 50;

export class InvalidMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMailError';
  }
}

// Deliberately loose: one @, no spaces, a dot in the domain. SES does the strict checks.
const addressPattern = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** `a@b.c` or `Display Name <a@b.c>` (the From forms SES accepts). */
function isAddress(value: string, allowDisplayName: boolean): boolean {
  const named = allowDisplayName ? /^[^<>]*<([^<>]+)>$/.exec(value.trim()) : null;
  return addressPattern.test(named?.[1] ?? value);
}

export function assertValidMail(mail: OutgoingMail): void {
  if (!isAddress(mail.from, true)) throw new InvalidMailError('from must be an email address');
  if (mail.to.length === 0) throw new InvalidMailError('a mail needs at least one recipient');
  if (mail.to.length > maxRecipients) {
    throw new InvalidMailError(`a mail has at most ${maxRecipients} recipients`);
  }
  const invalid = mail.to.filter((address) => !isAddress(address, false));
  if (invalid.length > 0) {
    throw new InvalidMailError(`${invalid.length} recipient(s) are not email addresses`);
  }
  if (!mail.subject.trim()) throw new InvalidMailError('a mail needs a subject');
  if (!mail.text && !mail.html) throw new InvalidMailError('a mail needs a text or html body');
}
