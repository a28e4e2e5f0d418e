import { type AccountAddresses, boundedReason, type HappeningSnapshot, type Reminder } from '../domain/reminder';
import {
  type Claim,
  type ListPosition,
  type MailOutcomeStatus,
  pageOf,
  type ReminderContext,
  type ReminderPage,
  type ReminderRepository,
} from '../domain/repository';

const byListOrder = (a: Reminder, b: Reminder) => a.remindAtMs - b.remindAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The embedded backend's reminders store (the same contract as MySQL). Every method does its
 * reads and writes without awaiting in between, so on one event loop each is atomic: two claims
 * never take the same reminder, as with MySQL's row locks.
 */
export class InMemoryReminderRepository implements ReminderRepository {
  private readonly reminders = new Map<string, Reminder>();
  private readonly accounts = new Map<string, AccountAddresses>();
  private readonly happenings = new Map<string, HappeningSnapshot>();

  private scheduledOf(username: string): number {
    let count = 0;
    for (const r of this.reminders.values()) if (r.username === username && r.status === 'scheduled') count++;
    return count;
  }

  private context(username: string, happeningId: string): ReminderContext {
    return {
      account: this.accounts.get(username),
      happening: this.happenings.get(happeningId),
      scheduledCount: this.scheduledOf(username),
    };
  }

  private owned(username: string, id: string): Reminder | undefined {
    const reminder = this.reminders.get(id);
    return reminder?.username === username ? reminder : undefined;
  }

  async create(username: string, happeningId: string, build: (context: ReminderContext) => Reminder): Promise<Reminder> {
    const reminder = build(this.context(username, happeningId));
    if (this.reminders.has(reminder.id)) throw new Error(`reminder ${reminder.id} exists`);
    this.reminders.set(reminder.id, reminder);
    return reminder;
  }

  async get(username: string, id: string): Promise<Reminder | undefined> {
    return this.owned(username, id);
  }

  async list(username: string, limit: number, after?: ListPosition): Promise<ReminderPage> {
    const mine = [...this.reminders.values()]
      .filter((r) => r.username === username)
      .filter((r) => !after || r.remindAtMs > after.remindAtMs || (r.remindAtMs === after.remindAtMs && r.id > after.id))
      .sort(byListOrder);
    return pageOf(mine, limit);
  }

  async update(
    username: string,
    id: string,
    change: (current: Reminder, context: ReminderContext) => Reminder,
  ): Promise<Reminder | undefined> {
    const current = this.owned(username, id);
    if (!current) return undefined;
    const next = change(current, this.context(username, current.happeningId));
    this.reminders.set(id, next);
    return next;
  }

  async delete(username: string, id: string): Promise<boolean> {
    if (!this.owned(username, id)) return false;
    return this.reminders.delete(id);
  }

  async applyAddresses(username: string, addresses: readonly string[], atMs: number) {
    const kept = this.accounts.get(username);
    if (kept && kept.atMs > atMs) return { applied: false, retargeted: 0 };
    this.accounts.set(username, { username, addresses: [...addresses], deletedSub: kept?.deletedSub ?? null, atMs });
    let retargeted = 0;
    const primary = addresses[0];
    if (primary !== undefined) {
      for (const r of this.reminders.values()) {
        if (r.username !== username || r.status !== 'scheduled' || addresses.includes(r.email)) continue;
        this.reminders.set(r.id, { ...r, email: primary, version: r.version + 1, updatedAtMs: atMs });
        retargeted++;
      }
    }
    return { applied: true, retargeted };
  }

  async applyAccountDeleted(username: string, sub: string, atMs: number) {
    const kept = this.accounts.get(username);
    if (kept && kept.atMs > atMs) return { applied: false, removed: 0 };
    this.accounts.set(username, { username, addresses: [], deletedSub: sub, atMs });
    let removed = 0;
    for (const r of [...this.reminders.values()]) {
      if (r.username === username && this.reminders.delete(r.id)) removed++;
    }
    return { applied: true, removed };
  }

  async account(username: string): Promise<AccountAddresses | undefined> {
    return this.accounts.get(username);
  }

