/**
 * Opaque paging cursors: a JSON value as base64url text, and back. What a cursor holds (sort
 * values, an offset, a digest of the query) and how it is checked is the caller's; this is only the
 * encoding, so every route's cursors look alike and refuse garbage alike.
 */

/** `value` as an opaque cursor (base64url of its JSON). */
export function cursorOf(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * The JSON value a cursor holds, or undefined when `cursor` is not base64url of JSON or longer
 * than `maxLength` characters.
 */
export function valueOfCursor(cursor: string, maxLength: number): unknown {
  if (cursor.length === 0 || cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
