/**
 * The capability's copies of other capabilities' facts, kept by its consumers:
 *
 * - from `accounts.events`: every address a mail to the account may go to (`addresses`, after any
 *   change) and its deletion (`deleted`: the account's reminders and addresses are removed). Events
 *   of one account share a partition, so they arrive in order; each also carries its time, and an
 *   event older than the one applied changes nothing, so a replayed batch cannot undo a later one.
 * - from `happenings.changes`: each happening's title, times, time zone and place, by version
 *   (an older or equal version changes nothing, whatever order records arrive in); a delete
 *   cancels the happening's scheduled reminders.
 * - from `mail.outcomes`: what became of each reminder's mail.
 */
import type { AccountEvent } from '../../accounts/contract';
import { boundedReason, type HappeningSnapshot, normalizedEmail, parseMailRequestId } from './reminder';
import type { MailOutcomeStatus, ReminderRepository } from './repository';

export interface AccountEventsSummary {
  readonly applied: number;
  readonly ignored: number;
  readonly retargeted: number;
  readonly removed: number;
}

/** Applies account events in the order given (a partition's order). */
export async function applyAccountEvents(
  repository: ReminderRepository,
  events: readonly AccountEvent[],
): Promise<AccountEventsSummary> {
  let applied = 0;
  let ignored = 0;
  let retargeted = 0;
  let removed = 0;
  for (const event of events) {
    const atMs = Date.parse(event.at);
    if (event.type === 'addresses') {
      const addresses = [...new Set(event.addresses.map(normalizedEmail))];
      const result = await repository.applyAddresses(event.username, addresses, atMs);
      retargeted += result.retargeted;
      if (result.applied) applied++;
      else ignored++;
    } else {
      const result = await repository.applyAccountDeleted(event.username, event.sub, atMs);
      removed += result.removed;
      if (result.applied) applied++;
      else ignored++;
    }
  }
  return { applied, ignored, retargeted, removed };
}

/** The part of a happening change record this capability reads. */
export interface HappeningChangeRecord {
  readonly id: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly title: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly timezone: string;
  readonly placeName: string;
}

export function snapshotOf(change: HappeningChangeRecord): HappeningSnapshot {
  return {
    id: change.id,
    version: change.version,
    deleted: change.deleted,
    title: change.title,
    startsAtMs: Date.parse(change.startsAt),
    endsAtMs: Date.parse(change.endsAt),
    timezone: change.timezone,
    placeName: change.placeName,
  };
}

export interface HappeningChangesSummary {
  readonly applied: number;
  readonly ignored: number;
  readonly cancelled: number;
}

/** Applies the newest change of each happening in the batch (older ones would be ignored anyway). */
export async function applyHappeningChanges(
  repository: ReminderRepository,
  changes: readonly HappeningChangeRecord[],
  now: Date,
): Promise<HappeningChangesSummary> {
  const newest = new Map<string, HappeningChangeRecord>();
  for (const change of changes) {
    const seen = newest.get(change.id);
    if (!seen || change.version > seen.version) newest.set(change.id, change);
  }
  let applied = 0;
  let cancelled = 0;
  for (const change of newest.values()) {
    const result = await repository.applyHappening(snapshotOf(change), now.getTime());
    if (result.applied) applied++;
    cancelled += result.cancelled;
  }
  return { applied, ignored: changes.length - applied, cancelled };
}

/** The part of a mail outcome this capability reads. */
export interface MailOutcomeRecord {
  readonly requestId: string;
  readonly ref?: { readonly kind: string; readonly id: string };
  readonly status: MailOutcomeStatus;
  readonly reason?: string;
}

export interface OutcomesSummary {
  readonly sent: number;
  readonly failed: number;
  readonly uncertain: number;
  /** Outcomes that changed nothing: other capabilities' mails, redeliveries, older versions. */
  readonly ignored: number;
}

/** Records the outcomes of reminder mails (ref kind `reminder`); other mails' outcomes are not ours. */
export async function recordOutcomes(
  repository: ReminderRepository,
  outcomes: readonly MailOutcomeRecord[],
  now: Date,
): Promise<OutcomesSummary> {
  const counts = { sent: 0, failed: 0, uncertain: 0, ignored: 0 };
  for (const outcome of outcomes) {
    const named = outcome.ref?.kind === 'reminder' ? parseMailRequestId(outcome.requestId) : undefined;
    if (!named || named.id !== outcome.ref?.id) {
      counts.ignored++;
      continue;
    }
    const reason = outcome.reason === undefined ? null : boundedReason(outcome.reason);
    const changed = await repository.recordOutcome(named.id, named.version, outcome.status, reason, now.getTime());
    if (changed) counts[outcome.status]++;
    else counts.ignored++;
  }
  return counts;
}
