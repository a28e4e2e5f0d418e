/**
 * The people index rebuild (`npm run people:reindex`, lambdas/people/domain/rebuild-index.ts) on
 * both backends: MySQL (a fresh migrated database on the local MariaDB) with the real local
 * OpenSearch, and the embedded store and index. Writes keep arriving through the sinks' own
 * functions while it runs, search is asked throughout, the rebuild is interrupted and resumed,
 * and at the end the index holds exactly what MySQL holds. On OpenSearch every index and alias
 * of a run is under a prefix of its own (PrefixedSearchIndex), so the shared `people` is never touched.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { InMemoryPeopleStore } from '../../lambdas/people/adapters/in-memory-people-store';
import { MySqlPeopleStore } from '../../lambdas/people/adapters/mysql-people-store';
import {
  countPeopleRows,
  InMemoryRebuildCheckpoints,
  MySqlRebuildCheckpoints,
} from '../../lambdas/people/adapters/rebuild-checkpoints';
import type { ProfileFields } from '../../lambdas/people/domain/profile';
import { documentOf, PEOPLE_INDEX, peopleIndexDefinition } from '../../lambdas/people/domain/projection';
import {
  PEOPLE_REBUILD_ALIAS,
  type RebuildPorts,
  type RebuildProgress,
  rebuildPeopleIndex,
} from '../../lambdas/people/domain/rebuild-index';
import { indexBatch, storeBatch } from '../../lambdas/people/domain/sinks';
import type { PeopleStore, PersonVersion } from '../../lambdas/people/domain/store';
import { countByScan } from '../../lambdas/people/rebuild-wiring';
import { systemClock } from '../../lambdas/platform/clock/clock';
import { localServices } from '../../lambdas/platform/config';
import { EmbeddedSearchIndex } from '../../lambdas/platform/search/embedded-index';
import { OpenSearchIndex } from '../../lambdas/platform/search/opensearch-index';
import { PrefixedSearchIndex } from '../../lambdas/platform/search/prefixed-index';
import type { SearchIndex } from '../../lambdas/platform/search/search-index';
import { temporaryDatabase } from '../support/mariadb';

jest.setTimeout(120_000);

interface Backend {
  readonly ports: RebuildPorts;
  cleanup(): Promise<void>;
}

let counter = 0;
/** Versions as the write path makes them: microseconds, increasing. */
const nextVersion = () => Date.now() * 1000 + (++counter % 1000);
const fields = (n: number, generation = 0): ProfileFields => ({
  firstName: `Person${n}`,
  lastName: 'Rebuildson',
  mood: `generation ${generation}`,
});
const written = (username: string, f: ProfileFields): PersonVersion => ({
  username,
  version: nextVersion(),
  updatedAt: new Date().toISOString(),
  deleted: false,
  fields: f,
});
const deleted = (username: string): PersonVersion => ({
  username,
  version: nextVersion(),
  updatedAt: new Date().toISOString(),
  deleted: true,
});
const username = (n: number) => `user${String(n).padStart(4, '0')}`;
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

/** What both sinks do with a batch (in the real system each in its own consumer group). */
async function sink(ports: RebuildPorts, versions: PersonVersion[], where: 'both' | 'index' | 'store' = 'both') {
  const batch = { versions, refused: [], lagMs: 0 };
  if (where !== 'index') await storeBatch(ports.store, batch);
  if (where !== 'store') expect(await indexBatch(ports.index, batch, [])).toEqual([]);
}

/** Every document of the index behind `people` must be MySQL's row, and nothing else. */
async function expectIndexEqualsStore(index: SearchIndex, store: PeopleStore): Promise<void> {
  await index.refresh(PEOPLE_INDEX);
  const rows: PersonVersion[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.scan(after, 500);
    rows.push(...page.items);
    if (page.next === undefined) break;
    after = page.next;
  }
  const mismatched: string[] = [];
  for (const row of rows) {
    const document = await index.get(PEOPLE_INDEX, row.username);
    if (JSON.stringify(document) !== JSON.stringify(documentOf(row).body)) mismatched.push(row.username);
  }
  expect(mismatched).toEqual([]);
  expect((await index.search(PEOPLE_INDEX, { size: 0 })).total).toBe(rows.length);
}

