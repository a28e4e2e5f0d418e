import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import {
  boundedReason,
  type Claim,
  expiredReason,
  type LedgerEntry,
  type MailLedger,
  type MailStatus,
  type Settlement,
} from '../domain/mail-ledger';

const COLUMNS = 'request_id, template, status, ses_message_id, reason, claimed_at, updated_at';

function entryOf(row: RowDataPacket): LedgerEntry {
  return {
    requestId: keyText(row.request_id),
    template: String(row.template),
    status: row.status as MailStatus,
    messageId: row.ses_message_id === null ? null : String(row.ses_message_id),
    reason: row.reason === null ? null : String(row.reason),
    claimedAt: new Date(row.claimed_at),
    updatedAt: new Date(row.updated_at),
  };
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown } | null)?.code === 'ER_DUP_ENTRY';

/**
 * `MailLedger` over the `mail_ledger` table (mail migration 0001). Every transition is one
 * statement guarded by the status it leaves, so two invocations racing on one request id cannot
 * both claim it, and only one of them turns an expired claim `uncertain`.
 */
export class MySqlMailLedger implements MailLedger {
  constructor(private readonly pool: Pool) {}

  async claim(request: { requestId: string; template: string }, now: Date, leaseMs: number): Promise<Claim> {
    // A claim released between our insert and our read lets the row vanish: claim again.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.pool.query(
          `INSERT INTO mail_ledger (request_id, template, status, claimed_at, updated_at) VALUES (?, ?, 'sending', ?, ?)`,
          [request.requestId, request.template, now, now],
        );
        return { kind: 'claimed' };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const entry = await this.get(request.requestId);
      if (!entry) continue;
      if (entry.status !== 'sending') return { kind: 'settled', entry };
      if (entry.claimedAt.getTime() > now.getTime() - leaseMs) return { kind: 'in-flight', entry };
      const [result] = await this.pool.query<ResultSetHeader>(
        `UPDATE mail_ledger SET status = 'uncertain', reason = ?, updated_at = ?
         WHERE request_id = ? AND status = 'sending' AND claimed_at = ?`,
        [expiredReason(entry.claimedAt), now, request.requestId, entry.claimedAt],
      );
      const after = await this.get(request.requestId);
      if (!after) continue;
      if (result.affectedRows === 1) return { kind: 'expired', entry: after };
      return after.status === 'sending' ? { kind: 'in-flight', entry: after } : { kind: 'settled', entry: after };
    }
    throw new Error(`could not claim mail request ${request.requestId}: its claim kept being released`);
  }

  async settle(requestId: string, settlement: Settlement, now: Date): Promise<LedgerEntry> {
    await this.pool.query(
      `UPDATE mail_ledger SET status = ?, ses_message_id = ?, reason = ?, updated_at = ?
       WHERE request_id = ? AND status IN ('sending', 'uncertain')`,
      [
        settlement.status,
        settlement.status === 'sent' ? settlement.messageId : null,
        settlement.status === 'sent' ? null : boundedReason(settlement.reason),
        now,
        requestId,
      ],
    );
    const entry = await this.get(requestId);
    if (!entry) throw new Error(`no mail ledger row for request ${requestId}`);
    return entry;
  }

  async release(requestId: string): Promise<void> {
    await this.pool.query(`DELETE FROM mail_ledger WHERE request_id = ? AND status = 'sending'`, [requestId]);
  }

  async get(requestId: string): Promise<LedgerEntry | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM mail_ledger WHERE request_id = ?`, [requestId]);
    return rows[0] ? entryOf(rows[0]) : undefined;
  }
}
