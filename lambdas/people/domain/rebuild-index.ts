/**
 * Rebuilding the people search index from MySQL (the seed's "records are never lost"), without a
 * moment in which search answers nothing:
 *
 * 1. a new concrete index `people-<time>` is created with the alias `people-rebuild` on it (one
 *    request: there is never a new index without the alias). While that alias exists, the search
 *    sink writes every batch to `people` and to `people-rebuild` (sinks.ts), so writes made during
 *    the rebuild reach the new index too;
 * 2. copy: every MySQL row, tombstones included, in username (keyset) pages, each document with
 *    its version as the external version, so a copy never overwrites a newer write from the sink
 *    and a page copied twice changes nothing;
 * 3. catch-up: every document of the index being replaced, the same way. This closes the one gap
 *    left: a write the search sink applied to the old index just before `people-rebuild` existed,
 *    which MySQL had not stored yet when the copy passed its username (the two sinks are
 *    independent, so either may be ahead);
 * 4. the alias `people` moves to the new index in one atomic `_aliases` step (search reads the old
 *    index until then and the new one after, never nothing), the old indices are deleted and
 *    `people-rebuild` is removed.
 *
 * Resumable: the position is kept durably after every page (a `people_reindex_progress` row in
 * MySQL, people migration 0002), not in a local file, so a rebuild stopped anywhere (interrupted,
 * crashed, its machine gone) continues where `people-rebuild` points when run again. Pages are
 * idempotent, so re-copying the page in flight at a crash is harmless.
 */
import type { Clock } from '../../platform/clock/clock';
import type { SearchIndex } from '../../platform/search/search-index';
import { documentOf, PEOPLE_INDEX, type PersonDocument, peopleIndexDefinition, versionOfDocument } from './projection';
import type { PeopleStore, PersonVersion } from './store';

/** The alias on the index being built; the search sink writes to it too while it exists. */
export const PEOPLE_REBUILD_ALIAS = 'people-rebuild';

export type RebuildPhase = 'copy' | 'catch-up' | 'swap';

/** Where a rebuild is, as kept between pages (and runs). */
export interface RebuildCheckpoint {
  /** The concrete index being built (the one `people-rebuild` points at). */
  readonly target: string;
  readonly phase: RebuildPhase;
  /** The last username done in this phase (undefined: the phase starts from the beginning). */
  readonly after?: string;
  /** Documents done in this phase so far. */
  readonly done: number;
  /** In the swap phase: the indices `people` read before (deleted once it reads the new one). */
  readonly replacing?: readonly string[];
}

/** The durable position of the rebuild: one at a time. */
export interface RebuildCheckpoints {
  read(): Promise<RebuildCheckpoint | undefined>;
  write(checkpoint: RebuildCheckpoint): Promise<void>;
  clear(): Promise<void>;
}

export interface RebuildPorts {
  readonly index: SearchIndex;
  readonly store: PeopleStore;
  /** How many rows the store holds, tombstones too (the copy's total, for progress). */
  readonly countRows: () => Promise<number>;
  readonly checkpoints: RebuildCheckpoints;
  readonly clock: Clock;
}

export interface RebuildProgress {
  readonly phase: RebuildPhase;
  readonly target: string;
  readonly done: number;
  /** What the phase has to do, as counted when it started (writes meanwhile may add some). */
  readonly total: number;
  /** Whether this phase continues a run stopped earlier. */
  readonly resumed: boolean;
}

export interface RebuildOptions {
  /** Documents per page (one store read, one bulk request, one checkpoint). Default 500. */
  readonly pageSize?: number;
  /** Called after every page, and once at the start of each phase. */
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Stops after the page in flight when aborted; the next run resumes from the checkpoint. */
  readonly signal?: AbortSignal;
}

export type RebuildOutcome =
  | {
      readonly status: 'done';
      readonly target: string;
      readonly copied: number;
      readonly caughtUp: number;
      readonly replaced: readonly string[];
      readonly resumed: boolean;
    }
  | { readonly status: 'interrupted'; readonly checkpoint: RebuildCheckpoint };

/** A document the new index refused: the rebuild stops (a record is never silently left out). */
export class RebuildRefused extends Error {
  constructor(readonly failures: readonly { id: string; reason: string }[]) {
    super(`the new index refused ${failures.length} document(s), first ${failures[0]?.id}: ${failures[0]?.reason}`);
    this.name = 'RebuildRefused';
  }
}

const DEFAULT_PAGE_SIZE = 500;

