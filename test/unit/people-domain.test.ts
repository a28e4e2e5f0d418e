/**
 * The people domain on the embedded adapters (cache, search index, store) and a recording bus:
 * every field's input bounds, versions, the write path (202 only after the log took it; the cache
 * entry written through), the read path in each configured order with stores that are down
 * (Unavailable) skipped, the search with its fallback and cursors, and the sinks' batches.
 */

import { InMemoryPeopleStore } from '../../lambdas/people/adapters/in-memory-people-store';
import {
  CACHE_TTL_SECONDS,
  cacheKeyOf,
  deleteProfile,
  FILL_TTL_SECONDS,
  forgetAccounts,
  type PeoplePorts,
  type PersonRecordValue,
  parseProfileFields,
  type ReadStore,
  readProfile,
  recordOf,
  refreshCachedProfiles,
  saveProfile,
  searchPeople,
  versionAt,
} from '../../lambdas/people/domain/people';
import {
  birthdayProblem,
  latestBirthday,
  type ProfileFields,
  profileFieldsSchema,
  SUMMARY_FIELDS,
  usernameSchema,
} from '../../lambdas/people/domain/profile';
import { documentOf, peopleIndexDefinition, versionOfTombstone } from '../../lambdas/people/domain/projection';
import { decodeCursor, encodeCursor, searchWordsOf } from '../../lambdas/people/domain/search';
import { indexBatch, personRecordSchema, RetryableSinkError, sinkBatchOf } from '../../lambdas/people/domain/sinks';
import type { PeopleStore, PersonVersion } from '../../lambdas/people/domain/store';
import { nameHaystack, nameKey } from '../../lambdas/people/domain/store';
import { readPathOf } from '../../lambdas/people/wiring';
import type { EventBus, OutgoingRecord } from '../../lambdas/platform/bus/event-bus';
import { EmbeddedCache } from '../../lambdas/platform/cache/embedded-cache';
import type { Clock } from '../../lambdas/platform/clock/clock';
import { InvalidInput, NotFound, Unavailable } from '../../lambdas/platform/errors';
import type { RecordOrTombstone } from '../../lambdas/platform/kafka/decode';
import { EmbeddedSearchIndex } from '../../lambdas/platform/search/embedded-index';
import type { SearchIndex, SearchQuery } from '../../lambdas/platform/search/search-index';

const alice: ProfileFields = { firstName: 'Alice', lastName: 'Liddell' };

