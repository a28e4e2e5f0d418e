/**
 * Sending a requested mail at most once (docs/ARCHITECTURE.md, "Mail is sent at most once"):
 * claim the request id in the ledger, send, record how it ended. A request whose id is already
 * settled is not sent again; a claim left `sending` past the lease (its invocation died, maybe
 * after SES took the mail) turns `uncertain` and is not sent again either.
 */
import type { Clock } from '../../platform/clock/clock';
import { type Mailer, MailOutcomeUnknown, MailRejected } from '../../platform/mailer/mailer';
import { InvalidMailError } from '../../platform/mailer/validate-mail';
import type { LedgerEntry, MailLedger } from './mail-ledger';
import type { MailOutcome, MailRequest } from './mail-request';
import { renderMail } from './templates';

export interface MailSender {
  readonly ledger: MailLedger;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** The From address of every mail. */
  readonly from: string;
  /** How long a claim may stay `sending` before it is taken for a send whose invocation died. */
  readonly leaseMs: number;
}

/**
 * What became of one request in this delivery. `first` says whether this delivery settled it
 * (false when an earlier delivery had: a duplicate). `in-flight`: claimed by a send that may still
 * be under way, ask again later. `not-sent`: certainly not sent now (e.g. SES throttled it), the
 * claim is given back and a retry will send it.
 */
export type SendResult =
  | { readonly kind: 'sent'; readonly messageId: string; readonly first: boolean; readonly latencyMs?: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly first: boolean }
  | { readonly kind: 'uncertain'; readonly reason: string; readonly first: boolean }
  | { readonly kind: 'in-flight' }
  | { readonly kind: 'not-sent'; readonly error: unknown };

function resultOf(entry: LedgerEntry, first: boolean, latencyMs?: number): SendResult {
  switch (entry.status) {
    case 'sent':
      return { kind: 'sent', messageId: entry.messageId ?? '', first, ...(latencyMs === undefined ? {} : { latencyMs }) };
    case 'failed':
      return { kind: 'failed', reason: entry.reason ?? '', first };
    case 'uncertain':
      return { kind: 'uncertain', reason: entry.reason ?? '', first };
    case 'sending':
      return { kind: 'in-flight' };
  }
}

/** Sends one request unless its id was sent, refused or left uncertain before. */
export async function sendOnce(request: MailRequest, sender: MailSender): Promise<SendResult> {
  const { ledger, clock } = sender;
  const mail = renderMail(request);
  const claim = await ledger.claim(request, clock.now(), sender.leaseMs);
  if (claim.kind === 'settled') return resultOf(claim.entry, false);
  if (claim.kind === 'expired') return resultOf(claim.entry, true);
  if (claim.kind === 'in-flight') return { kind: 'in-flight' };

  const started = performance.now();
  let messageId: string;
  try {
    ({ messageId } = await sender.mailer.send({ from: sender.from, to: [request.to], ...mail }));
  } catch (error) {
    if (error instanceof MailRejected || error instanceof InvalidMailError) {
      return resultOf(await ledger.settle(request.requestId, { status: 'failed', reason: error.message }, clock.now()), true);
    }
    if (error instanceof MailOutcomeUnknown) {
      return resultOf(await ledger.settle(request.requestId, { status: 'uncertain', reason: error.message }, clock.now()), true);
    }
    // Certainly not sent: give the claim back so a retry sends it. Should even that fail, the
    // claim expires into `uncertain` later: never sent twice, at worst not sent.
    await ledger.release(request.requestId).catch(() => undefined);
    return { kind: 'not-sent', error };
  }
  const latencyMs = Math.round(performance.now() - started);
  // If recording fails the batch is retried and finds the claim: it expires into `uncertain`,
  // and the mail, which did go out, is not sent a second time.
  return resultOf(await ledger.settle(request.requestId, { status: 'sent', messageId }, clock.now()), true, latencyMs);
}

/** The outcome published for a settled request (none for `in-flight` or `not-sent`). */
export function outcomeOf(request: MailRequest, result: SendResult): MailOutcome | undefined {
  const base = { requestId: request.requestId, ...(request.ref ? { ref: request.ref } : {}) };
  switch (result.kind) {
    case 'sent':
      return { ...base, status: 'sent', messageId: result.messageId };
    case 'failed':
      return { ...base, status: 'failed', reason: result.reason };
    case 'uncertain':
      return { ...base, status: 'uncertain', reason: result.reason };
    default:
      return undefined;
  }
}
