/**
 * The search side of people: the `people` index (an alias, so a rebuild can fill a new index and
 * swap it in without a moment in which search answers nothing), its documents, and the reads the
 * read path and the search make of it.
 *
 * A document's id is the username and its external version the write's version, so the index
 * keeps the newest version whatever order records arrive in (an older or equal one is ignored).
 * A delete is kept as a tombstone document `{username, version, deleted: true}` (as happenings'
 * projection does): a later-arriving older write cannot bring the profile back. Tombstones are
 * never purged here: a profile's username may be written again any time, and one small document
 * per deleted profile costs little.
 */
import type { DecodedRecord, TombstoneRecord } from '../../platform/kafka/decode';
import type { IndexDefinition, IndexedDocument, SearchIndex, SearchQuery } from '../../platform/search/search-index';
import { type PersonSummary, type ProfileFields, profileFieldsOf, SUMMARY_FIELDS, summaryOf } from './profile';
import type { SearchText } from './search';
import type { PersonVersion } from './store';

export const PEOPLE_INDEX = 'people';

export const peopleIndexDefinition: IndexDefinition = {
  name: PEOPLE_INDEX,
  alias: true,
  fields: {
    username: 'text',
    firstName: 'text',
    lastName: 'text',
    version: 'long',
    deleted: 'boolean',
    updatedAt: 'date',
    country: 'keyword',
  },
};

/** What the index holds of a person: the profile, or a tombstone. */
export type PersonDocument =
  | ({ readonly username: string; readonly version: number; readonly updatedAt: string; readonly deleted: false } & ProfileFields)
  | { readonly username: string; readonly version: number; readonly updatedAt: string; readonly deleted: true };

export function documentOf(person: PersonVersion): IndexedDocument<Record<string, unknown>> {
  const head = { username: person.username, version: person.version, updatedAt: person.updatedAt };
  const body: PersonDocument = person.deleted ? { ...head, deleted: true } : { ...head, deleted: false, ...person.fields };
  return { id: person.username, version: person.version, body: body as unknown as Record<string, unknown> };
}

export function versionOfDocument(document: PersonDocument): PersonVersion {
  const head = { username: document.username, version: document.version, updatedAt: document.updatedAt };
  return document.deleted ? { ...head, deleted: true } : { ...head, deleted: false, fields: profileFieldsOf(document) };
}

/** The stored version of `username` in the index (a profile or a tombstone), or undefined. */
export async function personInIndex(index: SearchIndex, username: string): Promise<PersonVersion | undefined> {
  const document = await index.get<PersonDocument>(PEOPLE_INDEX, username);
  return document ? versionOfDocument(document) : undefined;
}

/** The words in name fields; the last may be the start of a word; whole words may be misspelt (fuzzy). */
export const SEARCHED_FIELDS = ['firstName', 'lastName', 'username'] as const;

export function indexQueryOf(text: SearchText, offset: number, limit: number): SearchQuery {
  return {
    filters: [{ term: { field: 'deleted', value: false } }],
    // Without words, everyone by name; with words, by relevance.
    ...(text.query === ''
      ? {
          sort: [
            { field: 'lastName', order: 'asc' as const },
            { field: 'firstName', order: 'asc' as const },
            { field: 'username', order: 'asc' as const },
          ],
        }
      : { text: { query: text.query, fields: [...SEARCHED_FIELDS], fuzzy: true } }),
    from: offset,
    // One more, to know whether a page follows.
    size: limit + 1,
    // A page shows summaries: not the whole profiles (a journal may be 10,000 characters).
    source: SUMMARY_FIELDS,
  };
}

/** A page of people found by name in the index. */
export async function findInIndex(
  index: SearchIndex,
  query: { readonly text: SearchText; readonly offset: number; readonly limit: number },
): Promise<{ readonly items: readonly PersonSummary[]; readonly more: boolean }> {
  const result = await index.search<Pick<PersonDocument & { deleted: false }, (typeof SUMMARY_FIELDS)[number]>>(
    PEOPLE_INDEX,
    indexQueryOf(query.text, query.offset, query.limit),
  );
  const items = result.hits.slice(0, query.limit).map((hit) => summaryOf(hit.body));
  return { items, more: result.hits.length > query.limit };
}

/** The version a record of the `people` topic carries: a write's value, or a tombstone's headers. */
export type PeopleTopicRecord = DecodedRecord<{
  readonly username: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly profile: ProfileFields;
}>;

/**
 * The version of a tombstone, from its key and headers; a string says why it cannot be one
 * (then it is dead-lettered: a delete without a version cannot be ordered against writes).
 */
export function versionOfTombstone(record: TombstoneRecord): PersonVersion | string {
  const versionText = record.headers.version;
  const updatedAt = record.headers['updated-at'];
  if (versionText === undefined || !/^[1-9][0-9]{0,15}$/.test(versionText)) return 'tombstone without a valid version header';
  const version = Number(versionText);
  if (!Number.isSafeInteger(version)) return 'tombstone version out of range';
  if (updatedAt === undefined || Number.isNaN(Date.parse(updatedAt))) return 'tombstone without a valid updated-at header';
  return { username: record.key, version, updatedAt, deleted: true };
}