describe('profile fields', () => {
  const problemsOf = (input: Record<string, unknown>) =>
    profileFieldsSchema.safeParse({ ...alice, ...input }).error?.issues.map((issue) => issue.path.join('.')) ?? [];
  const accepted = (input: Record<string, unknown>) => expect(problemsOf(input)).toEqual([]);
  const refused = (input: Record<string, unknown>) => expect(problemsOf(input)).toEqual(Object.keys(input));

  it('needs a first and a last name of 1 to 80 characters, trimmed, without control characters', () => {
    for (const name of ['firstName', 'lastName']) {
      accepted({ [name]: 'x'.repeat(80) });
      accepted({ [name]: '  Ann  ' });
      refused({ [name]: 'x'.repeat(81) });
      refused({ [name]: '' });
      refused({ [name]: '   ' });
      refused({ [name]: 'A\u0007nn' });
      refused({ [name]: 'A\nnn' });
      refused({ [name]: 'A\u0085nn' });
      refused({ [name]: 'A\ud800' });
      refused({ [name]: 42 });
    }
    expect(profileFieldsSchema.safeParse({ firstName: 'A' }).success).toBe(false);
    expect(profileFieldsSchema.parse({ firstName: '  Ann ', lastName: 'B' }).firstName).toBe('Ann');
  });

  it('bounds every optional text and refuses it empty', () => {
    const bounds: Record<string, number> = { occupation: 100, mood: 100, description: 2000, journal: 10_000 };
    for (const [name, max] of Object.entries(bounds)) {
      accepted({ [name]: 'y'.repeat(max) });
      refused({ [name]: 'y'.repeat(max + 1) });
      refused({ [name]: '' });
      refused({ [name]: 'a\u0000b' });
    }
  });

  it('lets the long texts keep line breaks and tabs, and no other control characters', () => {
    for (const name of ['description', 'journal']) {
      accepted({ [name]: 'one\r\ntwo\tthree' });
      refused({ [name]: 'one\u001btwo' });
    }
    refused({ occupation: 'one\ntwo' });
    refused({ mood: 'one\ttwo' });
  });

  it('takes an email address of at most 254 characters', () => {
    accepted({ email: 'ann@example.com' });
    accepted({ email: `${'a'.repeat(64)}@${'b'.repeat(185)}.com` });
    refused({ email: `${'a'.repeat(64)}@${'b'.repeat(186)}.com` });
    refused({ email: 'not an address' });
    refused({ email: '' });
  });

  it('takes an assigned ISO 3166-1 alpha-2 country code in upper case', () => {
    accepted({ country: 'PL' });
    accepted({ country: 'AX' });
    refused({ country: 'pl' });
    refused({ country: 'XK' });
    refused({ country: 'UK' });
    refused({ country: 'POL' });
    refused({ country: '' });
  });

  it('takes a birthday on the calendar from 1900-01-01 until today (anywhere on earth)', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    expect(birthdayProblem('1900-01-01', now)).toBeUndefined();
    expect(birthdayProblem('2024-02-29', now)).toBeUndefined();
    expect(birthdayProblem('2026-03-10', now)).toBeUndefined();
    expect(birthdayProblem('2026-03-11', now)).toBeUndefined(); // already the 11th in UTC+14
    expect(birthdayProblem('2026-03-12', now)).toBe('must not be in the future');
    expect(birthdayProblem('1899-12-31', now)).toBe('must be 1900-01-01 or later');
    expect(birthdayProblem('2023-02-29', now)).toBe('must be a date on the calendar');
    expect(birthdayProblem('1990-13-01', now)).toBe('must be a date on the calendar');
    expect(birthdayProblem('1990-1-1', now)).toBe('must be a date YYYY-MM-DD');
    expect(birthdayProblem('1990-01-01T00:00:00Z', now)).toBe('must be a date YYYY-MM-DD');
    expect(latestBirthday(new Date('2026-03-10T23:00:00Z'))).toBe('2026-03-11');
    accepted({ birthday: '1990-04-21' });
    refused({ birthday: '3000-01-01' });
    refused({ birthday: '' });
  });

  it('takes one of the relationship statuses', () => {
    accepted({ relationshipStatus: 'its_complicated' });
    accepted({ relationshipStatus: 'prefer_not_to_say' });
    refused({ relationshipStatus: 'complicated' });
    refused({ relationshipStatus: '' });
  });

  it('takes phone numbers of 6 to 25 characters: a leading +, digits, spaces, dashes, parentheses, 6 digits at least', () => {
    for (const name of ['mobileNumber', 'phoneNumber']) {
      accepted({ [name]: '+48 (601) 234-567' });
      accepted({ [name]: '123456' });
      accepted({ [name]: `+${'1'.repeat(24)}` });
      refused({ [name]: `+${'1'.repeat(25)}` });
      refused({ [name]: '12345' });
      refused({ [name]: '(12) 345' });
      refused({ [name]: '12+3456789' });
      refused({ [name]: '12345a789' });
      refused({ [name]: '' });
    }
  });

  it('takes a picture URL over https, at most 2048 characters, without credentials', () => {
    accepted({ pictureUrl: 'https://example.com/me.png' });
    accepted({ pictureUrl: `https://example.com/${'p'.repeat(2048 - 20)}` });
    refused({ pictureUrl: `https://example.com/${'p'.repeat(2048 - 19)}` });
    refused({ pictureUrl: 'http://example.com/me.png' });
    refused({ pictureUrl: 'javascript:alert(1)' });
    refused({ pictureUrl: 'data:image/png;base64,AAAA' });
    refused({ pictureUrl: 'https://user:pw@example.com/me.png' });
    refused({ pictureUrl: 'https://example.com/a b.png' });
    refused({ pictureUrl: '/relative.png' });
  });

  it('takes a background colour #rrggbb, stored lower case', () => {
    expect(profileFieldsSchema.parse({ ...alice, background: '#1E90FF' }).background).toBe('#1e90ff');
    refused({ background: '#abc' });
    refused({ background: 'red' });
    refused({ background: '#1e90ff80' });
  });

  it('refuses unknown fields, and names every problem in the body for the web forms', () => {
    expect(problemsOf({ age: 3 })).toEqual(['']);
    try {
      parseProfileFields({ firstName: '', lastName: 'x', country: 'pl' });
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).problems.map((p) => p.path)).toEqual(['body.firstName', 'body.country']);
    }
  });

  it('takes usernames as the user pool does', () => {
    expect(usernameSchema.safeParse('alice.smith_1').success).toBe(true);
    expect(usernameSchema.safeParse('al ice').success).toBe(false);
    expect(usernameSchema.safeParse('').success).toBe(false);
    expect(usernameSchema.safeParse('a'.repeat(129)).success).toBe(false);
  });
});

