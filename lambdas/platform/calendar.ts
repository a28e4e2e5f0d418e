/**
 * Whether the date and time fields written in an ISO-8601 string exist on the calendar.
 * `Date.parse` silently rolls impossible values over (2022-02-31 becomes March 3rd, T24:00 the
 * next day); inputs are checked with this first so such a time is refused, not moved.
 */
export function isCalendarValid(iso: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(iso);
  if (!match) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((part) => Number(part ?? 0));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Instants Eventline keeps (happenings, reminders) fall in [2000-01-01, 2200-01-01) UTC. */
export const EARLIEST_INSTANT_MS = Date.UTC(2000, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(2200, 0, 1);

/**
 * An ISO-8601 instant with an offset or `Z` as epoch milliseconds, or why it is not one. Minutes
 * and seconds are optional, fractions at most milliseconds (a finer one would be cut silently),
 * and an impossible date is refused rather than rolled over.
 */
export function parseInstant(text: string): number | string {
  const match = INSTANT.exec(text);
  if (!match) return 'must be an ISO-8601 time with a UTC offset or Z, e.g. 2025-06-01T18:00:00+02:00';
  if (!isCalendarValid(text)) return 'is not a time on the calendar';
  if (Number(match[9] ?? 0) > 23 || Number(match[10] ?? 0) > 59) return 'has an offset out of range';
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return 'is not a time on the calendar';
  if (ms < EARLIEST_INSTANT_MS || ms >= LATEST_INSTANT_MS) return 'must be from 2000 until 2199';
  return ms;
}

/** The one form instants are stored and answered in: UTC with milliseconds. */
export function utcText(ms: number): string {
  return new Date(ms).toISOString();
}
