import type { Pool, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import type { ProfileFields } from '../domain/profile';
import { summaryOf } from '../domain/profile';
import type { NamePage, NameQuery, PeopleStore, PersonVersion } from '../domain/store';
import { nameHaystack, nameKey } from '../domain/store';

/** Each profile field and its column (people migration 0001). */
const FIELD_COLUMNS: readonly (readonly [keyof ProfileFields, string])[] = [
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['email', 'email'],
  ['country', 'country'],
  ['birthday', 'birthday'],
  ['occupation', 'occupation'],
  ['relationshipStatus', 'relationship_status'],
  ['mobileNumber', 'mobile_number'],
  ['phoneNumber', 'phone_number'],
  ['description', 'description'],
  ['mood', 'mood'],
  ['journal', 'journal'],
  ['pictureUrl', 'picture_url'],
  ['background', 'background'],
];

/** Every column a write sets, `version` last (see `apply`). */
const WRITTEN = [
  'username',
  'updated_at',
  'deleted',
  ...FIELD_COLUMNS.map(([, column]) => column),
  'first_key',
  'last_key',
  'name_words',
  'version',
];

/**
 * Applies a row only if its version is newer, in one statement for the whole batch. MySQL
 * evaluates the assignments left to right and a column named after its assignment is already the
 * new value: so every column compares against the still-stored `version`, which is assigned last.
 */
const UPSERT =
  `INSERT INTO people_profiles (${WRITTEN.join(', ')}) VALUES ? ON DUPLICATE KEY UPDATE ` +
  WRITTEN.filter((column) => column !== 'username')
    .map((column) => `${column} = IF(VALUES(version) > version, VALUES(${column}), ${column})`)
    .join(', ');

const SELECTED = [
  'username',
  'version',
  'updated_at',
  'deleted',
  ...FIELD_COLUMNS.map(([, column]) => (column === 'birthday' ? "DATE_FORMAT(birthday, '%Y-%m-%d') AS birthday" : column)),
].join(', ');

function rowOf(person: PersonVersion): unknown[] {
  const fields: Partial<Record<keyof ProfileFields, unknown>> = person.deleted ? {} : person.fields;
  const keys = person.deleted
    ? ['', '', '']
    : [nameKey(person.fields.firstName), nameKey(person.fields.lastName), nameHaystack(person.username, person.fields)];
  return [
    person.username,
    new Date(person.updatedAt),
    person.deleted ? 1 : 0,
    ...FIELD_COLUMNS.map(([field]) => fields[field] ?? null),
    ...keys,
    person.version,
  ];
}

function versionOfRow(row: RowDataPacket): PersonVersion {
  const head = {
    username: keyText(row.username),
    version: Number(row.version),
    updatedAt: (row.updated_at as Date).toISOString(),
  };
  if (Number(row.deleted) === 1) return { ...head, deleted: true };
  const fields: Record<string, unknown> = {};
  for (const [field, column] of FIELD_COLUMNS) {
    const value = row[column];
    if (value !== null && value !== undefined) fields[field] = String(value);
  }
  // The columns hold what the schema admitted (the sink writes validated records only).
  return { ...head, deleted: false, fields: fields as ProfileFields };
}

/** People's profiles in `people_profiles` (people migration 0001); the pool is opened on first use. */
export class MySqlPeopleStore implements PeopleStore {
  constructor(private readonly pool: () => Promise<Pool>) {}

  async apply(versions: readonly PersonVersion[]): Promise<void> {
    if (versions.length === 0) return;
    await (await this.pool()).query(UPSERT, [versions.map(rowOf)]);
  }

  async get(username: string): Promise<PersonVersion | undefined> {
    const [rows] = await (await this.pool()).execute<RowDataPacket[]>(
      `SELECT ${SELECTED} FROM people_profiles WHERE username = ?`,
      [username],
    );
    const row = rows[0];
    return row ? versionOfRow(row) : undefined;
  }

  async findByName(query: NameQuery): Promise<NamePage> {
    // Words are letters and digits only (store.ts nameWords): nothing in them is a LIKE wildcard.
    const conditions = query.words.map(() => ' AND name_words LIKE ?').join('');
    const [rows] = await (await this.pool()).query<RowDataPacket[]>(
      `SELECT username, first_name, last_name, country, picture_url, mood FROM people_profiles
       WHERE deleted = 0${conditions}
       ORDER BY last_key, first_key, username LIMIT ? OFFSET ?`,
      [...query.words.map((word) => `% ${word}%`), query.limit + 1, query.offset],
    );
    const items = rows.slice(0, query.limit).map((row) =>
      summaryOf({
        username: keyText(row.username),
        firstName: String(row.first_name),
        lastName: String(row.last_name),
        country: row.country ?? undefined,
        pictureUrl: row.picture_url ?? undefined,
        mood: row.mood ?? undefined,
      }),
    );
    return { items, more: rows.length > query.limit };
  }

  async scan(after: string | undefined, limit: number): Promise<{ items: PersonVersion[]; next?: string }> {
    const [rows] = await (await this.pool()).query<RowDataPacket[]>(
      `SELECT ${SELECTED} FROM people_profiles ${after === undefined ? '' : 'WHERE username > ?'} ORDER BY username LIMIT ?`,
      after === undefined ? [limit + 1] : [after, limit + 1],
    );
    const items = rows.slice(0, limit).map(versionOfRow);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, next: last.username } : { items };
  }
}
