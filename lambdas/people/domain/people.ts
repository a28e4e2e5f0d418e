/**
 * People: profile writes through the `people` topic, reads along a configured path of stores, and
 * search by name. The functions the HTTP handlers and the web pages call.
 *
 * Write path: a write gets a version that orders it (`versionAt`), is produced to `people`
 * (key = username; a delete is a tombstone), and is answered once Kafka acknowledged it. Then the
 * writer's cache entry is written through (only if newer), so the writer reads its own write at
 * once while the two sinks (search-sink, sql-sink) catch up. The cache failing after the ack does
 * not fail the write: it is durable, only read-your-writes is lost for that write (logged, counted).
 *
 * Read path: the stores of `readPath` in order (default cache, search, sql). A store that is down
 * (`Unavailable`; for the cache any failure) is skipped, logged and counted (`PeopleReadsDegraded`).
 * The first store that knows the username answers (a tombstone is a 404); an answer from search or
 * sql fills the cache (only if newer, for a short time). When no store could answer at all, the
 * read is a 503; when the stores that answered do not know the username, a 404.
 *
 * Cache freshness: a store may lag behind the log, so a fill can be older than a write already
 * acknowledged (its write-through entry expired or was evicted). Both sinks therefore put every
 * version they apply into the cache too (only if newer, `refreshCachedProfiles`): the entry catches
 * up with the store. A fill lives only FILL_TTL_SECONDS, which bounds how long a stale fill can be
 * read if that refresh fails (the cache down at that moment).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBus, OutgoingRecord } from '../../platform/bus/event-bus';
import type { Cache } from '../../platform/cache/cache';
import type { Clock } from '../../platform/clock/clock';
import { DomainError, InvalidInput, NotFound, Unavailable } from '../../platform/errors';
import { logger, metrics } from '../../platform/observability';
import type { SearchIndex } from '../../platform/search/search-index';
import { peopleTopic } from '../topics';
import { type PersonSummary, type Profile, type ProfileFields, profileFieldsOf, profileFieldsSchema } from './profile';
import { findInIndex, personInIndex } from './projection';
import { DEFAULT_LIMIT, decodeCursor, encodeCursor, MAX_LIMIT, searchWordsOf } from './search';
import { type PeopleStore, type PersonVersion, profileOfVersion } from './store';

/** The stores a read may ask, in the order EVENTLINE_PEOPLE_READ_PATH names them. */
export type ReadStore = 'cache' | 'search' | 'sql';
export const READ_STORES: readonly ReadStore[] = ['cache', 'search', 'sql'];
export const DEFAULT_READ_PATH: readonly ReadStore[] = ['cache', 'search', 'sql'];

/** The cache as people use it: versioned entries, written only when newer. */
export type VersionedCache = Pick<Cache, 'putIfNewer' | 'getVersioned'>;

/**
 * What the people functions talk to. Stores are reached lazily (a GET never opens Kafka, a write
 * never opens OpenSearch), and a store that cannot even be opened counts as down.
 */
export interface PeoplePorts {
  readonly bus: () => Promise<EventBus>;
  readonly cache: () => Promise<VersionedCache>;
  readonly search: () => Promise<SearchIndex>;
  readonly store: () => Promise<PeopleStore>;
  readonly clock: Clock;
  /** Where reads look, in order; a search by name uses its `search` and `sql` (in that order). */
  readonly readPath: readonly ReadStore[];
  /** [0, 1): the random part of a version (tests pin it). */
  readonly random?: () => number;
}

/** A write's answer: the version it was given (202). */
export interface WriteAnswer {
  readonly username: string;
  readonly version: number;
}

/** How long a cache entry lives (an entry only speeds reads up; the stores hold the truth). */
export const CACHE_TTL_SECONDS = 10 * 60;
/** How long an entry a read filled from a store lives: short, since that store may have lagged. */
export const FILL_TTL_SECONDS = 60;

export function cacheKeyOf(username: string): string {
  return `people:profile:${username}`;
}

/**
 * The version of a write at `now`: microseconds since the epoch with a random last three digits
 * (below 2^53, so exact in JSON, Lua and OpenSearch's external versions). Writes of one username
 * are ordered by it; two writes in the same millisecond are ordered at random, which is as good as
 * any order for writes that raced.
 */
