/**
 * The reminders store: the reminders themselves (the source of truth) and the two projections
 * the capability keeps of other capabilities' events (the accounts' addresses, the happenings'
 * titles and times). MySQL in AWS and with the local services, in memory for the embedded
 * backend; test/contract/reminders-repository.contract.test.ts holds both to one behaviour.
 *
 * Every method that reads and then writes does so in one transaction (MySQL: with row locks, in
 * the one order account → happening → reminders), so a reminder is never created for an account
 * whose deletion, or a happening whose delete, was applied meanwhile.
 */
import type { AccountAddresses, HappeningSnapshot, Reminder } from './reminder';

/** What `create` and `update` decide with, read in their transaction. */
export interface ReminderContext {
  readonly account: AccountAddresses | undefined;
  readonly happening: HappeningSnapshot | undefined;
  /** The account's reminders waiting now (`scheduled`), the one being changed included. */
  readonly scheduledCount: number;
}

/** Where a page of the owner's reminders ended (the order is remindAt, then id). */
export interface ListPosition {
  readonly remindAtMs: number;
  readonly id: string;
}

export interface ReminderPage {
  readonly items: readonly Reminder[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: ListPosition;
}

/** A page of at most `limit` from `found` (read one past the limit, in list order), with where the next starts. */
export function pageOf(found: readonly Reminder[], limit: number): ReminderPage {
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  return found.length > limit && last ? { items, next: { remindAtMs: last.remindAtMs, id: last.id } } : { items };
}

/** A reminder a dispatcher run holds (`dispatching`, claimed at `claimedAtMs`) and its happening as known now. */
export interface ClaimedReminder {
  readonly reminder: Reminder;
  readonly happening: HappeningSnapshot | undefined;
}

/** The claims of one `claimDue`: one claim time for all of them. */
export interface Claim {
  readonly claimedAtMs: number;
  readonly reminders: readonly ClaimedReminder[];
}

export type MailOutcomeStatus = 'sent' | 'failed' | 'uncertain';

export interface ReminderRepository {
  // --- the owner's reminders -------------------------------------------------------------------

  /**
   * Reads the owner's account and the happening (locked against their projections' writes) and
   * the count of the owner's scheduled reminders, lets `build` decide (it may throw a domain
   * error; nothing is written then) and stores the reminder it returns.
   */
  create(username: string, happeningId: string, build: (context: ReminderContext) => Reminder): Promise<Reminder>;
  /** The owner's reminder `id`; undefined when there is none or it is someone else's. */
  get(username: string, id: string): Promise<Reminder | undefined>;
  /** The owner's reminders by remindAt, then id, after `after`. */
  list(username: string, limit: number, after?: ListPosition): Promise<ReminderPage>;
  /**
   * Reads the owner's reminder `id` locked, with the context, lets `change` compute the next
   * state (it may throw) and stores it. Undefined when there is none or it is someone else's.
   */
  update(
    username: string,
    id: string,
    change: (current: Reminder, context: ReminderContext) => Reminder,
  ): Promise<Reminder | undefined>;
  /** Removes the owner's reminder `id`, whatever its status; false when there is none or it is someone else's. */
  delete(username: string, id: string): Promise<boolean>;

  // --- projections -----------------------------------------------------------------------------

  /**
   * The account's addresses as of `atMs` (primary first), unless a newer event was applied.
   * Scheduled reminders whose address is no longer the account's are retargeted to the primary
   * (one version on): a mail never goes to an address the account gave up.
   */
  applyAddresses(
    username: string,
    addresses: readonly string[],
    atMs: number,
  ): Promise<{ readonly applied: boolean; readonly retargeted: number }>;
  /**
   * The account was deleted at `atMs`: its reminders and addresses are removed, its `sub`
   * remembered (unless a newer event was applied).
   */
  applyAccountDeleted(
    username: string,
    sub: string,
    atMs: number,
  ): Promise<{ readonly applied: boolean; readonly removed: number }>;
  account(username: string): Promise<AccountAddresses | undefined>;
  /**
   * Keeps the snapshot if it is newer (by version) than the one kept; a deleted happening
   * cancels its scheduled reminders.
   */
  applyHappening(snapshot: HappeningSnapshot, atMs: number): Promise<{ readonly applied: boolean; readonly cancelled: number }>;
  happening(id: string): Promise<HappeningSnapshot | undefined>;

  // --- dispatch --------------------------------------------------------------------------------

  /**
   * Claims at most `limit` reminders due at `nowMs` — `scheduled` with remindAt <= now, oldest
   * first, and `dispatching` ones claimed at or before `nowMs - leaseMs` (their run died) — and
   * marks them `dispatching`, claimed at `nowMs`. Concurrent claims never take the same reminder
   * (MySQL: SELECT … FOR UPDATE SKIP LOCKED).
   */
  claimDue(nowMs: number, leaseMs: number, limit: number): Promise<Claim>;
  /** The earliest remindAt of a scheduled reminder, if any. */
  nextDueAt(): Promise<number | undefined>;
  /** The claimed reminders' mails are requested: `requested` at `atMs` (unless claimed anew or settled since). */
  markRequested(ids: readonly string[], claimedAtMs: number, atMs: number): Promise<void>;
  /** Gives claims back (`scheduled` again): their mail was certainly not requested. */
  release(ids: readonly string[], claimedAtMs: number, atMs: number): Promise<void>;
  /** Ends claimed reminders without a mail: `failed` (the request was refused) or `cancelled` (the happening is gone). */
  settleClaimed(
    ids: readonly string[],
    claimedAtMs: number,
    status: 'failed' | 'cancelled',
    reason: string,
    atMs: number,
  ): Promise<void>;
  /**
   * What became of the mail of reminder `id` at `version`: `sent` and `failed` are final (a late
   * certain answer replaces `uncertain`), `uncertain` only replaces `dispatching`/`requested`.
   * False when nothing changed (another version, a final status, no such reminder).
   */
  recordOutcome(id: string, version: number, status: MailOutcomeStatus, reason: string | null, atMs: number): Promise<boolean>;
}
