import { isCalendarValid } from '../../platform/calendar';

/** `[fromMs, toMs)`: the half-open range every Allezon query uses. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

const PROFILE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)$/;

/**
 * Parses `2022-03-01T00:00:00.000_2022-03-01T00:00:01.000` (UTC, no `Z`, millisecond
 * precision). Returns a message instead of throwing so callers can name the field.
 */
export function parseTimeRange(value: string): TimeRange | string {
  const parts = value.split('_');
  if (parts.length !== 2) return 'must be <from>_<to>';
  const [from, to] = parts.map(parseUtc);
  if (from === undefined) return `"${echo(parts[0])}" is not a time like 2022-03-01T00:00:00.000`;
  if (to === undefined) return `"${echo(parts[1])}" is not a time like 2022-03-01T00:00:00.000`;
  if (from >= to) return 'from must be before to';
  return { fromMs: from, toMs: to };
}

function parseUtc(text: string): number | undefined {
  if (!PROFILE_TIME.test(text) || !isCalendarValid(text)) return undefined;
  const ms = Date.parse(`${text}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** What of the client's input a problem repeats: bounded, so a huge parameter is not echoed. */
function echo(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
