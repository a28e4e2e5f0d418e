import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { countPeopleRows, InMemoryRebuildCheckpoints, MySqlRebuildCheckpoints } from './adapters/rebuild-checkpoints';
import type { RebuildPorts } from './domain/rebuild-index';
import type { PeopleStore } from './domain/store';
import { peopleIndex, peopleStore } from './wiring';

let checkpoints: InMemoryRebuildCheckpoints | undefined;

/** How many versions a store holds, by scanning it (the in-memory store has no count of its own). */
export async function countByScan(store: PeopleStore): Promise<number> {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.scan(after, 1000);
    count += page.items.length;
    if (page.next === undefined) return count;
    after = page.next;
  }
}

/** The ports of a people index rebuild for this process: MySQL and OpenSearch, or the embedded twins. */
export async function rebuildPorts(): Promise<RebuildPorts> {
  const store = peopleStore();
  const index = await peopleIndex();
  if (platform.backend() === 'embedded') {
    checkpoints ??= new InMemoryRebuildCheckpoints();
    return { index, store, countRows: () => countByScan(store), checkpoints, clock: platform.clock };
  }
  return {
    index,
    store,
    countRows: () => countPeopleRows(sqlPool),
    checkpoints: new MySqlRebuildCheckpoints(sqlPool),
    clock: platform.clock,
  };
}
