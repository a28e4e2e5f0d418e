/**
 * The search port's contract: one suite, run against the embedded adapter and against the real
 * local OpenSearch (`scripts/services/opensearch.sh start`, http://127.0.0.1:9200). The OpenSearch
 * run fails (never skips) when the node is not reachable. Every index gets a unique name per run
 * and is deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { localServices } from '../../lambdas/platform/config';
import { EmbeddedSearchIndex } from '../../lambdas/platform/search/embedded-index';
import { arcDistanceKm } from '../../lambdas/platform/search/geo';
import { ensureIndexes } from '../../lambdas/platform/search/index-templates';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';
import {
  AggregationRequestError,
  type AggregationResult,
  type IndexDefinition,
  type SearchFilter,
  type SearchHits,
  type SearchIndex,
} from '../../lambdas/platform/search/search-index';

interface PortUnderTest {
  readonly index: SearchIndex;
  /** Removes an index this run created (not part of the port: deploys never drop indices). */
  dropIndex(name: string): Promise<void>;
  close(): Promise<void>;
}

type Person = {
  name: string;
  country?: string;
  age?: number | string;
  joined?: string;
  active?: boolean;
  note?: string;
  revision?: number;
};

const runId = randomBytes(4).toString('hex');

const peopleFields = {
  name: 'text',
  country: 'keyword',
  age: 'long',
  joined: 'date',
  active: 'boolean',
} as const;

