/**
 * Dispatching due reminders: their mails are handed to the mail capability never before
 * `remindAt` and, in normal operation, within a few seconds after it (the promise is at most 60 s).
 *
 * A scheduled run (every minute) keeps dispatching for a window of 65 s, so each run overlaps the
 * next by about 5 s and a dispatcher is always awake (cold starts and the scheduler's jitter
 * included); overlapping runs are safe because claims skip each other's rows. With a 55 s window
 * reminders falling due in the 5 s gap between runs waited for the next one (the benchmark
 * measured p99 4.4 s, max 4.9 s after remindAt); with the overlap they go out within milliseconds.
 * Each run:
 * 1. claim: in one transaction, take up to `batchSize` due reminders — `scheduled` with
 *    remindAt <= now, and `dispatching` ones whose claim is older than the lease (their run died)
 *    — with SELECT … FOR UPDATE SKIP LOCKED, so concurrent runs never take the same reminder,
 *    and mark them `dispatching` with the claim time; commit;
 * 2. request: publish each one's mail request (`reminder/<id>/<version>`: the mail ledger mails
 *    a request id at most once, so a reminder dispatched twice — a crash after the publish, its
 *    claim taken again after the lease — is still mailed once), with the happening's current
 *    title, start (and `movedFrom` when it moved since the reminder was made), time zone, place;
 * 3. mark them `requested` (only if still held by this claim).
 * Then claim again at once; when nothing is due, sleep until the next scheduled reminder is due,
 * but at most `pollMs` (~1 s), so reminders created or rescheduled during the run are seen.
 *
 * Failures: a publish that certainly did not happen gives the claim back (`scheduled`) and the
 * run backs off for a poll; a request the mail capability refuses as invalid ends the reminder
 * `failed`; a reminder whose happening is gone ends `cancelled`. A store error backs off and the
 * run goes on; a run that did nothing but fail throws (the Errors alarm, the scheduler's retry).
 */
import type { MailRequest } from '../../mail/contract';
import type { Clock } from '../../platform/clock/clock';
import { DomainError } from '../../platform/errors';
import { type HappeningSnapshot, mailRequestIdOf, type Reminder, utcText } from './reminder';
import type { Claim, ReminderRepository } from './repository';

export interface DispatchSettings {
  /** How long one run keeps claiming, from its start. */
  readonly windowMs: number;
  /** The longest sleep between two looks for due reminders. */
  readonly pollMs: number;
  /** Most reminders one claim takes. */
  readonly batchSize: number;
  /** A claim older than this belongs to a run that died: it is taken again. */
  readonly leaseMs: number;
}

/** The dispatch window in seconds (default 65: a run every 60 s overlaps the next); tests shorten it. */
export const DISPATCH_WINDOW_ENV = 'REMINDERS_DISPATCH_WINDOW_SECONDS';
export const DEFAULT_WINDOW_SECONDS = 65;
export const POLL_MS = 1000;
export const CLAIM_BATCH_SIZE = 100;
/**
 * Far longer than a live run takes from claim to request (milliseconds; a publish to a slow Kafka
 * gives up well before), short enough that a crashed run's reminders go out in the next run.
 * Taking a claim from a run that is merely slow is harmless: its request id is the same.
 */
export const CLAIM_LEASE_MS = 30_000;

/**
 * The settings from the environment: the window from `REMINDERS_DISPATCH_WINDOW_SECONDS` (a
 * positive number, default 65), at most `maxWindowMs` (the function must end before its timeout).
 */
export function dispatchSettings(env: NodeJS.ProcessEnv, maxWindowMs: number): DispatchSettings {
  const text = env[DISPATCH_WINDOW_ENV];
  const seconds = text === undefined || text === '' ? DEFAULT_WINDOW_SECONDS : Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`${DISPATCH_WINDOW_ENV} must be a positive number of seconds (got "${text}")`);
  }
  return {
    windowMs: Math.min(Math.round(seconds * 1000), maxWindowMs),
    pollMs: POLL_MS,
    batchSize: CLAIM_BATCH_SIZE,
    leaseMs: CLAIM_LEASE_MS,
  };
}

export interface DispatchPorts {
  readonly repository: ReminderRepository;
  /** Hands a mail request to the mail capability (its `requestMail` on the bus). */
  readonly requestMail: (request: MailRequest) => Promise<unknown>;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** Each reminder whose mail was requested, with how long after its remindAt (ms, never negative). */
  readonly onRequested?: (reminder: Reminder, lagMs: number) => void;
  /** After each claim handed over (e.g. to flush metrics during a long run). */
  readonly afterClaim?: () => void;
  /** A failure the run backed off from and went on. */
  readonly onError?: (error: unknown) => void;
}

export interface DispatchSummary {
  readonly claims: number;
  readonly requested: number;
  readonly cancelled: number;
  readonly failed: number;
  readonly released: number;
  readonly errors: number;
  readonly maxLagMs: number;
  readonly windowMs: number;
}

