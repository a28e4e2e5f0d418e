import {
  boundedReason,
  type Claim,
  expiredReason,
  type LedgerEntry,
  type MailLedger,
  type Settlement,
} from '../domain/mail-ledger';

/** The embedded `MailLedger` behind `npm start` (request ids compared as JS strings, like the VARBINARY column). */
export class InMemoryMailLedger implements MailLedger {
  private readonly rows = new Map<string, LedgerEntry>();

  async claim(request: { requestId: string; template: string }, now: Date, leaseMs: number): Promise<Claim> {
    const entry = this.rows.get(request.requestId);
    if (!entry) {
      this.rows.set(request.requestId, {
        requestId: request.requestId,
        template: request.template,
        status: 'sending',
        messageId: null,
        reason: null,
        claimedAt: new Date(now),
        updatedAt: new Date(now),
      });
      return { kind: 'claimed' };
    }
    if (entry.status !== 'sending') return { kind: 'settled', entry };
    if (entry.claimedAt.getTime() > now.getTime() - leaseMs) return { kind: 'in-flight', entry };
    const expired: LedgerEntry = {
      ...entry,
      status: 'uncertain',
      reason: expiredReason(entry.claimedAt),
      updatedAt: new Date(now),
    };
    this.rows.set(request.requestId, expired);
    return { kind: 'expired', entry: expired };
  }

  async settle(requestId: string, settlement: Settlement, now: Date): Promise<LedgerEntry> {
    const entry = this.rows.get(requestId);
    if (!entry) throw new Error(`no mail ledger row for request ${requestId}`);
    if (entry.status !== 'sending' && entry.status !== 'uncertain') return entry;
    const settled: LedgerEntry = {
      ...entry,
      status: settlement.status,
      messageId: settlement.status === 'sent' ? settlement.messageId : null,
      reason: settlement.status === 'sent' ? null : boundedReason(settlement.reason),
      updatedAt: new Date(now),
    };
    this.rows.set(requestId, settled);
    return settled;
  }

  async release(requestId: string): Promise<void> {
    if (this.rows.get(requestId)?.status === 'sending') this.rows.delete(requestId);
  }

  async get(requestId: string): Promise<LedgerEntry | undefined> {
    return this.rows.get(requestId);
  }
}