describe('names as the fallback compares them', () => {
  it('folds case and accents and splits words at anything but letters and digits', () => {
    expect(nameKey('  Zoë   ØDEGÅRD ')).toBe('zoe ødegard');
    expect(nameHaystack('jl.picard', { firstName: 'Jean-Luc', lastName: 'Picard' })).toBe(' jean luc picard jl picard');
    expect(searchWordsOf(' Jean-Luc  pi ')).toEqual({ query: 'Jean-Luc pi', words: ['jean', 'luc', 'pi'] });
    expect(searchWordsOf('!!!')).toEqual({ query: '', words: [] });
  });
});

class RecordingBus implements EventBus {
  readonly records: OutgoingRecord[] = [];
  failing = false;
  async publish(_topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (this.failing) throw new Unavailable('the log could not take the records');
    this.records.push(...records);
  }
  async close(): Promise<void> {}
}

const down = (what: string) => () => Promise.reject(new Unavailable(`${what} is down`));
/** A store object whose every call fails as a stopped server does. */
function stopped<T extends object>(what: string): T {
  // Not a thenable: `then` stays undefined, so an async function can hand it out.
  return new Proxy({} as T, { get: (_target, name) => (name === 'then' ? undefined : down(what)) });
}

describe('write and read paths', () => {
  let now: Date;
  const clock: Clock = { now: () => now };
  let bus: RecordingBus;
  let cache: EmbeddedCache;
  let index: EmbeddedSearchIndex;
  let store: InMemoryPeopleStore;
  let seq: number;

  beforeEach(async () => {
    now = new Date('2026-05-01T10:00:00.000Z');
    seq = 0;
    bus = new RecordingBus();
    cache = new EmbeddedCache();
    index = new EmbeddedSearchIndex();
    await index.ensureIndex(peopleIndexDefinition);
    store = new InMemoryPeopleStore();
  });

  const portsOf = (readPath: readonly ReadStore[], overrides: Partial<PeoplePorts> = {}): PeoplePorts => ({
    bus: async () => bus,
    cache: async () => cache,
    search: async () => index,
    store: async () => store,
    clock,
    readPath,
    random: () => (seq++ % 1000) / 1000,
    ...overrides,
  });
  const all = portsOf(['cache', 'search', 'sql']);

  /** Both sinks apply what the bus took, or its first `count` records (as the consumers would, cache refresh included). */
  async function sinksCatchUp(count = bus.records.length, ports = all): Promise<void> {
    const records = bus.records.slice(0, count).map((record, offset) => toConsumed(record, offset));
    const batch = sinkBatchOf(records, now);
    await store.apply(batch.versions);
    await indexBatch(index, batch, records);
    await refreshCachedProfiles(ports, batch.versions);
  }

  it('gives each write a version from the clock, ordered with time, below 2^53', () => {
    const v1 = versionAt(new Date('2026-05-01T10:00:00.000Z'), () => 0.9999);
    const v2 = versionAt(new Date('2026-05-01T10:00:00.001Z'), () => 0);
    expect(v2).toBeGreaterThan(v1);
    expect(Number.isSafeInteger(versionAt(new Date('2200-01-01T00:00:00Z'), () => 0.9999))).toBe(true);
  });

  it('publishes a write keyed by username, then the writer reads it from the cache at once', async () => {
    const { version } = await saveProfile(all, 'alice', alice);
    expect(bus.records).toEqual([
      {
        key: 'alice',
        value: JSON.stringify({ username: 'alice', version, updatedAt: now.toISOString(), profile: alice }),
        headers: { version: String(version), 'updated-at': now.toISOString() },
      },
    ]);
    expect(await readProfile(all, 'alice')).toEqual({
      profile: { username: 'alice', version, updatedAt: now.toISOString(), ...alice },
      from: 'cache',
    });
  });

  it('publishes a delete as a tombstone; the deleter reads 404 at once though the stores still hold the profile', async () => {
    await saveProfile(all, 'alice', alice);
    await sinksCatchUp();
    now = new Date(now.getTime() + 1000);
    const { version } = await deleteProfile(all, 'alice');
    expect(bus.records[1]).toEqual({
      key: 'alice',
      value: null,
      headers: { version: String(version), 'updated-at': now.toISOString() },
    });
    await expect(readProfile(all, 'alice')).rejects.toBeInstanceOf(NotFound);
    await sinksCatchUp();
    await expect(readProfile(portsOf(['search']), 'alice')).rejects.toBeInstanceOf(NotFound);
    await expect(readProfile(portsOf(['sql']), 'alice')).rejects.toBeInstanceOf(NotFound);
  });

  it('answers 503 (Unavailable) when the log cannot take a write, and writes no cache entry', async () => {
    bus.failing = true;
    await expect(saveProfile(all, 'alice', alice)).rejects.toBeInstanceOf(Unavailable);
    expect(await cache.getVersioned(cacheKeyOf('alice'))).toBeUndefined();
  });

  it('still answers a write whose cache entry cannot be written (the log has it)', async () => {
    const ports = portsOf(['cache', 'search', 'sql'], { cache: async () => stopped('redis') });
    const answer = await saveProfile(ports, 'alice', alice);
    expect(answer.username).toBe('alice');
    expect(bus.records).toHaveLength(1);
  });

  it('reads along the path: a store that does not know the username passes to the next, whose answer fills the cache', async () => {
    await store.apply([{ username: 'bob', version: 5, updatedAt: now.toISOString(), deleted: false, fields: alice }]);
    expect((await readProfile(all, 'bob')).from).toBe('sql');
    expect((await readProfile(all, 'bob')).from).toBe('cache');
    expect(await cache.getVersioned(cacheKeyOf('bob'))).toMatchObject({ version: 5 });
  });

  it('follows the configured order', async () => {
    await saveProfile(all, 'alice', alice);
    await sinksCatchUp();
    expect((await readProfile(portsOf(['sql', 'search', 'cache']), 'alice')).from).toBe('sql');
    expect((await readProfile(portsOf(['search', 'sql']), 'alice')).from).toBe('search');
    expect((await readProfile(portsOf(['cache', 'sql']), 'alice')).from).toBe('cache');
  });

  it('skips stores that are down: search down → sql; cache and search down → sql; the cache failing in any way', async () => {
    const noCache = portsOf(['search', 'sql']);
    await saveProfile(noCache, 'alice', alice);
    await sinksCatchUp(bus.records.length, noCache);
    expect((await readProfile(portsOf(['cache', 'search', 'sql'], { search: down('opensearch') }), 'alice')).from).toBe('sql');
    const cacheAndSearchDown = portsOf(['cache', 'search', 'sql'], { search: down('opensearch'), cache: down('redis') });
    expect((await readProfile(cacheAndSearchDown, 'alice')).from).toBe('sql');
    const brokenCache = portsOf(['cache', 'search', 'sql'], {
      cache: async () => ({
        getVersioned: () => Promise.reject(new Error('ECONNRESET')),
        putIfNewer: () => Promise.reject(new Error('ECONNRESET')),
      }),
    });
    expect((await readProfile(brokenCache, 'alice')).from).toBe('search');
    const storeDown = portsOf(['cache', 'search', 'sql'], {
      store: async () => stopped<PeopleStore>('mysql'),
      cache: down('redis'),
    });
    expect((await readProfile(storeDown, 'alice')).from).toBe('search');
  });

  it('is Unavailable when no store could answer, and NotFound when those that answered do not know the username', async () => {
    const nothingUp = portsOf(['cache', 'search', 'sql'], {
      cache: down('redis'),
      search: down('opensearch'),
      store: down('mysql'),
    });
    await expect(readProfile(nothingUp, 'alice')).rejects.toBeInstanceOf(Unavailable);
    const onlySql = portsOf(['cache', 'search', 'sql'], { search: down('opensearch') });
    await expect(readProfile(onlySql, 'nobody')).rejects.toBeInstanceOf(NotFound);
  });

  it('does not let an older store answer replace the newer cache entry', async () => {
    await store.apply([{ username: 'cy', version: 1, updatedAt: now.toISOString(), deleted: false, fields: alice }]);
    const { version } = await saveProfile(all, 'cy', { firstName: 'Newer', lastName: 'Cy' });
    // The sql-only read fills nothing (no cache on its path); a full read gets the newer entry.
    expect((await readProfile(portsOf(['sql', 'cache']), 'cy')).profile.version).toBe(1);
    expect(await readProfile(all, 'cy')).toMatchObject({ from: 'cache', profile: { version, firstName: 'Newer' } });
  });

  it('corrects a cache entry a read filled from a store that lagged, once the sinks apply the newer write', async () => {
    await saveProfile(all, 'eve', { firstName: 'Old', lastName: 'Eve' });
    await sinksCatchUp();
    now = new Date(now.getTime() + 1000);
    const { version } = await saveProfile(all, 'eve', { firstName: 'New', lastName: 'Eve' });
    // The writer's entry is evicted before the sinks applied the newer write: a read fills the old one.
    await cache.delete(cacheKeyOf('eve'));
    expect(await readProfile(all, 'eve')).toMatchObject({ from: 'search', profile: { firstName: 'Old' } });
    expect(await readProfile(all, 'eve')).toMatchObject({ from: 'cache', profile: { firstName: 'Old' } });
    await sinksCatchUp();
    expect(await readProfile(all, 'eve')).toMatchObject({ from: 'cache', profile: { version, firstName: 'New' } });
  });

  it('keeps a filled entry only briefly, a written one for the full time, and never lets a sink put back an older version', async () => {
    const ttls: number[] = [];
    const recording = portsOf(['cache', 'search', 'sql'], {
      cache: async () => ({
        getVersioned: (key: string) => cache.getVersioned(key),
        putIfNewer: (key: string, version: number, value: string, ttl: number) => {
          ttls.push(ttl);
          return cache.putIfNewer(key, version, value, ttl);
        },
      }),
    });
    const first = await saveProfile(recording, 'fay', alice);
    now = new Date(now.getTime() + 1000);
    const second = await saveProfile(recording, 'fay', { firstName: 'Second', lastName: 'Fay' });
    await sinksCatchUp(1);
    await cache.delete(cacheKeyOf('fay'));
    await readProfile(recording, 'fay');
    expect(ttls).toEqual([CACHE_TTL_SECONDS, CACHE_TTL_SECONDS, FILL_TTL_SECONDS]);
    expect(FILL_TTL_SECONDS).toBeLessThanOrEqual(60);
    await sinksCatchUp();
    await sinksCatchUp(1);
    expect(await cache.getVersioned(cacheKeyOf('fay'))).toMatchObject({ version: second.version });
    expect(second.version).toBeGreaterThan(first.version);
  });

  it('refreshes no cache from the sinks when the read path has none, and survives a cache that is down', async () => {
    const person: PersonVersion = { username: 'gus', version: 3, updatedAt: now.toISOString(), deleted: false, fields: alice };
    await refreshCachedProfiles(portsOf(['search', 'sql']), [person]);
    expect(await cache.getVersioned(cacheKeyOf('gus'))).toBeUndefined();
    await expect(refreshCachedProfiles(portsOf(['cache', 'sql'], { cache: down('redis') }), [person])).resolves.toBeUndefined();
    await refreshCachedProfiles(all, [person]);
    expect(await cache.getVersioned(cacheKeyOf('gus'))).toMatchObject({ version: 3 });
  });

  it('lets a sql-only path neither read nor write the cache', async () => {
    const sqlOnly = portsOf(['sql'], { cache: down('redis') });
    await saveProfile(sqlOnly, 'dee', alice);
    await expect(readProfile(sqlOnly, 'dee')).rejects.toBeInstanceOf(NotFound);
    await sinksCatchUp();
    expect((await readProfile(sqlOnly, 'dee')).from).toBe('sql');
  });

  it('deletes the profiles of deleted accounts, one tombstone each', async () => {
    await forgetAccounts(all, ['ann', 'ben', 'ann']);
    expect(bus.records.map((r) => [r.key, r.value])).toEqual([
      ['ann', null],
      ['ben', null],
    ]);
    await forgetAccounts(all, []);
    expect(bus.records).toHaveLength(2);
  });

  describe('search', () => {
    beforeEach(async () => {
      const people: [string, ProfileFields][] = [
        ['alice', { firstName: 'Alice', lastName: 'Liddell', country: 'GB' }],
        ['alicja', { firstName: 'Alicja', lastName: 'Kowalska' }],
        ['bob', { firstName: 'Bob', lastName: 'Builder' }],
        ['carol', { firstName: 'Carol', lastName: 'Alison' }],
      ];
      for (const [username, fields] of people) await saveProfile(all, username, fields);
      await sinksCatchUp();
    });

    it('finds by the start of a name in the index, and in MySQL when the index is down', async () => {
      const fromIndex = await searchPeople(all, { q: 'Ali' });
      expect(fromIndex.from).toBe('search');
      expect(fromIndex.items.map((i) => i.username).sort()).toEqual(['alice', 'alicja', 'carol']);
      const fallback = await searchPeople(portsOf(['cache', 'search', 'sql'], { search: down('opensearch') }), { q: 'Ali' });
      expect(fallback.from).toBe('sql');
      expect(fallback.items).toEqual([
        { username: 'carol', firstName: 'Carol', lastName: 'Alison' },
        { username: 'alicja', firstName: 'Alicja', lastName: 'Kowalska' },
        { username: 'alice', firstName: 'Alice', lastName: 'Liddell', country: 'GB' },
      ]);
      expect((await searchPeople(portsOf(['cache', 'sql']), { q: 'Ali' })).from).toBe('sql');
    });

    it('asks the index for the summary fields only, and answers the same summaries as MySQL', async () => {
      await saveProfile(all, 'alice', { ...alice, country: 'GB', mood: 'curious', journal: 'x'.repeat(5000) });
      await sinksCatchUp();
      const queries: SearchQuery[] = [];
      const recording = new Proxy(index, {
        get: (target, name, receiver) =>
          name === 'search'
            ? (indexName: string, query: SearchQuery) => {
                queries.push(query);
                return target.search(indexName, query);
              }
            : Reflect.get(target, name, receiver),
      });
      const fromIndex = await searchPeople(portsOf(['search'], { search: async () => recording }), { q: 'Alice Liddell' });
      const fromSql = await searchPeople(portsOf(['sql']), { q: 'Alice Liddell' });
      expect(queries.map((query) => query.source)).toEqual([SUMMARY_FIELDS]);
      expect(fromIndex.items[0]).toEqual({
        username: 'alice',
        firstName: 'Alice',
        lastName: 'Liddell',
        country: 'GB',
        mood: 'curious',
      });
      expect(fromSql.items).toEqual([fromIndex.items[0]]);
    });

    it('finds a name despite a typo in the index', async () => {
      const found = await searchPeople(all, { q: 'Alcie' });
      expect(found.items.map((i) => i.username)).toContain('alice');
    });

    it('pages with a cursor that belongs to its words only', async () => {
      for (const ports of [all, portsOf(['sql'])]) {
        const first = await searchPeople(ports, { q: 'ali', limit: 2 });
        expect(first.items).toHaveLength(2);
        expect(first.next).toBeDefined();
        const second = await searchPeople(ports, { q: 'ali', limit: 2, cursor: first.next });
        expect(second.items).toHaveLength(1);
        expect(second.next).toBeUndefined();
        const usernames = [...first.items, ...second.items].map((i) => i.username).sort();
        expect(usernames).toEqual(['alice', 'alicja', 'carol']);
        await expect(searchPeople(ports, { q: 'bob', cursor: first.next })).rejects.toBeInstanceOf(InvalidInput);
      }
      await expect(searchPeople(all, { q: 'ali', cursor: 'garbage!' })).rejects.toBeInstanceOf(InvalidInput);
      await expect(searchPeople(all, { q: 'ali', limit: 51 })).rejects.toBeInstanceOf(InvalidInput);
    });

    it('lists everyone by name without words', async () => {
      const everyone = await searchPeople(portsOf(['sql']), {});
      expect(everyone.items.map((i) => i.username)).toEqual(['carol', 'bob', 'alicja', 'alice']);
      expect((await searchPeople(all, { q: '' })).items).toHaveLength(4);
    });

    it('is Unavailable when neither store can answer', async () => {
      const nothing = portsOf(['search', 'sql'], { search: down('opensearch'), store: down('mysql') });
      await expect(searchPeople(nothing, { q: 'ali' })).rejects.toBeInstanceOf(Unavailable);
    });
  });
});

