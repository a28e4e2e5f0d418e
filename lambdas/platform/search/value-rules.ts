import { parseGeoPoint } from './geo';
import type { FieldType } from './search-index';

/**
 * How OpenSearch reads a single value of a field with a declared type: dates
 * (`strict_date_optional_time||epoch_millis`), numbers and booleans as its mapper coerces them,
 * and which values the mapper rejects. Both adapters use them (the real one to turn a filter value
 * that cannot match a field's type into match-nothing, as the embedded one does), and so does the
 * aggregation plan.
 */

// strict_date_optional_time: a date, optionally a time, optionally a zone (UTC when absent).
export const isoDate =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;

/** Milliseconds since the epoch for `strict_date_optional_time||epoch_millis`, else undefined. */
export function parseDateMillis(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const match = isoDate.exec(text);
  // The date format is tried first, so `2022` is a year; longer digit strings are epoch millis.
  if (!match) return /^-?\d+$/.test(text) ? Number(text) : undefined;
  const [, year, month = '01', day = '01', hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const zoneText =
    zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const parsed = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${zoneText}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A number as the mapper coerces it: a finite number or a numeric string. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A boolean as the mapper coerces it: `true`/`false`, `"true"`/`"false"`, and `""` as false. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  return undefined;
}

const longLimit = 2 ** 63;

/** Why OpenSearch's mapper would reject this single value for the field, or undefined if it fits. */
export function valueRejection(field: string, type: FieldType, value: unknown): string | undefined {
  const reject = () => `mapper_parsing_exception: failed to parse field [${field}] of type [${type}]`;
  switch (type) {
    case 'keyword':
    case 'text':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? undefined : reject();
    case 'long': {
      const n = parseNumber(value);
      return n === undefined || Math.abs(n) >= longLimit ? reject() : undefined;
    }
    case 'double':
      return parseNumber(value) === undefined ? reject() : undefined;
    case 'boolean':
      return parseBoolean(value) === undefined ? reject() : undefined;
    case 'date':
      return parseDateMillis(value) === undefined ? reject() : undefined;
    case 'geo_point':
      return parseGeoPoint(value) === undefined ? reject() : undefined;
  }
}
