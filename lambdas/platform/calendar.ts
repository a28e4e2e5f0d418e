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