export function versionAt(now: Date, random: () => number = Math.random): number {
  return now.getTime() * 1000 + Math.min(999, Math.floor(random() * 1000));
}

/** Validates a profile form or body (what the web pages receive): the fields, or InvalidInput naming each problem. */
export function parseProfileFields(input: unknown): ProfileFields {
  const parsed = profileFieldsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    path: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new InvalidInput(`the profile is not valid: ${problems.map((p) => p.path).join(', ')}`, problems);
}

/** The value of a write on the `people` topic. */
export interface PersonRecordValue {
  readonly username: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly profile: ProfileFields;
}

/** The Kafka record of a version: a write's JSON value, or a tombstone (null) for a delete. */
export function recordOf(person: PersonVersion): OutgoingRecord {
  const headers = { version: String(person.version), 'updated-at': person.updatedAt };
  if (person.deleted) return { key: person.username, value: null, headers };
  const value: PersonRecordValue = {
    username: person.username,
    version: person.version,
    updatedAt: person.updatedAt,
    profile: person.fields,
  };
  return { key: person.username, value: JSON.stringify(value), headers };
}

/** Saves `fields` (validated by profileFieldsSchema) as the profile of `username`. */
export async function saveProfile(ports: PeoplePorts, username: string, fields: ProfileFields): Promise<WriteAnswer> {
  const now = ports.clock.now();
  return write(ports, {
    username,
    version: versionAt(now, ports.random),
    updatedAt: now.toISOString(),
    deleted: false,
    fields: profileFieldsOf(fields),
  });
}

/**
 * Deletes the profile of `username` (a tombstone on the topic). Deleting a profile that does not
 * exist is not an error: the tombstone makes sure of the outcome (and the account-deletion
 * consumer deletes without asking).
 */
export async function deleteProfile(ports: PeoplePorts, username: string): Promise<WriteAnswer> {
  const now = ports.clock.now();
  return write(ports, { username, version: versionAt(now, ports.random), updatedAt: now.toISOString(), deleted: true });
}

/**
 * Deletes the profiles of accounts that were deleted (accounts.events `deleted`): one tombstone
 * each, in one publish.
 */
export async function forgetAccounts(ports: PeoplePorts, usernames: readonly string[]): Promise<void> {
  const now = ports.clock.now();
  const tombstones = [...new Set(usernames)].map(
    (username): PersonVersion => ({
      username,
      version: versionAt(now, ports.random),
      updatedAt: now.toISOString(),
      deleted: true,
    }),
  );
  await writeAll(ports, tombstones);
}

async function write(ports: PeoplePorts, person: PersonVersion): Promise<WriteAnswer> {
  await writeAll(ports, [person]);
  return { username: person.username, version: person.version };
}

async function writeAll(ports: PeoplePorts, people: readonly PersonVersion[]): Promise<void> {
  if (people.length === 0) return;
  await (await ports.bus()).publish(peopleTopic.name, people.map(recordOf));
  // Write-through, so the writer reads its own write at once.
  await refreshCachedProfiles(ports, people);
}

async function fillCache(ports: PeoplePorts, person: PersonVersion, ttlSeconds = CACHE_TTL_SECONDS): Promise<void> {
  await (await ports.cache()).putIfNewer(cacheKeyOf(person.username), person.version, JSON.stringify(person), ttlSeconds);
}

/**
 * Puts each version into the cache if newer than the entry there: after a write (write-through)
 * and after a sink applied a batch (so an entry a read filled from a store that lagged catches
 * up). The cache failing fails nothing — the log (or the store) has the versions; only a read may
 * be older for a while. It is logged and counted.
 */
export async function refreshCachedProfiles(ports: PeoplePorts, people: readonly PersonVersion[]): Promise<void> {
  if (people.length === 0 || !ports.readPath.includes('cache')) return;
  try {
    await Promise.all(people.map((person) => fillCache(ports, person)));
  } catch (error) {
    logger.warn('profile versions are durable, but their cache entries could not be written', {
      profiles: people.length,
      reason: (error as Error).message,
    });
    metrics.addMetric('PeopleCacheWriteFailures', MetricUnit.Count, 1);
  }
}

/** A profile and the store that answered it. */
export interface ReadAnswer {
  readonly profile: Profile;
  readonly from: ReadStore;
}