describe('cursors', () => {
  it('carry the offset for one search', () => {
    const text = searchWordsOf('ali');
    const cursor = encodeCursor(text, 20) as string;
    expect(decodeCursor(text, cursor)).toBe(20);
    expect(decodeCursor(searchWordsOf('bob'), cursor)).toMatch(/another search/);
    expect(decodeCursor(text, 'not a cursor')).toMatch(/not a cursor/);
    expect(encodeCursor(text, 100_000)).toBeUndefined();
  });
});

describe('read path setting', () => {
  it('defaults to cache, search, sql and takes any order of distinct stores with search or sql', () => {
    expect(readPathOf(undefined)).toEqual(['cache', 'search', 'sql']);
    expect(readPathOf('cache,sql')).toEqual(['cache', 'sql']);
    expect(readPathOf(' sql ')).toEqual(['sql']);
    expect(() => readPathOf('cache')).toThrow();
    expect(() => readPathOf('sql,sql')).toThrow();
    expect(() => readPathOf('cache,mongo')).toThrow();
  });
});

function toConsumed(record: OutgoingRecord, offset: number): RecordOrTombstone<PersonRecordValue> {
  const meta = {
    topic: 'people',
    partition: 0,
    offset,
    timestamp: 0,
    key: record.key,
    headers: { ...(record.headers ?? {}) },
  };
  if (record.value === null) return { ...meta, key: record.key, value: null, rawValue: null };
  return { ...meta, value: personRecordSchema.parse(JSON.parse(record.value)), rawValue: record.value };
}

