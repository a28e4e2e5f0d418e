export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** Sends one email and returns the provider's message id; rejects if it was not accepted. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}
