/**
 * A reminder: a mail a signed-in user asks for, about one happening, at one instant (seed 001's
 * "notifications": create, list mine, reschedule, change the target address, delete).
 *
 * Its life: `scheduled` (waiting for `remindAt`; the owner may change it) → `dispatching` (a
 * dispatcher run claimed it, at `claimedAt`) → `requested` (its mail request is on
 * `mail.requests`, at `requestedAt`) → `sent` | `failed` | `uncertain` (the mail capability's
 * outcome). A `scheduled` reminder whose happening is deleted becomes `cancelled`.
 *
 * `version` is 1 when created and one more with every change (owner's or a retarget after the
 * account's addresses changed); the mail request id is `reminder/<id>/<version>`, and the mail
 * capability mails a request id at most once, so a reminder dispatched twice (a crashed run's
 * claim taken again) is mailed once.
 */
import { parseInstant, utcText } from '../../platform/calendar';

export const REMINDER_STATUSES = ['scheduled', 'dispatching', 'requested', 'sent', 'failed', 'uncertain', 'cancelled'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

export interface Reminder {
  readonly id: string;
  /** The owner: the user pool's username. */
  readonly username: string;
  readonly happeningId: string;
  /** Epoch milliseconds: the mail is handed over never before this instant. */
  readonly remindAtMs: number;
  /** Where the mail goes: one of the account's addresses (lower-case). */
  readonly email: string;
  readonly status: ReminderStatus;
  readonly version: number;
  /** When the happening was to start as the owner made the reminder (the mail says "moved" otherwise). */
  readonly startsAtWhenMadeMs: number;
  readonly claimedAtMs: number | null;
  readonly requestedAtMs: number | null;
  /** Why it failed, is uncertain or was cancelled. */
  readonly reason: string | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** A reminder as the API answers it. */
export interface ReminderView {
  readonly id: string;
  readonly happeningId: string;
  readonly remindAt: string;
  readonly email: string;
  readonly status: ReminderStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly requestedAt?: string;
  readonly reason?: string;
}

export function viewOf(reminder: Reminder): ReminderView {
  return {
    id: reminder.id,
    happeningId: reminder.happeningId,
    remindAt: utcText(reminder.remindAtMs),
    email: reminder.email,
    status: reminder.status,
    createdAt: utcText(reminder.createdAtMs),
    updatedAt: utcText(reminder.updatedAtMs),
    ...(reminder.requestedAtMs === null ? {} : { requestedAt: utcText(reminder.requestedAtMs) }),
    ...(reminder.reason === null ? {} : { reason: reminder.reason }),
  };
}

/** What the reminders capability keeps of a happening (from `happenings.changes`). */
export interface HappeningSnapshot {
  readonly id: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly title: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly timezone: string;
  readonly placeName: string;
}

/**
 * What the reminders capability keeps of an account (from `accounts.events`): every address a
 * mail to it may go to, primary first; after a `deleted` event no address, and the deleted
 * user's `sub` (a still-valid token of that user finds the account gone). `atMs` is the time of
 * the newest event applied (older events change nothing).
 */
export interface AccountAddresses {
  readonly username: string;
  readonly addresses: readonly string[];
  readonly deletedSub: string | null;
  readonly atMs: number;
}

/** Ids are lower-case UUIDs. */
export const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Most reminders an account may have waiting (`scheduled`) at once. */
export const MAX_SCHEDULED_PER_ACCOUNT = 100;
/** Longest reason kept (the column). */
export const MAX_REASON_LENGTH = 1000;

export function boundedReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1).toWellFormed()}…`;
}

/** Addresses compare case-insensitively (as accounts stores them: trimmed, lower-case). */
export function normalizedEmail(email: string): string {
  return email.trim().toLowerCase();
}

// One reading of instants for every capability (platform/calendar.ts).
export { parseInstant, utcText };

/** The mail request id of a reminder's dispatch: mailed at most once. */
export function mailRequestIdOf(reminder: Pick<Reminder, 'id' | 'version'>): string {
  return `reminder/${reminder.id}/${reminder.version}`;
}

/** The reminder id and version a mail request id names, or undefined when it is not a reminder's. */
export function parseMailRequestId(requestId: string): { id: string; version: number } | undefined {
  const match = /^reminder\/([0-9a-f-]{36})\/([1-9][0-9]{0,9})$/.exec(requestId);
  if (!match || !ID_PATTERN.test(match[1] as string)) return undefined;
  return { id: match[1] as string, version: Number(match[2]) };
}
