/**
 * Text keys kept in VARBINARY columns.
 *
 * Keys (cookies, origins, app ids, event ids, topics, consumer groups ...) are stored as the
 * UTF-8 bytes of the string, in VARBINARY columns, so MySQL and MariaDB compare them byte for
 * byte like the embedded stores compare JS strings: no PAD SPACE ('c1' and 'c1 ' are two keys),
 * case-sensitive (tracking migration 0006_binary_keys). Parameters go in as strings (the server
 * converts them to the column's bytes); mysql2 hands the columns back as Buffers, which
 * `keyText` decodes.
 */

/** The string a VARBINARY key column holds (UTF-8), or a string column's value as it is. */
export function keyText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`expected a text key from SQL, got ${value === null ? 'null' : typeof value}`);
}