function describeRebuild(name: string, open: () => Promise<Backend>): void {
  describe(`people index rebuild: ${name}`, () => {
    let backend: Backend;
    let ports: RebuildPorts;
    beforeAll(async () => {
      backend = await open();
      ports = backend.ports;
    });
    afterAll(() => backend?.cleanup());

    it('rebuilds while writes go on, interrupted and resumed, search answering throughout; ends equal to MySQL', async () => {
      const { index, store } = ports;
      await index.ensureIndex(peopleIndexDefinition);
      const [initial] = await index.aliasTargets(PEOPLE_INDEX);
      expect(initial).toBe('people-initial');

      // 400 people (every tenth deleted) in both stores; the index has lost 50 of them since.
      const everyone = Array.from({ length: 400 }, (_, n) =>
        n % 10 === 9 ? deleted(username(n)) : written(username(n), fields(n)),
      );
      await sink(ports, everyone, 'store');
      await sink(ports, everyone.slice(50), 'index');
      // A write the search sink applied before the rebuild began and MySQL has not stored yet.
      const late = written('user9999', fields(9999));
      await sink(ports, [late], 'index');
      await index.refresh(PEOPLE_INDEX);

      let stop = false;
      const searchAnswers: number[] = [];
      const reader = (async () => {
        while (!stop) {
          const found = await index.search(PEOPLE_INDEX, {
            text: { query: 'rebuildson', fields: ['lastName'] },
            filters: [{ term: { field: 'deleted', value: false } }],
            size: 1,
          });
          searchAnswers.push(found.total);
          await yieldToOthers();
        }
      })();
      let writes = 0;
      const writer = (async () => {
        for (let round = 1; !stop; round++) {
          const n = (round * 37) % 420; // updates, deletes and new people, all through the rebuild
          await sink(ports, [round % 7 === 0 ? deleted(username(n)) : written(username(n), fields(n, round))]);
          writes += 1;
          await yieldToOthers();
        }
      })();

      let target: string | undefined;
      try {
        // First run: interrupted once 150 rows are copied.
        const stopFirst = new AbortController();
        const progress: RebuildProgress[] = [];
        const first = await rebuildPeopleIndex(ports, {
          pageSize: 50,
          signal: stopFirst.signal,
          onProgress: (p) => {
            progress.push(p);
            if (p.done >= 150) stopFirst.abort();
          },
        });
        expect(first.status).toBe('interrupted');
        if (first.status !== 'interrupted') throw new Error('unreachable');
        expect(first.checkpoint).toMatchObject({ phase: 'copy', done: 150, after: username(149) });
        expect(await ports.checkpoints.read()).toEqual(first.checkpoint);
        [target] = await index.aliasTargets(PEOPLE_REBUILD_ALIAS);
        expect(target).toBe(first.checkpoint.target);
        expect(await index.aliasTargets(PEOPLE_INDEX)).toEqual([initial]);
        expect(progress[0]).toMatchObject({ phase: 'copy', done: 0, resumed: false });
        expect(progress[0]!.total).toBeGreaterThanOrEqual(400); // and the new people written meanwhile

        // Second run: resumes from the checkpoint and finishes.
        const resumedProgress: RebuildProgress[] = [];
        const second = await rebuildPeopleIndex(ports, { pageSize: 50, onProgress: (p) => resumedProgress.push(p) });
        expect(second).toMatchObject({ status: 'done', target, resumed: true, replaced: [initial] });
        expect(resumedProgress[0]).toMatchObject({ phase: 'copy', done: 150, resumed: true });
        expect(resumedProgress.map((p) => p.phase)).toContain('catch-up');
        await new Promise((resolve) => setTimeout(resolve, 100)); // a few writes after the swap too
      } finally {
        stop = true;
        await Promise.all([reader, writer]);
      }
      expect(writes).toBeGreaterThan(0);
      expect(searchAnswers.length).toBeGreaterThan(0);
      expect(searchAnswers.filter((total) => total === 0)).toEqual([]);

      expect(await index.aliasTargets(PEOPLE_INDEX)).toEqual([target]);
      expect(await index.aliasTargets(PEOPLE_REBUILD_ALIAS)).toEqual([]);
      expect(await index.aliasTargets(initial!)).toEqual([]);
      expect(await ports.checkpoints.read()).toBeUndefined();
      // The write the index had before MySQL came through the catch-up; MySQL gets it now.
      expect(await index.get(PEOPLE_INDEX, 'user9999')).toEqual(documentOf(late).body);
      await sink(ports, [late], 'store');
      await expectIndexEqualsStore(index, store);
    });

    it('replaces a plain people index left by an older deploy with the alias, and rebuilds again', async () => {
      const { index, store } = ports;
      const before = await index.aliasTargets(PEOPLE_INDEX);
      for (const old of before) await index.swapAlias(PEOPLE_INDEX, { remove: [old] });
      for (const old of before) await index.deleteIndex(old);
      await index.ensureIndex({ ...peopleIndexDefinition, alias: undefined });
      expect(await index.aliasTargets(PEOPLE_INDEX)).toEqual([PEOPLE_INDEX]);
      await sink(ports, [written('plainuser', fields(1))]);

      const outcome = await rebuildPeopleIndex(ports, { pageSize: 100 });
      expect(outcome).toMatchObject({ status: 'done', replaced: [PEOPLE_INDEX], resumed: false });
      if (outcome.status !== 'done') throw new Error('unreachable');
      expect(await index.aliasTargets(PEOPLE_INDEX)).toEqual([outcome.target]);
      await expectIndexEqualsStore(index, store);

      // And once more, now from an alias: the previous rebuild's index is replaced in turn.
      await new Promise((resolve) => setTimeout(resolve, 2)); // a new name (they are by millisecond)
      const again = await rebuildPeopleIndex(ports, { pageSize: 100 });
      expect(again).toMatchObject({ status: 'done', replaced: [outcome.target] });
      await expectIndexEqualsStore(index, store);
    });
  });
}