  async applyHappening(snapshot: HappeningSnapshot, atMs: number) {
    const kept = this.happenings.get(snapshot.id);
    if (kept && kept.version >= snapshot.version) return { applied: false, cancelled: 0 };
    this.happenings.set(snapshot.id, { ...snapshot });
    let cancelled = 0;
    if (snapshot.deleted) {
      for (const r of this.reminders.values()) {
        if (r.happeningId !== snapshot.id || r.status !== 'scheduled') continue;
        this.reminders.set(r.id, { ...r, status: 'cancelled', reason: 'the happening was deleted', updatedAtMs: atMs });
        cancelled++;
      }
    }
    return { applied: true, cancelled };
  }

  async happening(id: string): Promise<HappeningSnapshot | undefined> {
    return this.happenings.get(id);
  }

  async claimDue(nowMs: number, leaseMs: number, limit: number): Promise<Claim> {
    const due = [...this.reminders.values()]
      .filter((r) => r.status === 'scheduled' && r.remindAtMs <= nowMs)
      .sort((a, b) => a.remindAtMs - b.remindAtMs || (a.id < b.id ? -1 : 1));
    const stale = [...this.reminders.values()]
      .filter((r) => r.status === 'dispatching' && r.claimedAtMs !== null && r.claimedAtMs <= nowMs - leaseMs)
      .sort((a, b) => (a.claimedAtMs ?? 0) - (b.claimedAtMs ?? 0) || (a.id < b.id ? -1 : 1));
    const taken = [...due.slice(0, limit), ...stale.slice(0, Math.max(0, limit - due.length))];
    const reminders = taken.map((r) => {
      const claimed: Reminder = { ...r, status: 'dispatching', claimedAtMs: nowMs, updatedAtMs: nowMs };
      this.reminders.set(r.id, claimed);
      return { reminder: claimed, happening: this.happenings.get(r.happeningId) };
    });
    return { claimedAtMs: nowMs, reminders };
  }

  async nextDueAt(): Promise<number | undefined> {
    let next: number | undefined;
    for (const r of this.reminders.values()) {
      if (r.status === 'scheduled' && (next === undefined || r.remindAtMs < next)) next = r.remindAtMs;
    }
    return next;
  }

  /** Each claimed reminder still held by this claim. */
  private held(ids: readonly string[], claimedAtMs: number): Reminder[] {
    return ids.flatMap((id) => {
      const r = this.reminders.get(id);
      return r && r.claimedAtMs === claimedAtMs ? [r] : [];
    });
  }

  async markRequested(ids: readonly string[], claimedAtMs: number, atMs: number): Promise<void> {
    for (const r of this.held(ids, claimedAtMs)) {
      this.reminders.set(r.id, {
        ...r,
        status: r.status === 'dispatching' ? 'requested' : r.status,
        requestedAtMs: atMs,
        updatedAtMs: atMs,
      });
    }
  }

  async release(ids: readonly string[], claimedAtMs: number, atMs: number): Promise<void> {
    for (const r of this.held(ids, claimedAtMs)) {
      if (r.status !== 'dispatching') continue;
      this.reminders.set(r.id, { ...r, status: 'scheduled', claimedAtMs: null, updatedAtMs: atMs });
    }
  }

  async settleClaimed(
    ids: readonly string[],
    claimedAtMs: number,
    status: 'failed' | 'cancelled',
    reason: string,
    atMs: number,
  ): Promise<void> {
    for (const r of this.held(ids, claimedAtMs)) {
      if (r.status !== 'dispatching') continue;
      this.reminders.set(r.id, { ...r, status, reason: boundedReason(reason), updatedAtMs: atMs });
    }
  }

  async recordOutcome(
    id: string,
    version: number,
    status: MailOutcomeStatus,
    reason: string | null,
    atMs: number,
  ): Promise<boolean> {
    const r = this.reminders.get(id);
    if (!r || r.version !== version) return false;
    const from: readonly string[] =
      status === 'uncertain' ? ['dispatching', 'requested'] : ['dispatching', 'requested', 'uncertain'];
    if (!from.includes(r.status)) return false;
    this.reminders.set(id, {
      ...r,
      status,
      reason: status === 'sent' || reason === null ? null : boundedReason(reason),
      updatedAtMs: atMs,
    });
    return true;
  }
}