function describeSearchIndexPort(adapter: string, open: () => Promise<PortUnderTest>): void {
  describe(`search index port: ${adapter}`, () => {
    let port: PortUnderTest;
    let index: SearchIndex;
    const created: string[] = [];
    let counter = 0;

    /** A new, empty index with the people mapping (plus extra fields) and a name unique to this run. */
    async function freshIndex(extraFields: IndexDefinition['fields'] = {}): Promise<string> {
      const name = `contract-search-${runId}-${adapter}-${++counter}`;
      created.push(name);
      await ensureIndexes(index, [{ name, fields: { ...peopleFields, ...extraFields } }]);
      return name;
    }

    async function seed(name: string, people: Record<string, Person>): Promise<void> {
      const outcome = await index.bulkUpsert(
        name,
        Object.entries(people).map(([id, body]) => ({ id, body })),
      );
      expect(outcome.failed).toEqual([]);
      await index.refresh(name);
    }

    const ids = (result: { hits: readonly { id: string }[] }) => result.hits.map((hit) => hit.id);

    beforeAll(async () => {
      port = await open();
      index = port.index;
    });

    afterAll(async () => {
      if (!port) return;
      // Concrete indices only (a name may have become an alias); an alias goes with its last index.
      for (const name of created) if ((await index.aliasTargets(name)).join() === name) await index.deleteIndex(name);
      await port.close();
    });

    test('a written document can be read back by id; an unknown id reads as undefined', async () => {
      const name = await freshIndex();
      const outcome = await index.bulkUpsert<Person>(name, [
        { id: 'p1', body: { name: 'Ada Lovelace', country: 'GB', age: 36, note: 'kept, not indexed' } },
      ]);
      expect(outcome).toEqual({ written: ['p1'], failed: [] });
      expect(await index.get<Person>(name, 'p1')).toEqual({
        name: 'Ada Lovelace',
        country: 'GB',
        age: 36,
        note: 'kept, not indexed',
      });
      expect(await index.get(name, 'nobody')).toBeUndefined();
      expect(await index.get(`${name}-missing-index`, 'p1')).toBeUndefined();
    });

    test('a write without a version replaces the document', async () => {
      const name = await freshIndex();
      await index.bulkUpsert<Person>(name, [{ id: 'p1', body: { name: 'First' } }]);
      await index.bulkUpsert<Person>(name, [{ id: 'p1', body: { name: 'Second' } }]);
      expect(await index.get<Person>(name, 'p1')).toEqual({ name: 'Second' });
    });

    test('external versions: an older or equal version is ignored (and reported written), a newer one applied', async () => {
      const name = await freshIndex();
      expect(await index.bulkUpsert<Person>(name, [{ id: 'p1', version: 5, body: { name: 'v5', revision: 5 } }])).toEqual({
        written: ['p1'],
        failed: [],
      });

      const replay = await index.bulkUpsert<Person>(name, [
        { id: 'p1', version: 3, body: { name: 'v3', revision: 3 } },
        { id: 'p1', version: 5, body: { name: 'v5 again', revision: 5 } },
      ]);
      expect(replay).toEqual({ written: ['p1', 'p1'], failed: [] });
      expect(await index.get<Person>(name, 'p1')).toEqual({ name: 'v5', revision: 5 });

      await index.bulkUpsert<Person>(name, [{ id: 'p1', version: 6, body: { name: 'v6', revision: 6 } }]);
      expect(await index.get<Person>(name, 'p1')).toEqual({ name: 'v6', revision: 6 });
    });

    test('within one bulk, versions settle on the newest whatever the order', async () => {
      const name = await freshIndex();
      const outcome = await index.bulkUpsert<Person>(name, [
        { id: 'p1', version: 2, body: { name: 'two' } },
        { id: 'p1', version: 9, body: { name: 'nine' } },
        { id: 'p1', version: 4, body: { name: 'four' } },
      ]);
      expect(outcome.failed).toEqual([]);
      expect(await index.get<Person>(name, 'p1')).toEqual({ name: 'nine' });
    });

    test('delete removes a document and is idempotent (missing document, missing index)', async () => {
      const name = await freshIndex();
      await seed(name, { p1: { name: 'Gone Soon' }, p2: { name: 'Stays Here' } });
      await index.delete(name, 'p1');
      expect(await index.get(name, 'p1')).toBeUndefined();
      await expect(index.delete(name, 'p1')).resolves.toBeUndefined();
      await expect(index.delete(name, 'never-existed')).resolves.toBeUndefined();
      await index.refresh(name);
      expect(ids(await index.search(name, {}))).toEqual(['p2']);
    });

    describe('search', () => {
      let people: string;

      beforeAll(async () => {
        people = await freshIndex();
        await seed(people, {
          alice: { name: 'Alice Johnson', country: 'PL', age: 31, joined: '2024-01-15T10:00:00Z', active: true },
          bob: { name: 'Bob Jones', country: 'DE', age: 45, joined: '2023-06-01T00:00:00Z', active: false },
          carol: { name: 'Carol Smith', country: 'PL', age: 27, joined: '2024-03-02T08:30:00.500Z', active: true },
          dave: { name: "Dave O'Neil-Smithson", country: 'US', age: 52, joined: '2022-11-30', active: true },
          erin: { name: 'Érin Zoë Åberg', country: 'SE', joined: '2024-07-01T00:00:00+02:00' },
        });
      });

      test('text matches whole words case-insensitively, and the last word as a prefix', async () => {
        expect(ids(await index.search(people, { text: { query: 'jo', fields: ['name'] } })).sort()).toEqual(['alice', 'bob']);
        expect(ids(await index.search(people, { text: { query: 'CAROL', fields: ['name'] } }))).toEqual(['carol']);
        // "smith" as the last word is a prefix: Smith and Smithson both match.
        expect(ids(await index.search(people, { text: { query: 'smith', fields: ['name'] } })).sort()).toEqual(['carol', 'dave']);
        // A word that is not the last one must match a whole word: "jo" no longer matches Johnson.
        expect(ids(await index.search(people, { text: { query: 'jo smith', fields: ['name'] } })).sort()).toEqual([
          'carol',
          'dave',
        ]);
        // Only word starts count: the middle of a word does not match.
        expect((await index.search(people, { text: { query: 'ohnson', fields: ['name'] } })).total).toBe(0);
        expect((await index.search(people, { text: { query: '   ', fields: ['name'] } })).total).toBe(0);
        expect(ids(await index.search(people, { text: { query: 'érin', fields: ['name'] } }))).toEqual(['erin']);
      });

      test('source filtering answers only the named properties of each body', async () => {
        const result = await index.search<Record<string, unknown>>(people, {
          text: { query: 'smith', fields: ['name'] },
          sort: [{ field: 'age', order: 'asc' }],
          source: ['name', 'country', 'nickname'],
        });
        expect(result.hits.map((hit) => [hit.id, hit.body])).toEqual([
          ['carol', { name: 'Carol Smith', country: 'PL' }],
          ['dave', { name: "Dave O'Neil-Smithson", country: 'US' }],
        ]);
        const whole = await index.search<Record<string, unknown>>(people, {
          filters: [{ term: { field: 'country', value: 'SE' } }],
        });
        expect(whole.hits[0]?.body).toEqual({ name: 'Érin Zoë Åberg', country: 'SE', joined: '2024-07-01T00:00:00+02:00' });
      });

      test('text hits matching more words rank first', async () => {
        const result = await index.search(people, { text: { query: 'alice jo', fields: ['name'] } });
        expect(result.total).toBe(2);
        expect(ids(result)).toEqual(['alice', 'bob']);
      });

      test('text search only looks at declared fields', async () => {
        const name = await freshIndex();
        await seed(name, { p1: { name: 'Someone', note: 'findable words' } });
        expect((await index.search(name, { text: { query: 'findable', fields: ['note'] } })).total).toBe(0);
        expect((await index.search(name, { filters: [{ term: { field: 'note', value: 'findable words' } }] })).total).toBe(0);
      });

      test('term filters on keyword, boolean and (exactly, whole value) text fields', async () => {
        expect(ids(await index.search(people, { filters: [{ term: { field: 'country', value: 'PL' } }] })).sort()).toEqual([
          'alice',
          'carol',
        ]);
        expect((await index.search(people, { filters: [{ term: { field: 'country', value: 'pl' } }] })).total).toBe(0);
        expect(ids(await index.search(people, { filters: [{ term: { field: 'active', value: false } }] }))).toEqual(['bob']);
        expect(ids(await index.search(people, { filters: [{ term: { field: 'name', value: 'Bob Jones' } }] }))).toEqual(['bob']);
        expect((await index.search(people, { filters: [{ term: { field: 'name', value: 'bob' } }] })).total).toBe(0);
        expect(ids(await index.search(people, { filters: [{ term: { field: 'age', value: 45 } }] }))).toEqual(['bob']);
      });

      test('range filters on numbers and dates: gte inclusive, lt exclusive', async () => {
        const ages = await index.search(people, { filters: [{ range: { field: 'age', gte: 31, lt: 52 } }] });
        expect(ids(ages).sort()).toEqual(['alice', 'bob']);
        const joined2024 = await index.search(people, {
          filters: [{ range: { field: 'joined', gte: '2024-01-01T00:00:00Z', lt: '2024-07-01T00:00:00Z' } }],
        });
        // Érin joined at 2024-06-30T22:00Z (the +02:00 offset), so she is inside the range.
        expect(ids(joined2024).sort()).toEqual(['alice', 'carol', 'erin']);
        const openEnded = await index.search(people, { filters: [{ range: { field: 'joined', lt: '2023-01-01' } }] });
        expect(ids(openEnded)).toEqual(['dave']);
      });

      test('filters combine with text (all filters must hold)', async () => {
        const result = await index.search(people, {
          text: { query: 'smith', fields: ['name'] },
          filters: [{ term: { field: 'country', value: 'PL' } }, { range: { field: 'age', gte: 20 } }],
        });
        expect(ids(result)).toEqual(['carol']);
      });

      test('sort by number and by text (its exact value), both orders, missing values last', async () => {
        expect(ids(await index.search(people, { sort: [{ field: 'age', order: 'asc' }] }))).toEqual([
          'carol',
          'alice',
          'bob',
          'dave',
          'erin',
        ]);
        expect(ids(await index.search(people, { sort: [{ field: 'age', order: 'desc' }] }))).toEqual([
          'dave',
          'bob',
          'alice',
          'carol',
          'erin',
        ]);
        expect(ids(await index.search(people, { sort: [{ field: 'name', order: 'asc' }] }))).toEqual([
          'alice',
          'bob',
          'carol',
          'dave',
          'erin',
        ]);
        expect(
          ids(
            await index.search(people, {
              sort: [
                { field: 'country', order: 'asc' },
                { field: 'age', order: 'desc' },
              ],
            }),
          ),
        ).toEqual(['bob', 'alice', 'carol', 'erin', 'dave']);
        expect(ids(await index.search(people, { sort: [{ field: 'joined', order: 'desc' }] }))).toEqual([
          'erin',
          'carol',
          'alice',
          'bob',
          'dave',
        ]);
      });

      test('sorting on a field the mapping does not know is an error', async () => {
        await expect(index.search(people, { sort: [{ field: 'note', order: 'asc' }] })).rejects.toThrow(
          /No mapping found for \[note\]/,
        );
      });

      test('searching an index that does not exist is an error', async () => {
        await expect(index.search(`contract-search-${runId}-${adapter}-never-created`, {})).rejects.toThrow(/index_not_found/);
      });
    });

    test('paging: size and from pick a window, total counts every match, default page size is 10', async () => {
      const name = await freshIndex();
      const people: Record<string, Person> = {};
      for (let i = 0; i < 25; i++) people[`p${String(i).padStart(2, '0')}`] = { name: `Person ${i}`, age: i };
      await seed(name, people);

      const byAge = { sort: [{ field: 'age', order: 'asc' as const }] };
      const firstPage = await index.search(name, byAge);
      expect(firstPage.total).toBe(25);
      expect(ids(firstPage)).toEqual(Array.from({ length: 10 }, (_, i) => `p${String(i).padStart(2, '0')}`));
      const lastPage = await index.search(name, { ...byAge, size: 10, from: 20 });
      expect(lastPage.total).toBe(25);
      expect(ids(lastPage)).toEqual(['p20', 'p21', 'p22', 'p23', 'p24']);
      const beyond = await index.search(name, { ...byAge, size: 10, from: 30 });
      expect(beyond).toEqual({ total: 25, hits: [] });
      const filtered = await index.search(name, { ...byAge, filters: [{ range: { field: 'age', gte: 10 } }], size: 3 });
      expect(filtered.total).toBe(15);
      expect(ids(filtered)).toEqual(['p10', 'p11', 'p12']);
    });

    test('bulk reports failures per item: a value that does not fit the mapping fails alone, the rest is written', async () => {
      const name = await freshIndex();
      const outcome = await index.bulkUpsert<Person>(name, [
        { id: 'ok-1', body: { name: 'Fine One', age: 30 } },
        { id: 'bad-age', body: { name: 'Bad Age', age: 'thirty' } },
        { id: 'ok-2', body: { name: 'Fine Two', age: '31' } }, // numeric strings are coerced, as OpenSearch does
        { id: 'bad-date', body: { name: 'Bad Date', joined: 'last tuesday' } },
        { id: 'bad-version', version: -1, body: { name: 'Bad Version' } },
        { id: '', body: { name: 'No Id' } },
        { id: 'ok-3', version: 1, body: { name: 'Fine Three' } },
      ]);
      expect(outcome.written).toEqual(['ok-1', 'ok-2', 'ok-3']);
      const failures = Object.fromEntries(outcome.failed.map((f) => [f.id, f]));
      expect(Object.keys(failures).sort()).toEqual(['', 'bad-age', 'bad-date', 'bad-version']);
      expect(failures['bad-age'].reason).toMatch(/mapper_parsing_exception: failed to parse field \[age\] of type \[long\]/);
      expect(failures['bad-date'].reason).toMatch(/mapper_parsing_exception: failed to parse field \[joined\] of type \[date\]/);
      expect(failures['bad-version'].reason).toMatch(/illegal_version/);
      expect(failures[''].reason).toMatch(/invalid_id/);
      expect(outcome.failed.every((f) => f.retryable === false)).toBe(true);

      expect(await index.get(name, 'bad-age')).toBeUndefined();
      expect(await index.get<Person>(name, 'ok-2')).toEqual({ name: 'Fine Two', age: '31' });
      await index.refresh(name);
      expect(ids(await index.search(name, { filters: [{ range: { field: 'age', gte: 31 } }] }))).toEqual(['ok-2']);
    });

    describe('dynamic objects (free-form properties)', () => {
      type Event = { type: string; time?: string; extra?: string; properties?: unknown };
      let events: string;

      async function eventIndex(): Promise<string> {
        const name = `contract-search-${runId}-${adapter}-${++counter}`;
        created.push(name);
        const definition = { name, fields: { type: 'keyword', time: 'date' }, dynamicObjects: ['properties'] } as const;
        await ensureIndexes(index, [definition]);
        await ensureIndexes(index, [definition]); // idempotent with dynamic objects too
        return name;
      }

      beforeAll(async () => {
        events = await eventIndex();
        // The first value of each property decides its type; written in order, one bulk each.
        for (const [id, body] of Object.entries<Event>({
          d1: {
            type: 'a',
            extra: 'top',
            properties: { weapon: 'sword', level: 3, premium: true, when: '2024-05-01', bio: 'x'.repeat(300) },
          },
          d2: { type: 'a', properties: { weapon: 7, level: 'high', premium: 'maybe', when: 'someday', bio: 'short' } },
          d3: { type: 'b', properties: { stats: { hp: 5 }, level: 1.5 } },
        })) {
          expect((await index.bulkUpsert<Event>(events, [{ id, body }])).failed).toEqual([]);
        }
        await index.refresh(events);
      });

      const match = async (field: string, value: string | number | boolean) =>
        ids(await index.search(events, { filters: [{ term: { field, value } }] })).sort();

      test('strings and booleans are exact keywords; a date-like string stays a keyword', async () => {
        expect(await match('properties.weapon', 'sword')).toEqual(['d1']);
        expect(await match('properties.weapon', 'Sword')).toEqual([]);
        // A number sent to a keyword property is its text.
        expect(await match('properties.weapon', '7')).toEqual(['d2']);
        expect(await match('properties.weapon', 7)).toEqual(['d2']);
        expect(await match('properties.premium', true)).toEqual(['d1']);
        expect(await match('properties.premium', 'true')).toEqual(['d1']);
        expect(await match('properties.premium', 'maybe')).toEqual(['d2']);
        expect(await match('properties.when', '2024-05-01')).toEqual(['d1']);
        expect(await match('properties.when', 'someday')).toEqual(['d2']);
      });

      test('numbers are doubles: a later non-number is kept in the document but not indexed', async () => {
        expect(await match('properties.level', 3)).toEqual(['d1']);
        expect(await match('properties.level', '3')).toEqual(['d1']);
        expect(await match('properties.level', 1.5)).toEqual(['d3']);
        // A word cannot equal a number: nothing matches, and it is no error.
        expect(await match('properties.level', 'high')).toEqual([]);
        expect(ids(await index.search(events, { filters: [{ range: { field: 'properties.level', gte: 2 } }] }))).toEqual(['d1']);
        expect(await index.get<Event>(events, 'd2')).toEqual({
          type: 'a',
          properties: { weapon: 7, level: 'high', premium: 'maybe', when: 'someday', bio: 'short' },
        });
        expect(ids(await index.search(events, { sort: [{ field: 'properties.level', order: 'desc' }] }))).toEqual([
          'd1',
          'd3',
          'd2',
        ]);
      });

      test('strings over 256 characters are kept but not indexed; nested objects are dynamic too', async () => {
        expect(await match('properties.bio', 'x'.repeat(300))).toEqual([]);
        expect(await match('properties.bio', 'short')).toEqual(['d2']);
        expect(await match('properties.stats.hp', 5)).toEqual(['d3']);
      });

      test('fields outside the declared ones and the dynamic objects stay unindexed', async () => {
        expect(await match('extra', 'top')).toEqual([]);
      });

      test('a value where an object was mapped, or an object where a value was, fails that document alone', async () => {
        const outcome = await index.bulkUpsert<Event>(events, [
          { id: 'bad-object', body: { type: 'c', properties: { weapon: { name: 'sword' } } } },
          { id: 'bad-value', body: { type: 'c', properties: { stats: 'none' } } },
          { id: 'bad-root', body: { type: 'c', properties: 'flat' } },
          { id: 'fine', body: { type: 'c', properties: { weapon: 'axe' } } },
        ]);
        expect(outcome.written).toEqual(['fine']);
        expect(outcome.failed.map((f) => f.id).sort()).toEqual(['bad-object', 'bad-root', 'bad-value']);
        for (const failure of outcome.failed) {
          expect(failure.reason).toMatch(/mapper_parsing_exception/);
          expect(failure.retryable).toBe(false);
        }
        await index.delete(events, 'fine');
        await index.refresh(events);
      });
    });

    test('terms filters match any of the values; an empty list matches nothing', async () => {
      const name = await freshIndex();
      await seed(name, {
        a: { name: 'A', country: 'PL', age: 1 },
        b: { name: 'B', country: 'DE', age: 2 },
        c: { name: 'C', country: 'US' },
      });
      const any = (field: string, values: (string | number | boolean)[]) =>
        index.search(name, { filters: [{ terms: { field, values } }] }).then((r) => ids(r).sort());
      expect(await any('country', ['PL', 'US', 'FR'])).toEqual(['a', 'c']);
      expect(await any('age', [2, 'two'])).toEqual(['b']);
      expect(await any('name', ['A', 'C'])).toEqual(['a', 'c']);
      expect(await any('country', [])).toEqual([]);
    });

    describe('aggregate', () => {
      type Event = { type: string; user_id: string; time: string; properties: Record<string, string | number | boolean> };
      let events: string;
      const minute = (m: number, s = 0, ms = 0) =>
        `2024-05-01T10:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}Z`;
      const fiveMinutes = { from: minute(0), to: minute(5) };

      beforeAll(async () => {
        const name = `contract-search-${runId}-${adapter}-${++counter}`;
        created.push(name);
        await ensureIndexes(index, [
          { name, fields: { type: 'keyword', user_id: 'keyword', time: 'date' }, dynamicObjects: ['properties'] },
        ]);
        events = name;
        const first: Record<string, Event> = {
          e1: { type: 'purchase', user_id: 'u1', time: minute(0, 5), properties: { weapon: 'sword', price: 10, premium: true } },
          e2: { type: 'purchase', user_id: 'u2', time: minute(0, 30), properties: { weapon: 'knife', price: 2.5 } },
          e3: { type: 'join', user_id: 'u1', time: minute(0, 59, 999), properties: { guild: 'red' } },
          e4: { type: 'purchase', user_id: 'u3', time: minute(2), properties: { weapon: 'sword', price: 12 } },
          // 12:02:10+02:00 is 10:02:10Z.
          e5: { type: 'purchase', user_id: 'u1', time: '2024-05-01T12:02:10+02:00', properties: { weapon: 'axe', price: 7 } },
          e6: { type: 'purchase', user_id: 'u2', time: minute(4, 59), properties: { weapon: 'knife', price: 3 } },
          e7: { type: 'purchase', user_id: 'u4', time: minute(5), properties: { weapon: 'sword', price: 100 } },
          e8: { type: 'purchase', user_id: 'u4', time: '2024-05-01T09:59:59.999Z', properties: { weapon: 'sword', price: 100 } },
        };
        expect(
          (
            await index.bulkUpsert<Event>(
              events,
              Object.entries(first).map(([id, body]) => ({ id, body })),
            )
          ).failed,
        ).toEqual([]);
        // After the first bulk, so `price` is already a number: `free` is kept but not summed.
        const second: Record<string, Event> = {
          e9: { type: 'purchase', user_id: 'u5', time: minute(3), properties: { weapon: 'x'.repeat(300) } },
          e10: { type: 'purchase', user_id: 'u5', time: minute(3, 30), properties: { price: 'free' } },
        };
        expect(
          (
            await index.bulkUpsert<Event>(
              events,
              Object.entries(second).map(([id, body]) => ({ id, body })),
            )
          ).failed,
        ).toEqual([]);
        await index.refresh(events);
      });

      const starts = (result: AggregationResult) => result.buckets.map((b) => b.start);

      test('counts per minute over [from, to), empty minutes included, with sums', async () => {
        const result = await index.aggregate(events, {
          timeField: 'time',
          interval: 'minute',
          range: fiveMinutes,
          sum: 'properties.price',
        });
        expect(result.buckets).toEqual([
          { start: '2024-05-01T10:00:00.000Z', count: 3, sum: 12.5 },
          { start: '2024-05-01T10:01:00.000Z', count: 0, sum: 0 },
          { start: '2024-05-01T10:02:00.000Z', count: 2, sum: 19 },
          { start: '2024-05-01T10:03:00.000Z', count: 2, sum: 0 },
          { start: '2024-05-01T10:04:00.000Z', count: 1, sum: 3 },
        ]);
        const countsOnly = await index.aggregate(events, { timeField: 'time', interval: 'minute', range: fiveMinutes });
        expect(countsOnly.buckets.map((b) => b)).toEqual(result.buckets.map(({ start, count }) => ({ start, count })));
      });

      test('hour and day buckets are UTC-aligned; partial first and last buckets count only the range', async () => {
        const hour = await index.aggregate(events, {
          timeField: 'time',
          interval: 'hour',
          range: { from: '2024-05-01T09:30:00Z', to: '2024-05-01T10:04:00Z' },
        });
        expect(hour.buckets).toEqual([
          { start: '2024-05-01T09:00:00.000Z', count: 1 }, // e8 only
          { start: '2024-05-01T10:00:00.000Z', count: 7 }, // e1-e5, e9, e10 (e6 at 10:04:59 is past `to`)
        ]);
        const day = await index.aggregate(events, {
          timeField: 'time',
          interval: 'day',
          range: { from: '2024-04-30T12:00:00Z', to: '2024-05-02T00:00:00Z' },
        });
        expect(day.buckets).toEqual([
          { start: '2024-04-30T00:00:00.000Z', count: 0 },
          { start: '2024-05-01T00:00:00.000Z', count: 10 },
        ]);
      });

      test('group by a property: most frequent first, ties by value, capped with the rest counted', async () => {
        const hour = { from: '2024-05-01T10:00:00Z', to: '2024-05-01T11:00:00Z' };
        const top2 = await index.aggregate(events, {
          timeField: 'time',
          interval: 'hour',
          range: hour,
          groupBy: { field: 'properties.weapon', size: 2 },
          sum: 'properties.price',
        });
        // e7 (10:05, a sword for 100) is in this hour.
        expect(top2.buckets).toEqual([
          {
            start: '2024-05-01T10:00:00.000Z',
            count: 9,
            sum: 134.5,
            groups: [
              { key: 'sword', count: 3, sum: 122 },
              { key: 'knife', count: 2, sum: 5.5 },
            ],
            // axe; the 300-character weapon is not indexed, so it is in no group.
            otherCount: 1,
          },
        ]);
        const tie = await index.aggregate(events, {
          timeField: 'time',
          interval: 'hour',
          range: fiveMinutes,
          groupBy: { field: 'properties.weapon', size: 2 },
        });
        // Before 10:05: knife 2, sword 2, axe 1: the tie goes to the smaller value.
        expect(tie.buckets[0].groups).toEqual([
          { key: 'knife', count: 2 },
          { key: 'sword', count: 2 },
        ]);
        expect(tie.buckets[0].otherCount).toBe(1);
        const byMinute = await index.aggregate(events, {
          timeField: 'time',
          interval: 'minute',
          range: fiveMinutes,
          groupBy: { field: 'properties.weapon' },
        });
        expect(byMinute.buckets.map((b) => [b.groups, b.otherCount])).toEqual([
          [
            [
              { key: 'knife', count: 1 },
              { key: 'sword', count: 1 },
            ],
            0,
          ],
          [[], 0],
          [
            [
              { key: 'axe', count: 1 },
              { key: 'sword', count: 1 },
            ],
            0,
          ],
          [[], 0],
          [[{ key: 'knife', count: 1 }], 0],
        ]);
      });

      test('group keys keep their type: numbers order numerically, booleans and types as text', async () => {
        const hour = { from: '2024-05-01T10:00:00Z', to: '2024-05-01T11:00:00Z' };
        const byPrice = await index.aggregate(events, {
          timeField: 'time',
          interval: 'hour',
          range: hour,
          groupBy: { field: 'properties.price', size: 25 },
        });
        expect(byPrice.buckets[0].groups).toEqual([2.5, 3, 7, 10, 12, 100].map((key) => ({ key, count: 1 })));
        const byPremium = await index.aggregate(events, {
          timeField: 'time',
          interval: 'hour',
          range: hour,
          groupBy: { field: 'properties.premium' },
        });
        expect(byPremium.buckets[0].groups).toEqual([{ key: 'true', count: 1 }]);
        const byType = await index.aggregate(events, {
          timeField: 'time',
          interval: 'hour',
          range: hour,
          groupBy: { field: 'type' },
          sum: 'properties.price',
        });
        expect(byType.buckets[0].groups).toEqual([
          { key: 'purchase', count: 8, sum: 134.5 },
          { key: 'join', count: 1, sum: 0 },
        ]);
      });

      test('filters on the type and on properties (term, any-of, range); a value that cannot fit matches nothing', async () => {
        const total = async (filters: SearchFilter[]) => {
          const result = await index.aggregate(events, {
            timeField: 'time',
            interval: 'hour',
            range: { from: minute(0), to: minute(5) },
            filters,
          });
          return result.buckets.reduce((n, b) => n + b.count, 0);
        };
        expect(await total([{ term: { field: 'type', value: 'purchase' } }])).toBe(7);
        expect(await total([{ terms: { field: 'type', values: ['join', 'unknown'] } }])).toBe(1);
        expect(await total([{ term: { field: 'properties.weapon', value: 'sword' } }])).toBe(2);
        expect(await total([{ range: { field: 'properties.price', gte: 3, lt: 12 } }])).toBe(3);
        expect(await total([{ term: { field: 'properties.premium', value: true } }])).toBe(1);
        expect(await total([{ term: { field: 'properties.price', value: 'cheap' } }])).toBe(0);
        expect(await total([{ range: { field: 'properties.price', gte: 'cheap' } }])).toBe(0);
        expect(await total([{ term: { field: 'properties.never-sent', value: 'x' } }])).toBe(0);
        expect(await total([{ term: { field: 'type', value: 'purchase' } }, { term: { field: 'user_id', value: 'u1' } }])).toBe(
          2,
        );
      });

      test('a sum over a field never sent is 0; over a text field it is a request error', async () => {
        const result = await index.aggregate(events, {
          timeField: 'time',
          interval: 'minute',
          range: fiveMinutes,
          sum: 'properties.never-sent',
        });
        expect(result.buckets.map((b) => b.sum)).toEqual([0, 0, 0, 0, 0]);
        await expect(
          index.aggregate(events, { timeField: 'time', interval: 'minute', range: fiveMinutes, sum: 'properties.weapon' }),
        ).rejects.toThrow(AggregationRequestError);
        await expect(
          index.aggregate(events, { timeField: 'time', interval: 'minute', range: fiveMinutes, sum: 'type' }),
        ).rejects.toThrow(/not numeric/);
      });

      test('an index that does not exist answers empty buckets', async () => {
        const result = await index.aggregate(`contract-search-${runId}-${adapter}-never-created`, {
          timeField: 'time',
          interval: 'minute',
          range: { from: minute(0), to: minute(2) },
          groupBy: { field: 'type' },
          sum: 'price',
        });
        expect(result.buckets).toEqual([
          { start: '2024-05-01T10:00:00.000Z', count: 0, sum: 0, groups: [], otherCount: 0 },
          { start: '2024-05-01T10:01:00.000Z', count: 0, sum: 0, groups: [], otherCount: 0 },
        ]);
        expect(starts(result)).toHaveLength(2);
      });

      test('requests no index could answer are refused', async () => {
        const base = { timeField: 'time', interval: 'minute' as const, range: fiveMinutes };
        await expect(index.aggregate(events, { ...base, range: { from: minute(5), to: minute(5) } })).rejects.toThrow(
          AggregationRequestError,
        );
        await expect(index.aggregate(events, { ...base, range: { from: 'yesterday', to: minute(5) } })).rejects.toThrow(
          /ISO-8601/,
        );
        // 2 days of minutes is 2880 buckets.
        await expect(
          index.aggregate(events, { ...base, range: { from: '2024-05-01T00:00:00Z', to: '2024-05-03T00:00:00Z' } }),
        ).rejects.toThrow(/at most 2000/);
        await expect(index.aggregate(events, { ...base, groupBy: { field: 'type', size: 26 } })).rejects.toThrow(/group size/);
        await expect(index.aggregate(events, { ...base, groupBy: { field: 'type', size: 0 } })).rejects.toThrow(/group size/);
      });
    });

    describe('geo points, distance filters and sorts, keyset paging', () => {
      type Place = { key: string; name: string; location?: unknown; time?: string };
      const cities: Record<string, { lat: number; lon: number }> = {
        warsaw: { lat: 52.2297, lon: 21.0122 },
        lodz: { lat: 51.7592, lon: 19.456 },
        krakow: { lat: 50.0647, lon: 19.945 },
        gdansk: { lat: 54.352, lon: 18.6466 },
        berlin: { lat: 52.52, lon: 13.405 },
        'new-york': { lat: 40.7128, lon: -74.006 },
      };
      const warsaw = cities.warsaw!;
      let places: string;

      beforeAll(async () => {
        places = await freshIndex({ key: 'keyword', location: 'geo_point', time: 'date' });
        const documents: Record<string, Place> = {};
        for (const [key, location] of Object.entries(cities)) documents[key] = { key, name: key, location };
        documents.nowhere = { key: 'nowhere', name: 'nowhere' };
        // Two points: the nearest counts ascending, the furthest descending.
        documents.twin = { key: 'twin', name: 'twin', location: [cities.krakow, cities['new-york']] };
        expect(
          (
            await index.bulkUpsert<Place>(
              places,
              Object.entries(documents).map(([id, body]) => ({ id, body })),
            )
          ).failed,
        ).toEqual([]);
        await index.refresh(places);
      });

      test('a geoDistance filter keeps documents with a point within the radius (great-circle km)', async () => {
        const within = async (km: number) =>
          ids(await index.search(places, { filters: [{ geoDistance: { field: 'location', ...warsaw, km } }], size: 50 })).sort();
        expect(await within(0.5)).toEqual(['warsaw']);
        expect(await within(150)).toEqual(['lodz', 'warsaw']);
        expect(await within(300)).toEqual(['gdansk', 'krakow', 'lodz', 'twin', 'warsaw']);
        expect(await within(600)).toEqual(['berlin', 'gdansk', 'krakow', 'lodz', 'twin', 'warsaw']);
        const combined = await index.search(places, {
          filters: [
            { geoDistance: { field: 'location', ...warsaw, km: 300 } },
            { terms: { field: 'key', values: ['krakow', 'berlin'] } },
          ],
        });
        expect(ids(combined)).toEqual(['krakow']);
      });

      test('sorting by distance from a point answers the distances in km as sort values', async () => {
        const nearest = await index.search<Place>(places, {
          filters: [{ terms: { field: 'key', values: Object.keys(cities) } }],
          sort: [{ geoDistance: { field: 'location', ...warsaw }, order: 'asc' }],
        });
        expect(ids(nearest)).toEqual(['warsaw', 'lodz', 'krakow', 'gdansk', 'berlin', 'new-york']);
        nearest.hits.forEach((hit) => {
          const city = cities[hit.id]!;
          const [km] = hit.sort ?? [];
          expect(typeof km).toBe('number');
          // OpenSearch stores points to ~1 cm; the distances agree to well under 10 m.
          expect(Math.abs((km as number) - arcDistanceKm(warsaw.lat, warsaw.lon, city.lat, city.lon))).toBeLessThan(0.01);
        });
        expect(arcDistanceKm(warsaw.lat, warsaw.lon, cities.krakow!.lat, cities.krakow!.lon)).toBeCloseTo(252, 0);

        const furthest = await index.search<Place>(places, {
          filters: [{ terms: { field: 'key', values: ['warsaw', 'berlin', 'twin', 'lodz'] } }],
          sort: [{ geoDistance: { field: 'location', ...warsaw }, order: 'desc' }],
        });
        // twin's furthest point is New York.
        expect(ids(furthest)).toEqual(['twin', 'berlin', 'lodz', 'warsaw']);
        const twinAscending = await index.search(places, {
          filters: [{ terms: { field: 'key', values: ['twin', 'gdansk'] } }],
          sort: [{ geoDistance: { field: 'location', ...warsaw }, order: 'asc' }],
        });
        // twin's nearest point is Kraków (252 km), nearer than Gdańsk (284 km).
        expect(ids(twinAscending)).toEqual(['twin', 'gdansk']);
      });

      test('points must be {lat, lon} within range: anything else fails that document alone', async () => {
        const outcome = await index.bulkUpsert<Place>(places, [
          { id: 'bad-lat', body: { key: 'bad-lat', name: 'x', location: { lat: 91, lon: 0 } } },
          { id: 'bad-lon', body: { key: 'bad-lon', name: 'x', location: { lat: 0, lon: 181 } } },
          { id: 'no-lon', body: { key: 'no-lon', name: 'x', location: { lat: 10 } } },
          { id: 'word', body: { key: 'word', name: 'x', location: { lat: 'north', lon: 3 } } },
          { id: 'edge', body: { key: 'edge', name: 'x', location: { lat: -90, lon: 180 } } },
        ]);
        expect(outcome.written).toEqual(['edge']);
        expect(outcome.failed.map((f) => f.id).sort()).toEqual(['bad-lat', 'bad-lon', 'no-lon', 'word']);
        expect(outcome.failed.every((f) => /mapper_parsing_exception/.test(f.reason) && f.retryable === false)).toBe(true);
        await index.delete(places, 'edge');
        await index.refresh(places);
      });

      test('searchAfter pages through a sort with ties exactly once each; total counts every match', async () => {
        const name = await freshIndex({ key: 'keyword', location: 'geo_point', time: 'date' });
        const documents: Record<string, Place> = {};
        for (let i = 0; i < 23; i++) {
          const key = `e${String(i).padStart(2, '0')}`;
          // Ties: three documents share each time; the key breaks them.
          const time = new Date(Date.UTC(2024, 4, 1, 10, Math.floor(((i * 7) % 23) / 3))).toISOString();
          documents[key] = { key, name: `event ${i}`, time, location: { lat: 50 + i / 10, lon: 20 } };
        }
        await seed(name, documents as unknown as Record<string, Person>);
        const expected = Object.values(documents)
          .sort((a, b) => (a.time! < b.time! ? -1 : a.time! > b.time! ? 1 : a.key < b.key ? -1 : 1))
          .map((d) => d.key);

        const byTime = [
          { field: 'time', order: 'asc' as const },
          { field: 'key', order: 'asc' as const },
        ];
        const seen: string[] = [];
        let after: readonly (string | number | null)[] | undefined;
        for (let page = 0; page < 10; page++) {
          const result = await index.search<Place>(name, { sort: byTime, size: 5, ...(after ? { searchAfter: after } : {}) });
          expect(result.total).toBe(23);
          if (result.hits.length === 0) break;
          seen.push(...ids(result));
          const last = result.hits[result.hits.length - 1]!;
          expect(last.sort).toEqual([Date.parse(last.body.time!), last.body.key]);
          after = last.sort;
        }
        expect(seen).toEqual(expected);

        // By distance from the southernmost point, filtered, in pages of 4.
        const byDistance = [
          { geoDistance: { field: 'location', lat: 50, lon: 20 }, order: 'asc' as const },
          { field: 'key', order: 'asc' as const },
        ];
        const filters = [{ range: { field: 'time', gte: '2024-05-01T10:02:00Z' } }];
        const near: string[] = [];
        after = undefined;
        for (let page = 0; page < 10; page++) {
          const result: SearchHits<Place> = await index.search<Place>(name, {
            sort: byDistance,
            filters,
            size: 4,
            ...(after ? { searchAfter: after } : {}),
          });
          if (result.hits.length === 0) break;
          near.push(...ids(result));
          after = result.hits[result.hits.length - 1]!.sort;
        }
        const later = Object.values(documents).filter((d) => d.time! >= '2024-05-01T10:02:00.000Z');
        expect(near).toEqual(later.map((d) => d.key).sort());
        expect(near.length).toBeGreaterThan(8);

        await expect(index.search(name, { sort: byTime, searchAfter: [0] })).rejects.toThrow(/search_after/);
      });

      test('sorting or filtering by distance on a field that is not a geo_point is an error', async () => {
        await expect(
          index.search(places, { sort: [{ geoDistance: { field: 'key', ...warsaw }, order: 'asc' }] }),
        ).rejects.toThrow();
        await expect(index.search(places, { filters: [{ geoDistance: { field: 'key', ...warsaw, km: 10 } }] })).rejects.toThrow();
      });
    });

    test('deleteWhere removes matching documents in every index of a pattern, and only there', async () => {
      const prefix = `contract-search-${runId}-${adapter}-retention`;
      const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}x-other`];
      for (const name of names) {
        created.push(name);
        await ensureIndexes(index, [{ name, fields: { time: 'date', kind: 'keyword' } }]);
        await index.bulkUpsert(name, [
          { id: 'old', body: { time: '2024-01-01T00:00:00Z', kind: 'k' } },
          { id: 'new', body: { time: '2024-06-01T00:00:00Z', kind: 'k' } },
          { id: 'other-kind', body: { time: '2024-01-01T00:00:00Z', kind: 'z' } },
        ]);
        await index.refresh(name);
      }
      const old = [{ range: { field: 'time', lt: '2024-03-01T00:00:00Z' } }, { term: { field: 'kind', value: 'k' } }] as const;
      expect(await index.deleteWhere(`${prefix}-*`, old)).toBe(2);
      for (const name of names.slice(0, 2)) {
        expect(await index.get(name, 'old')).toBeUndefined();
        expect(await index.get(name, 'new')).toBeDefined();
        expect(await index.get(name, 'other-kind')).toBeDefined();
      }
      expect(await index.get(names[2], 'old')).toBeDefined();
      expect(await index.deleteWhere(`${prefix}-*`, old)).toBe(0);
      expect(await index.deleteWhere(`${prefix}-nothing-*`, old)).toBe(0);
      expect(await index.deleteWhere(`${prefix}-never-created`, old)).toBe(0);
    });

    describe('aliases', () => {
      const aliasName = () => `contract-search-${runId}-${adapter}-alias-${++counter}`;
      /** Remembers concrete indices for the cleanup (an alias goes with its last index). */
      const track = (...names: string[]) => {
        created.push(...names);
      };

      test('ensureIndex with alias: creates <name>-initial behind the alias once; reads and writes go through the alias', async () => {
        const alias = aliasName();
        track(`${alias}-initial`);
        const definition: IndexDefinition = { name: alias, alias: true, fields: { ...peopleFields } };
        await ensureIndexes(index, [definition]);
        expect(await index.aliasTargets(alias)).toEqual([`${alias}-initial`]);
        await ensureIndexes(index, [{ ...definition, fields: { ...peopleFields, nickname: 'keyword' } }]);
        expect(await index.aliasTargets(alias)).toEqual([`${alias}-initial`]);

        await seed(alias, { p1: { name: 'Ann Alias', country: 'PL' }, p2: { name: 'Bob', nickname: 'bobby' } as Person });
        expect(await index.get<Person>(alias, 'p1')).toEqual({ name: 'Ann Alias', country: 'PL' });
        expect(await index.get<Person>(`${alias}-initial`, 'p1')).toEqual({ name: 'Ann Alias', country: 'PL' });
        expect(ids(await index.search(alias, { text: { query: 'alias', fields: ['name'] } }))).toEqual(['p1']);
        expect(ids(await index.search(alias, { filters: [{ term: { field: 'nickname', value: 'bobby' } }] }))).toEqual(['p2']);
        await expect(ensureIndexes(index, [{ ...definition, fields: { ...peopleFields, age: 'keyword' } }])).rejects.toThrow();
      });

      test('a rebuild: a second index behind a second alias, an atomic swap, the old index deleted', async () => {
        const alias = aliasName();
        const rebuild = `${alias}-rebuild`;
        const fresh = `${alias}-next`;
        track(`${alias}-initial`, fresh);
        const definition: IndexDefinition = { name: alias, alias: true, fields: { ...peopleFields } };
        await ensureIndexes(index, [definition]);
        await index.bulkUpsert(alias, [{ id: 'p1', version: 5, body: { name: 'Old Ann' } }]);
        expect(await index.aliasTargets(rebuild)).toEqual([]);

        await index.createIndex(fresh, definition, [rebuild]);
        expect(await index.aliasTargets(rebuild)).toEqual([fresh]);
        await expect(index.createIndex(fresh, definition)).rejects.toThrow();
        await index.bulkUpsert(rebuild, [
          { id: 'p1', version: 4, body: { name: 'Older Ann' } },
          { id: 'p2', version: 1, body: { name: 'New Bob' } },
        ]);
        // A write to both, as a sink does during a rebuild: external versions decide in each index.
        for (const target of [alias, rebuild]) await index.bulkUpsert(target, [{ id: 'p1', version: 6, body: { name: 'Ann' } }]);
        await index.refresh(alias);
        await index.refresh(rebuild);
        expect(ids(await index.search(alias, { sort: [{ field: 'name', order: 'asc' }] }))).toEqual(['p1']);
        expect(ids(await index.search(rebuild, { sort: [{ field: 'name', order: 'asc' }] }))).toEqual(['p1', 'p2']);

        await index.swapAlias(alias, { add: [fresh], remove: [`${alias}-initial`] });
        expect(await index.aliasTargets(alias)).toEqual([fresh]);
        await index.swapAlias(rebuild, { remove: [fresh] });
        expect(await index.aliasTargets(rebuild)).toEqual([]);
        expect(await index.get<Person>(alias, 'p1')).toEqual({ name: 'Ann' });
        expect(await index.get<Person>(alias, 'p2')).toEqual({ name: 'New Bob' });

        await expect(index.deleteIndex(alias)).rejects.toThrow(/alias/);
        await index.deleteIndex(`${alias}-initial`);
        await index.deleteIndex(`${alias}-initial`); // a missing index is no error
        expect(await index.aliasTargets(`${alias}-initial`)).toEqual([]);
        expect(await index.aliasTargets(alias)).toEqual([fresh]);
      });

      test('an alias over two indices: search reads both, a write through it is refused', async () => {
        const alias = aliasName();
        const [a, b] = [`${alias}-a`, `${alias}-b`];
        track(a, b);
        const definition: IndexDefinition = { name: alias, fields: { ...peopleFields } };
        await index.createIndex(a, definition, [alias]);
        await index.createIndex(b, definition);
        await seed(a, { p1: { name: 'In A' } });
        await seed(b, { p2: { name: 'In B' } });
        await index.swapAlias(alias, { add: [b] });
        expect(await index.aliasTargets(alias)).toEqual([a, b]);
        expect(ids(await index.search(alias, { sort: [{ field: 'name', order: 'asc' }] }))).toEqual(['p1', 'p2']);
        const outcome = await index.bulkUpsert(alias, [{ id: 'p3', body: { name: 'Nowhere' } }]);
        expect(outcome.written).toEqual([]);
        expect(outcome.failed).toEqual([{ id: 'p3', reason: expect.stringMatching(/no write index/), retryable: false }]);
      });

      test('a plain index from before the alias keeps working, and a swap replaces it with the alias', async () => {
        const alias = aliasName();
        const fresh = `${alias}-next`;
        track(alias, fresh);
        await ensureIndexes(index, [{ name: alias, fields: { ...peopleFields } }]);
        await seed(alias, { p1: { name: 'Plain' } });
        const definition: IndexDefinition = { name: alias, alias: true, fields: { ...peopleFields, nickname: 'keyword' } };
        await ensureIndexes(index, [definition]);
        expect(await index.aliasTargets(alias)).toEqual([alias]);
        await seed(alias, { p2: { name: 'Plain Two', nickname: 'two' } as Person });
        expect(ids(await index.search(alias, { filters: [{ term: { field: 'nickname', value: 'two' } }] }))).toEqual(['p2']);

        await index.createIndex(fresh, definition);
        await seed(fresh, { p1: { name: 'Plain' }, p2: { name: 'Plain Two' } });
        await index.swapAlias(alias, { add: [fresh], remove: [alias] });
        expect(await index.aliasTargets(alias)).toEqual([fresh]);
        expect(await index.get<Person>(alias, 'p2')).toEqual({ name: 'Plain Two' });
        await ensureIndexes(index, [definition]);
        expect(await index.aliasTargets(alias)).toEqual([fresh]);
      });

      test('search answers throughout a swap', async () => {
        const alias = aliasName();
        const fresh = `${alias}-next`;
        track(`${alias}-initial`, fresh);
        const definition: IndexDefinition = { name: alias, alias: true, fields: { ...peopleFields } };
        await ensureIndexes(index, [definition]);
        await seed(alias, { p1: { name: 'Always' } });
        await index.createIndex(fresh, definition);
        await seed(fresh, { p1: { name: 'Always' } });
        let stop = false;
        const answers: number[] = [];
        const reader = (async () => {
          while (!stop) {
            answers.push((await index.search(alias, { text: { query: 'always', fields: ['name'] } })).total);
            // The embedded index answers without I/O: let the timers below run.
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await index.swapAlias(alias, { add: [fresh], remove: [`${alias}-initial`] });
        await new Promise((resolve) => setTimeout(resolve, 50));
        stop = true;
        await reader;
        expect(answers.length).toBeGreaterThan(1);
        expect(new Set(answers)).toEqual(new Set([1]));
      });
    });

    describe('fuzzy text', () => {
      let name: string;
      beforeAll(async () => {
        name = await freshIndex({ surname: 'text' });
        await seed(name, {
          jon: { name: 'Jon', surname: 'Snow' } as Person,
          jonathan: { name: 'Jonathan', surname: 'Harker' } as Person,
          joan: { name: 'Joan', surname: 'Baez' } as Person,
          john_smith: { name: 'John', surname: 'Smith' } as Person,
          john_smyth: { name: 'John', surname: 'Smyth' } as Person,
          john_doe: { name: 'John', surname: 'Doe' } as Person,
          alexandra: { name: 'Alexandra', surname: 'Ng' } as Person,
          al: { name: 'Al', surname: 'Bo' } as Person,
        });
      });
      const fuzzy = (query: string) => index.search(name, { text: { query, fields: ['name', 'surname'], fuzzy: true } });

      test('ranks an exact word above a prefix above a typo', async () => {
        const found = ids(await fuzzy('jon'));
        expect(found.slice(0, 2)).toEqual(['jon', 'jonathan']);
        // jon -> joan and jon -> john are one edit each (a 3-letter word allows one).
        expect(found).toEqual(expect.arrayContaining(['joan', 'john_smith', 'john_smyth', 'john_doe']));
        expect(found).not.toContain('alexandra');
      });

      test('matches a misspelt whole word, the last word too, within AUTO distance', async () => {
        expect(ids(await fuzzy('alexnadra'))).toEqual(['alexandra']); // a swap of neighbours is one edit
        expect(ids(await fuzzy('alexzzdra'))).toEqual(['alexandra']); // two edits for 9 letters
        expect(ids(await fuzzy('alxzzdra'))).toEqual([]); // three are too many
        expect(ids(await fuzzy('ab'))).toEqual([]); // 1-2 letters: exact or prefix only
        expect(ids(await fuzzy('al'))).toEqual(expect.arrayContaining(['al', 'alexandra']));
        expect(ids(await fuzzy('al'))[0]).toBe('al');
      });

      test('more matched words rank first; without fuzzy a typo finds nothing', async () => {
        const found = ids(await fuzzy('john smith'));
        expect(found[0]).toBe('john_smith');
        expect(found[1]).toBe('john_smyth');
        expect(found).toContain('john_doe');
        expect(found.indexOf('john_doe')).toBeGreaterThan(1);
        expect(ids(await index.search(name, { text: { query: 'alexnadra', fields: ['name'] } }))).toEqual([]);
        expect(ids(await fuzzy('smi'))).toEqual(['john_smith']); // the last word as a prefix
      });
    });

    test('ensureIndex is idempotent, adds new fields, and refuses to change a field type', async () => {
      const name = await freshIndex();
      await seed(name, { p1: { name: 'Before', note: 'x' } });
      await ensureIndexes(index, [{ name, fields: { ...peopleFields } }]);
      await ensureIndexes(index, [{ name, fields: { ...peopleFields, nickname: 'keyword' } }]);
      await seed(name, { p2: { name: 'After', nickname: 'aft' } as Person });
      expect(ids(await index.search(name, { filters: [{ term: { field: 'nickname', value: 'aft' } }] }))).toEqual(['p2']);
      await expect(ensureIndexes(index, [{ name, fields: { ...peopleFields, age: 'keyword' } }])).rejects.toThrow(
        new RegExp(`could not create or update index ${name}`),
      );
      expect(await index.get<Person>(name, 'p1')).toEqual({ name: 'Before', note: 'x' });
    });
  });
}

describeSearchIndexPort('embedded', async () => ({
  index: new EmbeddedSearchIndex(),
  dropIndex: async () => {},
  close: async () => {},
}));

describeSearchIndexPort('opensearch', async () => {
  const url = localServices().openSearchUrl;
  const client = new Client({ node: url, requestTimeout: 20_000 });
  try {
    const health = await client.cluster.health({});
    if (health.body.status === 'red') throw new Error('cluster health is red');
  } catch (error) {
    await client.close();
    throw new Error(
      `OpenSearch is not reachable at ${url} (${(error as Error).message}). Start it with ` +
        '`scripts/services/opensearch.sh start` (or `npm run services:up`).',
    );
  }
  // One node locally: no replicas, so test indices are green at once.
  const index = new OpenSearchIndex(client, { numberOfShards: 1, numberOfReplicas: 0 });
  return {
    index,
    dropIndex: async (name) => {
      await client.indices.delete({ index: name }, { ignore: [404] });
    },
    close: async () => {
      await index.close();
      await client.close();
    },
  };
});