/** A concrete index name for a rebuild started at `now`: `people-20241201t101500123z`. */
export function rebuildIndexName(now: Date): string {
  return `${PEOPLE_INDEX}-${now.toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
}

/** Rebuilds (or resumes rebuilding) the people index from the store; see the file's comment. */
export async function rebuildPeopleIndex(ports: RebuildPorts, options: RebuildOptions = {}): Promise<RebuildOutcome> {
  const { index, checkpoints } = ports;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const building = await index.aliasTargets(PEOPLE_REBUILD_ALIAS);
  if (building.length > 1 || building[0] === PEOPLE_REBUILD_ALIAS)
    throw new Error(`${PEOPLE_REBUILD_ALIAS} should be an alias of one index, it is ${building.join(', ')}: fix it by hand`);

  let target: string;
  let checkpoint: RebuildCheckpoint;
  let resumed: boolean;
  const saved = await checkpoints.read();
  if (building.length === 1) {
    target = building[0]!;
    // A checkpoint of another target is left from an older rebuild: start this one's copy over.
    resumed = saved?.target === target;
    checkpoint = resumed && saved ? saved : { target, phase: 'copy', done: 0 };
  } else {
    target = rebuildIndexName(ports.clock.now());
    await index.createIndex(target, peopleIndexDefinition, [PEOPLE_REBUILD_ALIAS]);
    resumed = false;
    checkpoint = { target, phase: 'copy', done: 0 };
    await checkpoints.write(checkpoint);
  }

  const report = (phase: RebuildPhase, done: number, total: number, phaseResumed: boolean) =>
    options.onProgress?.({ phase, target, done, total, resumed: phaseResumed });
  /** Writes a page into the new index by external version; a refusal stops the rebuild. */
  const write = async (versions: readonly PersonVersion[]) => {
    if (versions.length === 0) return;
    const outcome = await index.bulkUpsert(target, versions.map(documentOf));
    if (outcome.failed.length > 0) throw new RebuildRefused(outcome.failed);
  };

  let copied = 0;
  if (checkpoint.phase === 'copy') {
    const total = await ports.countRows();
    let { after, done } = checkpoint;
    report('copy', done, total, resumed);
    for (;;) {
      if (options.signal?.aborted) return { status: 'interrupted', checkpoint: { target, phase: 'copy', after, done } };
      const page = await ports.store.scan(after, pageSize);
      await write(page.items);
      done += page.items.length;
      copied += page.items.length;
      after = page.items[page.items.length - 1]?.username ?? after;
      const next: RebuildCheckpoint =
        page.next === undefined ? { target, phase: 'catch-up', done: 0 } : { target, phase: 'copy', after, done };
      await checkpoints.write(next);
      report('copy', done, Math.max(total, done), resumed);
      if (page.next === undefined) break;
    }
    checkpoint = { target, phase: 'catch-up', done: 0 };
    resumed = false;
  }

  // Catch-up from whatever `people` reads now (the old index, or nothing on a first deploy).
  let caughtUp = 0;
  if (checkpoint.phase === 'catch-up') {
    const previous = (await index.aliasTargets(PEOPLE_INDEX)).filter((name) => name !== target);
    let { after, done } = checkpoint;
    for (const old of previous) {
      await index.refresh(old);
      const total = (await index.search(old, { size: 0 })).total;
      report('catch-up', done, total, resumed);
      for (;;) {
        if (options.signal?.aborted) return { status: 'interrupted', checkpoint: { target, phase: 'catch-up', after, done } };
        const page = await index.search<PersonDocument>(old, {
          sort: [{ field: 'username', order: 'asc' }],
          size: pageSize,
          ...(after === undefined ? {} : { searchAfter: [after] }),
        });
        await write(page.hits.map((hit) => versionOfDocument(hit.body)));
        done += page.hits.length;
        caughtUp += page.hits.length;
        after = page.hits[page.hits.length - 1]?.body.username ?? after;
        await checkpoints.write({ target, phase: 'catch-up', after, done });
        report('catch-up', done, Math.max(total, done), resumed);
        if (page.hits.length < pageSize) break;
      }
      // (`people` reads one index; were it several, each is caught up from its start.)
      after = undefined;
      done = 0;
    }
    // Kept before the swap, so a run stopped after it still deletes the replaced indices.
    checkpoint = { target, phase: 'swap', done: 0, replacing: previous };
    await checkpoints.write(checkpoint);
  }

  // The swap: `people` reads the old index up to this request and the new one from it on.
  const replacing = checkpoint.replacing ?? [];
  await index.refresh(target);
  const current = await index.aliasTargets(PEOPLE_INDEX);
  await index.swapAlias(PEOPLE_INDEX, {
    add: current.includes(target) ? [] : [target],
    remove: current.filter((name) => name !== target),
  });
  // A plain `people` index (from before the alias) went in the swap itself.
  for (const old of replacing) if (old !== PEOPLE_INDEX) await index.deleteIndex(old);
  await index.swapAlias(PEOPLE_REBUILD_ALIAS, { remove: [target] });
  await checkpoints.clear();
  return { status: 'done', target, copied, caughtUp, replaced: replacing, resumed: building.length === 1 };
}
