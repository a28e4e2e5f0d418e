/**
 * What the stores hold of a person: the newest version of its profile, or a tombstone (a delete,
 * with its version, so an older write that arrives later never brings the profile back). Both
 * sinks and the read path speak this; the MySQL store and its in-memory twin are held to one
 * contract suite (test/contract/people-store.contract.test.ts).
 */
import type { PersonSummary, Profile, ProfileFields } from './profile';

export type PersonVersion =
  | {
      readonly username: string;
      readonly version: number;
      readonly updatedAt: string;
      readonly deleted: false;
      readonly fields: ProfileFields;
    }
  | { readonly username: string; readonly version: number; readonly updatedAt: string; readonly deleted: true };

/** The profile a (non-deleted) version holds. */
export function profileOfVersion(version: Extract<PersonVersion, { deleted: false }>): Profile {
  return { username: version.username, version: version.version, updatedAt: version.updatedAt, ...version.fields };
}

/**
 * A search by name as the MySQL fallback answers it: every word (normalized, see `nameKey`) must
 * begin a word of the first name, the last name or the username; ordered by last name, first
 * name, username (normalized, then byte order); `offset`/`limit` paging.
 */
export interface NameQuery {
  readonly words: readonly string[];
  readonly offset: number;
  readonly limit: number;
}

export interface NamePage {
  readonly items: readonly PersonSummary[];
  /** Whether more matches follow this page. */
  readonly more: boolean;
}

export interface PeopleStore {
  /**
   * Stores each version unless the store has one of the same username at least as new (so
   * redelivered, replayed and reordered records change nothing). A tombstone replaces the
   * profile and is kept.
   */
  apply(versions: readonly PersonVersion[]): Promise<void>;
  /** The stored version (a profile or a tombstone), or undefined when there was never one. */
  get(username: string): Promise<PersonVersion | undefined>;
  /** The search by name (profiles only, no tombstones). */
  findByName(query: NameQuery): Promise<NamePage>;
  /**
   * Every stored version (tombstones too) in username byte order, `limit` at a time, starting
   * after `after` (a username; from the start without it): what a rebuild of the search index reads.
   */
  scan(after: string | undefined, limit: number): Promise<{ readonly items: readonly PersonVersion[]; readonly next?: string }>;
}

/** Most bytes kept of a normalized name (a bound for the SQL columns; names are 80 characters). */
export const NAME_KEY_MAX_CHARS = 160;

/**
 * A name as the fallback search compares it: compatibility-decomposed, without combining marks
 * (accents), lower case, whitespace runs as one space, at most NAME_KEY_MAX_CHARS code points.
 * "Zoë  Ødegård" → "zoe ødegard".
 */
export function nameKey(text: string): string {
  const key = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
  const chars = [...key];
  return chars.length > NAME_KEY_MAX_CHARS ? chars.slice(0, NAME_KEY_MAX_CHARS).join('') : key;
}

/** The words of a text as the fallback search matches them: normalized, split at anything but letters and digits. */
export function nameWords(text: string): string[] {
  return nameKey(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/**
 * What the fallback matches query words against: every word of the first name, the last name and
 * the username, each after a space (` jean luc picard jlp`), so `LIKE '% word%'` is "a word begins with it".
 */
export function nameHaystack(username: string, fields: Pick<ProfileFields, 'firstName' | 'lastName'>): string {
  return ` ${[...nameWords(fields.firstName), ...nameWords(fields.lastName), ...nameWords(username)].join(' ')}`;
}