/** The mail of a reminder, with its happening as known now. */
export function reminderMail(reminder: Reminder, happening: HappeningSnapshot): Extract<MailRequest, { template: 'reminder' }> {
  const moved = happening.startsAtMs !== reminder.startsAtWhenMadeMs;
  return {
    requestId: mailRequestIdOf(reminder),
    template: 'reminder',
    to: reminder.email,
    ref: { kind: 'reminder', id: reminder.id },
    data: {
      title: happening.title,
      startsAt: utcText(happening.startsAtMs),
      timeZone: happening.timezone,
      place: happening.placeName,
      ...(moved ? { movedFrom: utcText(reminder.startsAtWhenMadeMs) } : {}),
    },
  };
}

const isInvalid = (error: unknown) => error instanceof DomainError && error.kind === 'invalid';

/** The smallest sleep: a reminder due "now" that another run is claiming is not polled in a busy loop. */
const MIN_SLEEP_MS = 5;

export async function dispatchDue(ports: DispatchPorts, settings: DispatchSettings): Promise<DispatchSummary> {
  const { repository, clock } = ports;
  const nowMs = () => clock.now().getTime();
  const endMs = nowMs() + settings.windowMs;
  const totals = { claims: 0, requested: 0, cancelled: 0, failed: 0, released: 0, errors: 0, maxLagMs: 0 };
  let lastError: unknown;
  let looked = 0;

  const handOver = async (claim: Claim): Promise<void> => {
    const { claimedAtMs } = claim;
    const gone: string[] = [];
    const mails: { reminder: Reminder; request: MailRequest }[] = [];
    for (const { reminder, happening } of claim.reminders) {
      if (!happening || happening.deleted) gone.push(reminder.id);
      else mails.push({ reminder, request: reminderMail(reminder, happening) });
    }
    if (gone.length > 0) {
      await repository.settleClaimed(gone, claimedAtMs, 'cancelled', 'the happening was deleted', nowMs());
      totals.cancelled += gone.length;
    }
    const results = await Promise.allSettled(mails.map(({ request }) => ports.requestMail(request)));
    const requestedAtMs = nowMs();
    const requested: Reminder[] = [];
    const unsent: string[] = [];
    let unsentError: unknown;
    for (const [i, result] of results.entries()) {
      const { reminder } = mails[i] as { reminder: Reminder };
      if (result.status === 'fulfilled') requested.push(reminder);
      else if (isInvalid(result.reason)) {
        // Refused for good (e.g. a title the mail cannot carry): never mailed, said so.
        await repository.settleClaimed([reminder.id], claimedAtMs, 'failed', (result.reason as Error).message, nowMs());
        totals.failed++;
      } else {
        unsent.push(reminder.id);
        unsentError ??= result.reason;
      }
    }
    if (requested.length > 0) {
      await repository.markRequested(
        requested.map((r) => r.id),
        claimedAtMs,
        requestedAtMs,
      );
      for (const reminder of requested) {
        // Never negative: a reminder is claimed only once remindAt <= the claim time.
        const lagMs = Math.max(0, requestedAtMs - reminder.remindAtMs);
        totals.maxLagMs = Math.max(totals.maxLagMs, lagMs);
        ports.onRequested?.(reminder, lagMs);
      }
      totals.requested += requested.length;
    }
    if (unsent.length > 0) {
      await repository.release(unsent, claimedAtMs, nowMs());
      totals.released += unsent.length;
      throw unsentError;
    }
  };

  for (;;) {
    let claimed = 0;
    try {
      const claim = await repository.claimDue(nowMs(), settings.leaseMs, settings.batchSize);
      looked++;
      claimed = claim.reminders.length;
      if (claimed > 0) {
        totals.claims++;
        await handOver(claim);
        ports.afterClaim?.();
      }
    } catch (error) {
      totals.errors++;
      lastError = error;
      ports.onError?.(error);
      const left = endMs - nowMs();
      if (left <= 0) break;
      await ports.sleep(Math.min(settings.pollMs, left));
      continue;
    }
    const now = nowMs();
    if (now >= endMs) break;
    // Something was due: more may be, claim again at once.
    if (claimed > 0) continue;
    let waitMs = Math.min(settings.pollMs, endMs - now);
    try {
      const next = await repository.nextDueAt();
      // +1: wake just after it is due (timers may fire a millisecond early). One due already is
      // being claimed by another run: look again shortly.
      if (next !== undefined) waitMs = Math.min(waitMs, next > now ? next - now + 1 : MIN_SLEEP_MS);
    } catch (error) {
      totals.errors++;
      lastError = error;
      ports.onError?.(error);
    }
    await ports.sleep(waitMs);
  }
  // Nothing handed over and the store never answered or no mail could be requested: fail the
  // run (the Errors alarm; the scheduler retries it). A passing blip is only logged.
  if (totals.errors > 0 && totals.requested === 0 && (looked === 0 || totals.released > 0)) throw lastError;
  return { ...totals, windowMs: settings.windowMs };
}
