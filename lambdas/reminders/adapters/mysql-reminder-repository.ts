import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import { withTransaction } from '../../platform/sql/transaction';
import {
  type AccountAddresses,
  boundedReason,
  type HappeningSnapshot,
  type Reminder,
  type ReminderStatus,
} from '../domain/reminder';
import {
  type Claim,
  type ClaimedReminder,
  type ListPosition,
  type MailOutcomeStatus,
  pageOf,
  type ReminderContext,
  type ReminderPage,
  type ReminderRepository,
} from '../domain/repository';

type Queryable = Pool | PoolConnection;

const REMINDER_COLUMNS =
  'r.id, r.username, r.happening_id, r.remind_at, r.email, r.status, r.version, r.starts_at_when_made, r.claimed_at, r.requested_at, r.reason, r.created_at, r.updated_at';
const HAPPENING_COLUMNS = 'h.id, h.version, h.deleted, h.title, h.starts_at, h.ends_at, h.timezone, h.place_name';

const ms = (value: unknown): number => (value as Date).getTime();
const msOrNull = (value: unknown): number | null => (value === null ? null : ms(value));

function reminderOf(row: RowDataPacket): Reminder {
  return {
    id: keyText(row.id),
    username: keyText(row.username),
    happeningId: keyText(row.happening_id),
    remindAtMs: ms(row.remind_at),
    email: keyText(row.email),
    status: row.status as ReminderStatus,
    version: Number(row.version),
    startsAtWhenMadeMs: ms(row.starts_at_when_made),
    claimedAtMs: msOrNull(row.claimed_at),
    requestedAtMs: msOrNull(row.requested_at),
    reason: row.reason === null ? null : String(row.reason),
    createdAtMs: ms(row.created_at),
    updatedAtMs: ms(row.updated_at),
  };
}

/** A happening from a row whose columns are prefixed `h_` (a join) or not. */
function happeningOf(row: RowDataPacket, prefix = ''): HappeningSnapshot {
  const at = (name: string) => row[`${prefix}${name}`];
  return {
    id: keyText(at('id')),
    version: Number(at('version')),
    deleted: Boolean(at('deleted')),
    title: String(at('title')),
    startsAtMs: ms(at('starts_at')),
    endsAtMs: ms(at('ends_at')),
    timezone: String(at('timezone')),
    placeName: String(at('place_name')),
  };
}

function accountOf(row: RowDataPacket): AccountAddresses {
  return {
    username: keyText(row.username),
    addresses: JSON.parse(String(row.addresses)) as string[],
    deletedSub: row.deleted_sub === null ? null : keyText(row.deleted_sub),
    atMs: ms(row.event_at),
  };
}

/** `?, ?, ?` for a list of values. */
const marks = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/**
 * `ReminderRepository` over `reminders`, `reminder_accounts` and `reminder_happenings`
 * (reminders migration 0001). Transactions lock rows in one order — account, happening,
 * reminders — so a create cannot slip between an account's deletion (or a happening's delete)
 * and the removal (cancellation) of its reminders; deadlocks that remain are retried by
 * `withTransaction`. Claims use FOR UPDATE SKIP LOCKED: concurrent dispatchers skip each other's
 * rows instead of waiting for them or taking them twice.
 */
export class MySqlReminderRepository implements ReminderRepository {
  constructor(private readonly pool: Pool) {}

