/**
 * The mail ledger: one row per request id, the memory that makes a request mailed at most once
 * however often Kafka delivers it. Implemented over MySQL and in memory;
 * test/contract/mail-ledger.contract.test.ts holds both to the same behaviour.
 *
 * A row's life: `sending` (claimed, the send is under way) → `sent` (with SES's message id) or
 * `failed` (refused for good, with the reason) or `uncertain` (the send may have happened and
 * will not be tried again). A claim released after a send that certainly did not happen (SES
 * throttled it) removes the row, so a retry can claim it again.
 */
export type MailStatus = 'sending' | 'sent' | 'failed' | 'uncertain';

export interface LedgerEntry {
  readonly requestId: string;
  readonly template: string;
  readonly status: MailStatus;
  /** SES's message id once `sent`. */
  readonly messageId: string | null;
  /** Why it `failed` or is `uncertain`. */
  readonly reason: string | null;
  /** When the send was claimed. */
  readonly claimedAt: Date;
  readonly updatedAt: Date;
}

/**
 * What a claim found:
 * - `claimed`: nobody had it; the caller now holds it (`sending`) and sends;
 * - `settled`: it is `sent`, `failed` or `uncertain` already: do not send;
 * - `expired`: it was `sending` since before the lease: a send that was under way then may
 *   have happened before its invocation died, so this claim turned it `uncertain` (and only
 *   this one did: report it once);
 * - `in-flight`: it is `sending` within the lease: maybe still under way elsewhere; ask later.
 */
export type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'settled'; readonly entry: LedgerEntry }
  | { readonly kind: 'expired'; readonly entry: LedgerEntry }
  | { readonly kind: 'in-flight'; readonly entry: LedgerEntry };

/** How a claimed send ended. */
export type Settlement =
  | { readonly status: 'sent'; readonly messageId: string }
  | { readonly status: 'failed'; readonly reason: string }
  | { readonly status: 'uncertain'; readonly reason: string };

/** Longest reason kept (the ledger's column). */
export const MAX_REASON_LENGTH = 1000;

export interface MailLedger {
  /** Claims a request for sending at `now`; a `sending` row claimed at or before `now - leaseMs` expires. */
  claim(request: { readonly requestId: string; readonly template: string }, now: Date, leaseMs: number): Promise<Claim>;
  /**
   * Records how the send ended, if the row is `sending` or `uncertain` (a late, certain answer
   * beats "uncertain"); a `sent` or `failed` row stays as it is. Returns the row as it is then.
   * Reasons are cut to `MAX_REASON_LENGTH`.
   */
  settle(requestId: string, settlement: Settlement, now: Date): Promise<LedgerEntry>;
  /** Gives up a `sending` claim whose send certainly did not happen; any other row stays. */
  release(requestId: string): Promise<void>;
  get(requestId: string): Promise<LedgerEntry | undefined>;
}

/** The reason an expired claim is recorded with. */
export function expiredReason(claimedAt: Date): string {
  return `a send claimed at ${claimedAt.toISOString()} never recorded its end (its invocation stopped): it may have been sent, so it is not sent again`;
}

export function boundedReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1).toWellFormed()}…`;
}
