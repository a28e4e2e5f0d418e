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
import { ensureIndexes } from '../../lambdas/platform/search/index-templates';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';
import type { IndexDefinition, SearchIndex } from '../../lambdas/platform/search/search-index';

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
      for (const name of created) await port.dropIndex(name);
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
