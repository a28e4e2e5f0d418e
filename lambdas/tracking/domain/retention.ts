/**
 * Retention and roll-ups of minute aggregates (tag aggregates and app-event counts).
 *
 * Time is logical: "now" is the newest minute present in the table, so a replay of old data or a
 * stalled producer never makes the job delete what is still the newest 24 h.
 * - Minute rows older than now - 24 h are added to their hour row and deleted, one minute per
 *   transaction: a rerun finds nothing left to add, and a late tag that lands in an already
 *   rolled-up minute creates a fresh minute row that the next run adds to the same hour.
 * - Hour rows older than now - 30 days are deleted.
 */
import { HOUR_MS, hourOf, minuteOf } from './aggregates';

/** Minute rows are kept at least this long (the Allezon contract: 24 h of logical time). */
export const MINUTE_RETENTION_MS = 24 * HOUR_MS;
/** Hour roll-ups are kept this long. */
export const HOUR_RETENTION_MS = 30 * 24 * HOUR_MS;
/** Minutes rolled up per table and run; a backlog is worked off over a few runs. */
export const DEFAULT_ROLLUP_MINUTES_PER_RUN = 240;

/** A minute table with its hour roll-up table. */
export interface MinuteRollup {
  /** The newest minute holding any row, if any. */
  newestMinute(): Promise<number | undefined>;
  /** See `AggregateStore.rollUpMinutesBefore`. */
  rollUpMinutesBefore(cutoffMs: number, maxMinutes: number): Promise<{ minutes: number; rows: number }>;
  /** Deletes hour rows older than `cutoffMs`; returns how many. */
  deleteHoursBefore(cutoffMs: number): Promise<number>;
}

export interface RollupSummary {
  readonly newestMinute?: string;
  readonly minuteCutoff?: string;
  readonly minutesRolledUp: number;
  readonly rowsRolledUp: number;
  readonly hourRowsDeleted: number;
}

export interface RollupLimits {
  /** Minutes rolled up at most in this run (default DEFAULT_ROLLUP_MINUTES_PER_RUN). */
  readonly maxMinutes?: number;
  /** Stop starting new minutes after this long (default 120 s; the function has 300 s). */
  readonly budgetMs?: number;
  readonly nowMs?: () => number;
}

/** Minutes per `rollUpMinutesBefore` call: small, so the time budget is checked often. */
const ROLLUP_CHUNK_MINUTES = 10;

export async function applyRollupRetention(table: MinuteRollup, limits: RollupLimits = {}): Promise<RollupSummary> {
  const { maxMinutes = DEFAULT_ROLLUP_MINUTES_PER_RUN, budgetMs = 120_000, nowMs = Date.now } = limits;
  const newest = await table.newestMinute();
  if (newest === undefined) return { minutesRolledUp: 0, rowsRolledUp: 0, hourRowsDeleted: 0 };
  // Rolled up are the minutes that end at or before (newest minute - 24 h): everything they hold
  // is older than 24 h before any tag of the newest minute. Minute-aligned, so a minute is
  // either kept whole or rolled up whole.
  const minuteCutoff = minuteOf(newest) - MINUTE_RETENTION_MS;
  const deadline = nowMs() + budgetMs;
  let minutes = 0;
  let rows = 0;
  while (minutes < maxMinutes && nowMs() < deadline) {
    const done = await table.rollUpMinutesBefore(minuteCutoff, Math.min(ROLLUP_CHUNK_MINUTES, maxMinutes - minutes));
    minutes += done.minutes;
    rows += done.rows;
    if (done.minutes === 0) break;
  }
  // An hour goes only once all of it is older than 30 days before the newest minute.
  const hourRowsDeleted = await table.deleteHoursBefore(hourOf(newest - HOUR_RETENTION_MS));
  return {
    newestMinute: new Date(newest).toISOString(),
    minuteCutoff: new Date(minuteCutoff).toISOString(),
    minutesRolledUp: minutes,
    rowsRolledUp: rows,
    hourRowsDeleted,
  };
}
