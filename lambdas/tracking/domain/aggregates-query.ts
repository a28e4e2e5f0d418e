/**
 * The time range of `POST /aggregates` (`time_range=<from>_<to>`): whole minutes, at most
 * MAX_QUERY_MINUTES apart. The rest of the query is declared with the route (tracking/routes.ts).
 */
import { MAX_QUERY_MINUTES, MINUTE_MS } from './aggregates';
import type { TimeRange } from './time-range';

/** `2022-03-01T00:05:00` (UTC, no `Z`); a zero fraction (`.000`) is tolerated. */
const BUCKET_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.0{1,3})?$/;

/** Parses `<from>_<to>` as whole minutes, `from < to`, at most 10 minutes apart. */
export function parseMinuteRange(value: string): TimeRange | string {
  const parts = value.split('_');
  if (parts.length !== 2) return 'must be <from>_<to>, e.g. 2022-03-01T00:05:00_2022-03-01T00:07:00';
  const [from, to] = parts.map(parseBucketTime);
  if (from === undefined) return `"${echo(parts[0])}" is not a time like 2022-03-01T00:05:00`;
  if (to === undefined) return `"${echo(parts[1])}" is not a time like 2022-03-01T00:05:00`;
  if (from % MINUTE_MS !== 0 || to % MINUTE_MS !== 0) return 'from and to must be whole minutes (seconds :00)';
  if (from >= to) return 'from must be before to';
  if (to - from > MAX_QUERY_MINUTES * MINUTE_MS) return `must span at most ${MAX_QUERY_MINUTES} minutes`;
  return { fromMs: from, toMs: to };
}

function parseBucketTime(text: string): number | undefined {
  const match = BUCKET_TIME.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}Z`);
  // Date.parse rolls 2022-02-31 over to March: refuse what does not print back the same.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== match[1]) return undefined;
  return ms;
}

/** Bounds what a problem echoes back of the client's input. */
export function echo(value: string | undefined): string {
  const text = value ?? '';
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
