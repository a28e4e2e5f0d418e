export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** One mail as a local outbox shows it (`GET /__local/outbox`). */
export interface OutboxEntry {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  /** ISO 8601. */
  readonly sentAt: string;
}

/**
 * Sends one email and returns the provider's message id. How a send that did not succeed
 * rejects says whether the mail went out:
 * - `MailRejected` (or `InvalidMailError`, refused before sending): refused for good, not sent;
 *   sending it again would be refused again;
 * - the platform's `Unavailable`: not sent now (throttled, the service down or unreachable); a
 *   later try may work;
 * - `MailOutcomeUnknown`: the request may have reached the provider (the connection broke or
 *   timed out after it was written): the mail may have been sent;
 * - anything else: a definite refusal that is not the mail's fault (credentials, a missing
 *   configuration set, a paused account): not sent; an operator must act.
 * Adapters never retry a send themselves: only the caller knows whether resending is safe.
 */
export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  /** Local adapters only: every mail sent so far, oldest first. */
  outbox?(): Promise<OutboxEntry[]>;
}

/** The provider refused this mail for good (e.g. SES `MessageRejected`, an invalid address). */
export class MailRejected extends Error {
  constructor(
    message: string,
    /** The provider's error code, e.g. `MessageRejected`. */
    readonly code: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailRejected';
  }
}

/** The send may or may not have reached the provider: resending could mail twice. */
export class MailOutcomeUnknown extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailOutcomeUnknown';
  }
}