/** The profile of `username` along the read path; NotFound when none (or deleted), Unavailable when no store could answer. */
export async function readProfile(ports: PeoplePorts, username: string): Promise<ReadAnswer> {
  let answered = false;
  let lastFailure: unknown;
  for (const store of ports.readPath) {
    let found: PersonVersion | undefined;
    try {
      found = await readFrom(ports, store, username);
    } catch (error) {
      if (store !== 'cache' && !isUnavailable(error)) throw error;
      degraded(store, 'read', error);
      lastFailure = error;
      continue;
    }
    if (store !== 'cache') answered = true;
    if (!found) continue;
    if (store !== 'cache' && ports.readPath.includes('cache')) {
      await fillCache(ports, found, FILL_TTL_SECONDS).catch((error: unknown) => degraded('cache', 'fill', error));
    }
    metrics.addMetric(`PeopleReadFrom${capitalized(store)}`, MetricUnit.Count, 1);
    if (found.deleted) throw new NotFound(`no profile of ${username}`);
    return { profile: profileOfVersion(found), from: store };
  }
  if (!answered) throw unavailableAll(lastFailure);
  throw new NotFound(`no profile of ${username}`);
}

async function readFrom(ports: PeoplePorts, store: ReadStore, username: string): Promise<PersonVersion | undefined> {
  switch (store) {
    case 'cache': {
      const entry = await (await ports.cache()).getVersioned(cacheKeyOf(username));
      return entry ? (JSON.parse(entry.value) as PersonVersion) : undefined;
    }
    case 'search':
      return personInIndex(await ports.search(), username);
    case 'sql':
      return (await ports.store()).get(username);
  }
}

/** A page of people found by name, the cursor of the next page, and the store that answered. */
export interface SearchAnswer {
  readonly items: readonly PersonSummary[];
  readonly next?: string;
  readonly from: 'search' | 'sql';
}

export interface PeopleQuery {
  /** Words of names (first, last, username); without it (or without any letter or digit), everyone by name. */
  readonly q?: string;
  readonly limit?: number;
  /** The `next` of the previous page of the same `q`. */
  readonly cursor?: string;
}

/**
 * Finds people by name: from the search index (prefix as you type, typo-tolerant, by relevance)
 * or, when the index is down or not on the read path, from MySQL (each word begins a word of a
 * name, ordered by name). Pages are `limit` long (1..50, default 20); `next` continues the same query.
 */
export async function searchPeople(ports: PeoplePorts, query: PeopleQuery): Promise<SearchAnswer> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new InvalidInput('limit is out of range', [{ path: 'query.limit', message: `must be 1 to ${MAX_LIMIT}` }]);
  }
  const text = searchWordsOf(query.q ?? '');
  const offset = query.cursor === undefined ? 0 : decodeCursor(text, query.cursor);
  if (typeof offset === 'string') throw new InvalidInput('the cursor is not valid', [{ path: 'query.cursor', message: offset }]);
  const path = ports.readPath.filter((store): store is 'search' | 'sql' => store !== 'cache');
  let lastFailure: unknown;
  for (const store of path.length > 0 ? path : (['search', 'sql'] as const)) {
    try {
      const page =
        store === 'search'
          ? await findInIndex(await ports.search(), { text, offset, limit })
          : await (await ports.store()).findByName({ words: text.words, offset, limit });
      const next = page.more ? encodeCursor(text, offset + limit) : undefined;
      return { items: page.items, from: store, ...(next !== undefined && { next }) };
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      degraded(store, 'search', error);
      lastFailure = error;
    }
  }
  throw unavailableAll(lastFailure);
}

function isUnavailable(error: unknown): boolean {
  return error instanceof DomainError && error.kind === 'unavailable';
}

function degraded(store: ReadStore, what: 'read' | 'fill' | 'search', error: unknown): void {
  logger.warn(`people ${what}: the ${store} store is unavailable, skipped`, { store, reason: (error as Error)?.message });
  metrics.addMetric('PeopleReadsDegraded', MetricUnit.Count, 1);
}

function unavailableAll(cause: unknown): Unavailable {
  return new Unavailable('no profile store is available, retry shortly', { cause, retryAfterSeconds: 2 });
}

function capitalized(store: ReadStore): string {
  return store.charAt(0).toUpperCase() + store.slice(1);
}
