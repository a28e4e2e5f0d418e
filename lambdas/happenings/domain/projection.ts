/**
 * The search projection: the `happenings` index, kept up to date from `happenings.changes` by the
 * consumer group `happenings-search-index`.
 *
 * Order safety: each change is written with the happening's version as the document's external
 * version, so the index keeps the newest version whatever order records arrive in (a replay, a
 * record published twice by the outbox relay, a retried batch): an older or equal version is
 * ignored. A delete is written the same way, as a **tombstone** document (`deleted: true`) with
 * the delete's version, rather than removing the document: a delete followed by a late, older
 * update must not bring the happening back, and OpenSearch forgets the version of a removed
 * document after `index.gc_deletes` (60 s). Queries skip tombstones. The outbox relay purges
 * tombstones older than TOMBSTONE_RETENTION_MS, longer than `happenings.changes` keeps records,
 * so no older change of a purged happening can arrive any more (the outbox publishes a
 * happening's records in order, and Kafka has dropped the older ones).
 */
import type { DecodedRecord } from '../../platform/kafka/decode';
import type { IndexDefinition, IndexedDocument, SearchIndex } from '../../platform/search/search-index';
import type { HappeningChange } from './change';
import { type Happening, happeningOf } from './happening';

export const HAPPENINGS_INDEX = 'happenings';

export const happeningsIndexDefinition: IndexDefinition = {
  name: HAPPENINGS_INDEX,
  fields: {
    id: 'keyword',
    version: 'long',
    deleted: 'boolean',
    title: 'text',
    description: 'text',
    startsAt: 'date',
    endsAt: 'date',
    timezone: 'keyword',
    topics: 'keyword',
    location: 'geo_point',
    updatedAt: 'date',
  },
};

/** Tombstones are kept a day longer than `happenings.changes` keeps records (7 days). */
export const TOMBSTONE_RETENTION_MS = 8 * 24 * 3600 * 1000;

/** What the index holds for a happening: the happening, its point, and not deleted. */
export type HappeningDocument = Happening & { readonly location: { lat: number; lon: number }; readonly deleted: false };
/** What the index holds after a delete. */
export interface Tombstone {
  readonly id: string;
  readonly version: number;
  readonly deleted: true;
  readonly updatedAt: string;
}

export function documentOf(change: HappeningChange): IndexedDocument<HappeningDocument | Tombstone> {
  if (change.deleted || !change.happening) {
    return {
      id: change.id,
      version: change.version,
      body: { id: change.id, version: change.version, deleted: true, updatedAt: change.changedAt },
    };
  }
  const happening = happeningOf(change.happening);
  return {
    id: change.id,
    version: change.version,
    body: { ...happening, location: { lat: happening.place.lat, lon: happening.place.lon }, deleted: false },
  };
}

/** The happening a search hit holds. */
export function happeningOfDocument(document: HappeningDocument): Happening {
  return happeningOf(document);
}

export class RetryableProjectionError extends Error {
  constructor(readonly failures: readonly { id: string; reason: string }[]) {
    super(`${failures.length} happening(s) could not be projected yet: ${failures[0]?.reason ?? ''}`);
    this.name = 'RetryableProjectionError';
  }
}

export interface ProjectionOutcome {
  /** Documents written (or ignored as not newer). */
  readonly written: number;
  /** Records the index refused for good, to dead-letter. */
  readonly refused: readonly { readonly record: DecodedRecord<HappeningChange>; readonly reason: string }[];
  /** The largest time from a change's commit to now, in milliseconds. */
  readonly lagMs: number;
}

/**
 * Projects a batch of change records. Only the newest version per happening is written (the
 * index would ignore the older ones anyway). A document refused for good comes back to be
 * dead-lettered; a transient failure throws, so the batch is retried — harmless, since writes
 * are idempotent by version.
 */
export async function projectChanges(
  index: SearchIndex,
  records: readonly DecodedRecord<HappeningChange>[],
  now: Date,
): Promise<ProjectionOutcome> {
  const newest = new Map<string, DecodedRecord<HappeningChange>>();
  for (const record of records) {
    const seen = newest.get(record.value.id);
    if (!seen || record.value.version > seen.value.version) newest.set(record.value.id, record);
  }
  const chosen = [...newest.values()];
  const outcome = await index.bulkUpsert<Record<string, unknown>>(
    HAPPENINGS_INDEX,
    chosen.map((record) => documentOf(record.value) as unknown as IndexedDocument<Record<string, unknown>>),
  );
  const retryable = outcome.failed.filter((failure) => failure.retryable);
  if (retryable.length > 0) throw new RetryableProjectionError(retryable);
  const refusedIds = new Map(outcome.failed.map((failure) => [failure.id, failure.reason]));
  const refused = chosen
    .filter((record) => refusedIds.has(record.value.id))
    .map((record) => ({ record, reason: refusedIds.get(record.value.id) ?? 'refused' }));
  const lagMs = Math.max(
    0,
    ...records.map((record) => now.getTime() - Date.parse(record.value.changedAt)).filter(Number.isFinite),
  );
  return { written: outcome.written.length, refused, lagMs };
}

/** Removes tombstones older than TOMBSTONE_RETENTION_MS; answers how many. */
export function purgeTombstones(index: SearchIndex, now: Date): Promise<number> {
  const before = new Date(now.getTime() - TOMBSTONE_RETENTION_MS).toISOString();
  return index.deleteWhere(HAPPENINGS_INDEX, [
    { term: { field: 'deleted', value: true } },
    { range: { field: 'updatedAt', lt: before } },
  ]);
}