  private async accountOn(db: Queryable, username: string, lock = ''): Promise<AccountAddresses | undefined> {
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT username, addresses, deleted_sub, event_at FROM reminder_accounts WHERE username = ? ${lock}`,
      [username],
    );
    return rows[0] ? accountOf(rows[0]) : undefined;
  }

  private async happeningOn(db: Queryable, id: string, lock = ''): Promise<HappeningSnapshot | undefined> {
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT ${HAPPENING_COLUMNS} FROM reminder_happenings h WHERE h.id = ? ${lock}`,
      [id],
    );
    return rows[0] ? happeningOf(rows[0]) : undefined;
  }

  private async context(db: PoolConnection, username: string, happeningId: string): Promise<ReminderContext> {
    // The account row is locked exclusively: one account's creates take turns (so the bound on
    // scheduled reminders holds) and an account deletion waits for them, or they for it.
    const account = await this.accountOn(db, username, 'FOR UPDATE');
    const happening = await this.happeningOn(db, happeningId, 'LOCK IN SHARE MODE');
    const [[count]] = await db.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM reminders WHERE username = ? AND status = 'scheduled'`,
      [username],
    );
    return { account, happening, scheduledCount: Number(count?.n ?? 0) };
  }

  async create(username: string, happeningId: string, build: (context: ReminderContext) => Reminder): Promise<Reminder> {
    return withTransaction(this.pool, async (db) => {
      const reminder = build(await this.context(db, username, happeningId));
      await db.query(
        `INSERT INTO reminders (id, username, happening_id, remind_at, email, status, version, starts_at_when_made,
           claimed_at, requested_at, reason, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          reminder.id,
          reminder.username,
          reminder.happeningId,
          new Date(reminder.remindAtMs),
          reminder.email,
          reminder.status,
          reminder.version,
          new Date(reminder.startsAtWhenMadeMs),
          reminder.claimedAtMs === null ? null : new Date(reminder.claimedAtMs),
          reminder.requestedAtMs === null ? null : new Date(reminder.requestedAtMs),
          reminder.reason,
          new Date(reminder.createdAtMs),
          new Date(reminder.updatedAtMs),
        ],
      );
      return reminder;
    });
  }

  private async reminderOn(db: Queryable, username: string, id: string, lock = ''): Promise<Reminder | undefined> {
    const [rows] = await db.query<RowDataPacket[]>(
      `SELECT ${REMINDER_COLUMNS} FROM reminders r WHERE r.id = ? AND r.username = ? ${lock}`,
      [id, username],
    );
    return rows[0] ? reminderOf(rows[0]) : undefined;
  }

  async get(username: string, id: string): Promise<Reminder | undefined> {
    return this.reminderOn(this.pool, username, id);
  }

  async list(username: string, limit: number, after?: ListPosition): Promise<ReminderPage> {
    const [rows] = after
      ? await this.pool.query<RowDataPacket[]>(
          `SELECT ${REMINDER_COLUMNS} FROM reminders r
           WHERE r.username = ? AND (r.remind_at > ? OR (r.remind_at = ? AND r.id > ?))
           ORDER BY r.remind_at, r.id LIMIT ?`,
          [username, new Date(after.remindAtMs), new Date(after.remindAtMs), after.id, limit + 1],
        )
      : await this.pool.query<RowDataPacket[]>(
          `SELECT ${REMINDER_COLUMNS} FROM reminders r WHERE r.username = ? ORDER BY r.remind_at, r.id LIMIT ?`,
          [username, limit + 1],
        );
    return pageOf(rows.map(reminderOf), limit);
  }

  async update(
    username: string,
    id: string,
    change: (current: Reminder, context: ReminderContext) => Reminder,
  ): Promise<Reminder | undefined> {
    // The happening of a reminder never changes: read it first, then lock in the one order.
    const seen = await this.reminderOn(this.pool, username, id);
    if (!seen) return undefined;
    return withTransaction(this.pool, async (db) => {
      const context = await this.context(db, username, seen.happeningId);
      const current = await this.reminderOn(db, username, id, 'FOR UPDATE');
      if (!current) return undefined;
      const next = change(current, context);
      await db.query(`UPDATE reminders SET remind_at = ?, email = ?, version = ?, updated_at = ? WHERE id = ?`, [
        new Date(next.remindAtMs),
        next.email,
        next.version,
        new Date(next.updatedAtMs),
        id,
      ]);
      return next;
    });
  }

  async delete(username: string, id: string): Promise<boolean> {
    const [result] = await this.pool.query<ResultSetHeader>('DELETE FROM reminders WHERE id = ? AND username = ?', [
      id,
      username,
    ]);
    return result.affectedRows > 0;
  }

  /** The account row locked, and whether an event at `atMs` is as new as the one applied. */
  private async accountForEvent(db: PoolConnection, username: string, atMs: number) {
    const kept = await this.accountOn(db, username, 'FOR UPDATE');
    return { kept, newer: !kept || kept.atMs <= atMs };
  }

  private async putAccount(
    db: PoolConnection,
    username: string,
    addresses: readonly string[],
    deletedSub: string | null,
    atMs: number,
  ) {
    await db.query(
      `INSERT INTO reminder_accounts (username, addresses, deleted_sub, event_at) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE addresses = VALUES(addresses), deleted_sub = VALUES(deleted_sub), event_at = VALUES(event_at)`,
      [username, JSON.stringify(addresses), deletedSub, new Date(atMs)],
    );
  }

  async applyAddresses(username: string, addresses: readonly string[], atMs: number) {
    return withTransaction(this.pool, async (db) => {
      const { kept, newer } = await this.accountForEvent(db, username, atMs);
      if (!newer) return { applied: false, retargeted: 0 };
      await this.putAccount(db, username, addresses, kept?.deletedSub ?? null, atMs);
      const primary = addresses[0];
      if (primary === undefined) return { applied: true, retargeted: 0 };
      const [result] = await db.query<ResultSetHeader>(
        `UPDATE reminders SET email = ?, version = version + 1, updated_at = ?
         WHERE username = ? AND status = 'scheduled' AND email NOT IN (${marks(addresses)})`,
        [primary, new Date(atMs), username, ...addresses],
      );
      return { applied: true, retargeted: result.affectedRows };
    });
  }

  async applyAccountDeleted(username: string, sub: string, atMs: number) {
    return withTransaction(this.pool, async (db) => {
      const { newer } = await this.accountForEvent(db, username, atMs);
      if (!newer) return { applied: false, removed: 0 };
      await this.putAccount(db, username, [], sub, atMs);
      const [result] = await db.query<ResultSetHeader>('DELETE FROM reminders WHERE username = ?', [username]);
      return { applied: true, removed: result.affectedRows };
    });
  }

  async account(username: string): Promise<AccountAddresses | undefined> {
    return this.accountOn(this.pool, username);
  }

  async applyHappening(snapshot: HappeningSnapshot, atMs: number) {
    return withTransaction(this.pool, async (db) => {
      const kept = await this.happeningOn(db, snapshot.id, 'FOR UPDATE');
      if (kept && kept.version >= snapshot.version) return { applied: false, cancelled: 0 };
      await db.query(
        `INSERT INTO reminder_happenings (id, version, deleted, title, starts_at, ends_at, timezone, place_name, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE version = VALUES(version), deleted = VALUES(deleted), title = VALUES(title),
           starts_at = VALUES(starts_at), ends_at = VALUES(ends_at), timezone = VALUES(timezone),
           place_name = VALUES(place_name), updated_at = VALUES(updated_at)`,
        [
          snapshot.id,
          snapshot.version,
          snapshot.deleted,
          snapshot.title,
          new Date(snapshot.startsAtMs),
          new Date(snapshot.endsAtMs),
          snapshot.timezone,
          snapshot.placeName,
          new Date(atMs),
        ],
      );
      if (!snapshot.deleted) return { applied: true, cancelled: 0 };
      const [result] = await db.query<ResultSetHeader>(
        `UPDATE reminders SET status = 'cancelled', reason = 'the happening was deleted', updated_at = ?
         WHERE happening_id = ? AND status = 'scheduled'`,
        [new Date(atMs), snapshot.id],
      );
      return { applied: true, cancelled: result.affectedRows };
    });
  }

  async happening(id: string): Promise<HappeningSnapshot | undefined> {
    return this.happeningOn(this.pool, id);
  }

  async claimDue(nowMs: number, leaseMs: number, limit: number): Promise<Claim> {
    const now = new Date(nowMs);
    const reminders = await withTransaction(this.pool, async (db): Promise<ClaimedReminder[]> => {
      const [due] = await db.query<RowDataPacket[]>(
        `SELECT id FROM reminders WHERE status = 'scheduled' AND remind_at <= ?
         ORDER BY remind_at LIMIT ? FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      const ids = due.map((row) => keyText(row.id));
      if (ids.length < limit) {
        const [stale] = await db.query<RowDataPacket[]>(
          `SELECT id FROM reminders WHERE status = 'dispatching' AND claimed_at <= ?
           ORDER BY claimed_at LIMIT ? FOR UPDATE SKIP LOCKED`,
          [new Date(nowMs - leaseMs), limit - ids.length],
        );
        ids.push(...stale.map((row) => keyText(row.id)));
      }
      if (ids.length === 0) return [];
      await db.query(`UPDATE reminders SET status = 'dispatching', claimed_at = ?, updated_at = ? WHERE id IN (${marks(ids)})`, [
        now,
        now,
        ...ids,
      ]);
      // The happenings as known now (a plain read: their projection is not held up by a claim).
      const [rows] = await db.query<RowDataPacket[]>(
        `SELECT ${REMINDER_COLUMNS}, h.id AS h_id, h.version AS h_version, h.deleted AS h_deleted, h.title AS h_title,
           h.starts_at AS h_starts_at, h.ends_at AS h_ends_at, h.timezone AS h_timezone, h.place_name AS h_place_name
         FROM reminders r LEFT JOIN reminder_happenings h ON h.id = r.happening_id
         WHERE r.id IN (${marks(ids)}) ORDER BY r.remind_at, r.id`,
        ids,
      );
      return rows.map((row) => ({
        reminder: reminderOf(row),
        happening: row.h_id === null ? undefined : happeningOf(row, 'h_'),
      }));
    });
    return { claimedAtMs: nowMs, reminders };
  }

  async nextDueAt(): Promise<number | undefined> {
    const [[row]] = await this.pool.query<RowDataPacket[]>(
      `SELECT MIN(remind_at) AS next FROM reminders WHERE status = 'scheduled'`,
    );
    return row?.next ? ms(row.next) : undefined;
  }

  async markRequested(ids: readonly string[], claimedAtMs: number, atMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `UPDATE reminders SET status = IF(status = 'dispatching', 'requested', status), requested_at = ?, updated_at = ?
       WHERE id IN (${marks(ids)}) AND claimed_at = ?`,
      [new Date(atMs), new Date(atMs), ...ids, new Date(claimedAtMs)],
    );
  }

  async release(ids: readonly string[], claimedAtMs: number, atMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `UPDATE reminders SET status = 'scheduled', claimed_at = NULL, updated_at = ?
       WHERE id IN (${marks(ids)}) AND claimed_at = ? AND status = 'dispatching'`,
      [new Date(atMs), ...ids, new Date(claimedAtMs)],
    );
  }

  async settleClaimed(
    ids: readonly string[],
    claimedAtMs: number,
    status: 'failed' | 'cancelled',
    reason: string,
    atMs: number,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `UPDATE reminders SET status = ?, reason = ?, updated_at = ?
       WHERE id IN (${marks(ids)}) AND claimed_at = ? AND status = 'dispatching'`,
      [status, boundedReason(reason), new Date(atMs), ...ids, new Date(claimedAtMs)],
    );
  }

  async recordOutcome(
    id: string,
    version: number,
    status: MailOutcomeStatus,
    reason: string | null,
    atMs: number,
  ): Promise<boolean> {
    const from = status === 'uncertain' ? `'dispatching', 'requested'` : `'dispatching', 'requested', 'uncertain'`;
    const [result] = await this.pool.query<ResultSetHeader>(
      `UPDATE reminders SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND version = ? AND status IN (${from})`,
      [status, status === 'sent' || reason === null ? null : boundedReason(reason), new Date(atMs), id, version],
    );
    return result.affectedRows > 0;
  }
}