describe('sink batches', () => {
  const write = (username: string, version: number): OutgoingRecord =>
    recordOf({ username, version, updatedAt: '2026-05-01T10:00:00.000Z', deleted: false, fields: alice });
  const tombstone = (username: string, version: number): OutgoingRecord =>
    recordOf({ username, version, updatedAt: '2026-05-01T10:00:01.000Z', deleted: true });

  it('keeps the newest version of each username, tombstones included', () => {
    const records = [write('a', 1), tombstone('a', 3), write('a', 2), write('b', 7)].map(toConsumed);
    const batch = sinkBatchOf(records, new Date('2026-05-01T10:00:02.000Z'));
    expect(batch.versions.map((v) => [v.username, v.version, v.deleted])).toEqual([
      ['a', 3, true],
      ['b', 7, false],
    ]);
    expect(batch.refused).toEqual([]);
    expect(batch.lagMs).toBe(2000);
  });

  it('refuses a tombstone without a usable version and a value under another key', () => {
    const bad = { ...toConsumed(tombstone('a', 3), 0), headers: { 'updated-at': '2026-05-01T10:00:01.000Z' } };
    const misfiled = { ...toConsumed(write('a', 3), 1), key: 'b' };
    const batch = sinkBatchOf([bad, misfiled], new Date());
    expect(batch.versions).toEqual([]);
    expect(batch.refused.map((r) => r.reason)).toEqual([
      'tombstone without a valid version header',
      'the record key is not the username of its value',
    ]);
    expect(
      versionOfTombstone({ ...bad, key: 'a', value: null, rawValue: null, headers: { version: '12', 'updated-at': 'x' } }),
    ).toBe('tombstone without a valid updated-at header');
  });

  it('retries the batch on a transient failure and hands back what the index refuses for good', async () => {
    const real = new EmbeddedSearchIndex();
    await real.ensureIndex(peopleIndexDefinition);
    let failure: { id: string; reason: string; retryable?: boolean } | undefined;
    // The embedded index, answering one document's failure as OpenSearch's bulk API would.
    const index = new Proxy(real, {
      get: (target, name, receiver) =>
        name === 'bulkUpsert'
          ? async (n: string, documents: readonly { id: string }[]) => {
              const outcome = await target.bulkUpsert(n, documents as never);
              if (!failure) return outcome;
              return { written: outcome.written.filter((id) => id !== failure?.id), failed: [failure] };
            }
          : Reflect.get(target, name, receiver),
    });
    const consumed = [write('a', 1), write('b', 2), tombstone('b', 3)].map(toConsumed);
    failure = { id: 'b', reason: 'es_rejected_execution_exception', retryable: true };
    await expect(indexBatch(index, sinkBatchOf(consumed, new Date()), consumed)).rejects.toBeInstanceOf(RetryableSinkError);
    failure = { id: 'b', reason: 'mapper_parsing_exception', retryable: false };
    const refused = await indexBatch(index, sinkBatchOf(consumed, new Date()), consumed);
    expect(refused.map((r) => [r.record.key, r.record.offset, r.reason])).toEqual([
      ['b', 1, 'mapper_parsing_exception'],
      ['b', 2, 'mapper_parsing_exception'],
    ]);
  });

  it('indexes by external version: an older write after a delete leaves the tombstone', async () => {
    const index: SearchIndex = new EmbeddedSearchIndex();
    await index.ensureIndex(peopleIndexDefinition);
    const apply = async (records: OutgoingRecord[]) => {
      const consumed = records.map(toConsumed);
      await indexBatch(index, sinkBatchOf(consumed, new Date()), consumed);
    };
    await apply([write('a', 5)]);
    await apply([tombstone('a', 9)]);
    await apply([write('a', 7)]);
    expect(await index.get('people', 'a')).toMatchObject({ deleted: true, version: 9 });
    const person: PersonVersion = { username: 'z', version: 1, updatedAt: 'now', deleted: true };
    expect(documentOf(person)).toEqual({
      id: 'z',
      version: 1,
      body: { username: 'z', version: 1, updatedAt: 'now', deleted: true },
    });
  });
});