describeRebuild('embedded', async () => {
  const store = new InMemoryPeopleStore();
  return {
    ports: {
      index: new EmbeddedSearchIndex(),
      store,
      countRows: () => countByScan(store),
      checkpoints: new InMemoryRebuildCheckpoints(),
      clock: systemClock,
    },
    cleanup: async () => {},
  };
});

describeRebuild('MariaDB and OpenSearch', async () => {
  const url = localServices().openSearchUrl;
  const client = new Client({ node: url, requestTimeout: 20_000 });
  try {
    await client.cluster.health({});
  } catch (error) {
    await client.close();
    throw new Error(`OpenSearch is not reachable at ${url} (${(error as Error).message}); run \`npm run services:up\``);
  }
  const database = await temporaryDatabase('rebuild');
  const pool = async () => database.pool;
  const prefix = `rebuild-contract-${randomBytes(4).toString('hex')}-`;
  return {
    ports: {
      index: new PrefixedSearchIndex(prefix, new OpenSearchIndex(client, { numberOfShards: 1, numberOfReplicas: 0 })),
      store: new MySqlPeopleStore(pool),
      countRows: () => countPeopleRows(pool),
      checkpoints: new MySqlRebuildCheckpoints(pool),
      clock: systemClock,
    },
    cleanup: async () => {
      await client.indices.delete({ index: `${prefix}*` }, { ignore: [404] });
      await client.close();
      await database.drop();
    },
  };
});
