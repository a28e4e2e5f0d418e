import type { SearchIndex } from '../platform/search/search-index';
import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryPeopleStore } from './adapters/in-memory-people-store';
import { MySqlPeopleStore } from './adapters/mysql-people-store';
import { DEFAULT_READ_PATH, type PeoplePorts, READ_STORES, type ReadStore } from './domain/people';
import { peopleIndexDefinition } from './domain/projection';
import type { PeopleStore } from './domain/store';

/** The environment variable that orders the read path (`cache,search,sql` by default). */
export const READ_PATH_ENV = 'EVENTLINE_PEOPLE_READ_PATH';

/**
 * The read path `EVENTLINE_PEOPLE_READ_PATH` names: distinct stores of cache, search, sql, in
 * order, at least one of search and sql (the cache alone cannot answer a miss).
 */
export function readPathOf(text: string | undefined): readonly ReadStore[] {
  if (text === undefined || text.trim() === '') return DEFAULT_READ_PATH;
  const stores = text.split(',').map((s) => s.trim());
  const valid =
    stores.every((s): s is ReadStore => (READ_STORES as readonly string[]).includes(s)) &&
    new Set(stores).size === stores.length &&
    (stores.includes('search') || stores.includes('sql'));
  if (!valid)
    throw new Error(`${READ_PATH_ENV} must list distinct stores of cache, search, sql with search or sql; got "${text}"`);
  return stores as ReadStore[];
}

let store: PeopleStore | undefined;

/** The people store for this container: MySQL in AWS and with services (opened on first use), in memory embedded. */
export function peopleStore(): PeopleStore {
  store ??= platform.backend() === 'embedded' ? new InMemoryPeopleStore() : new MySqlPeopleStore(sqlPool);
  return store;
}

let ensured: Promise<SearchIndex> | undefined;

/**
 * The search index with `people` in place. Deploys and `npm start` (services) create the alias
 * and its index; only the embedded index, which starts empty with every process, is created here
 * (it cannot fail), so a request never does index administration against a cluster that may be down.
 */
export function peopleIndex(): Promise<SearchIndex> {
  if (platform.backend() !== 'embedded') return platform.search();
  ensured ??= platform.search().then(async (index) => {
    await index.ensureIndex(peopleIndexDefinition);
    return index;
  });
  return ensured;
}

/** The ports of the people functions (handlers and web pages), for this container. */
export function peoplePorts(): PeoplePorts {
  return {
    bus: () => platform.bus(),
    cache: () => platform.cache(),
    search: peopleIndex,
    store: async () => peopleStore(),
    clock: platform.clock,
    readPath: readPathOf(process.env[READ_PATH_ENV]),
  };
}
