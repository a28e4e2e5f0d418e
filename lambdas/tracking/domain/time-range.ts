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
  if (from === undefined) return `"${parts[0]}" is not a time like 2022-03-01T00:00:00.000`;
  if (to === undefined) return `"${parts[1]}" is not a time like 2022-03-01T00:00:00.000`;
  if (from >= to) return 'from must be before to';
  return { fromMs: from, toMs: to };
}

function parseUtc(text: string): number | undefined {
  if (!PROFILE_TIME.test(text)) return undefined;
  const ms = Date.parse(`${text}Z`);
  // Date.parse rolls 2022-02-31 over to March 3rd: refuse a date that does not print back the same.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== text.slice(0, 19)) return undefined;
  return ms;
}
