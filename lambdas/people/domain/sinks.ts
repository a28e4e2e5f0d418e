/**
 * The two projections of the `people` topic, each in its own consumer group so one store being
 * down never holds the other back: the search sink (OpenSearch, external versions) and the SQL
 * sink (MySQL, newer-version-only upserts). Both keep only the newest version of a username and
 * both keep deletes as tombstones, so redelivered, replayed or reordered records change nothing
 * and both stores converge on the same state.
 */
import * as z from 'zod';
import { isTombstone, type PoisonRecord, type RecordOrTombstone } from '../../platform/kafka/decode';
import type { SearchIndex } from '../../platform/search/search-index';
import type { PersonRecordValue } from './people';
import { profileFieldsSchema, usernameSchema } from './profile';
import { documentOf, PEOPLE_INDEX, versionOfTombstone } from './projection';
import { PEOPLE_REBUILD_ALIAS } from './rebuild-index';
import type { PeopleStore, PersonVersion } from './store';

/** A write's value on the topic, as the sinks accept it. */
export const personRecordSchema = z.strictObject({
  username: usernameSchema,
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  updatedAt: z
    .string()
    .max(40)
    .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 time'),
  profile: profileFieldsSchema,
}) satisfies z.ZodType<PersonRecordValue, unknown>;

export interface Refused {
  readonly record: PoisonRecord;
  readonly reason: string;
}

/** A batch as both sinks apply it: the newest version per username, and what can never be applied. */
export interface SinkBatch {
  readonly versions: readonly PersonVersion[];
  readonly refused: readonly Refused[];
  /** The largest time from a write to now, in milliseconds. */
  readonly lagMs: number;
}

export function sinkBatchOf(records: readonly RecordOrTombstone<PersonRecordValue>[], now: Date): SinkBatch {
  const newest = new Map<string, PersonVersion>();
  const refused: Refused[] = [];
  for (const record of records) {
    const version = versionOfRecord(record);
    if (typeof version === 'string') {
      refused.push({ record, reason: version });
      continue;
    }
    const seen = newest.get(version.username);
    if (!seen || version.version > seen.version) newest.set(version.username, version);
  }
  const versions = [...newest.values()];
  const lagMs = Math.max(0, ...versions.map((v) => now.getTime() - Date.parse(v.updatedAt)).filter(Number.isFinite));
  return { versions, refused, lagMs };
}

/** The version a record carries, or why it carries none. */
function versionOfRecord(record: RecordOrTombstone<PersonRecordValue>): PersonVersion | string {
  if (isTombstone(record)) return versionOfTombstone(record);
  const { username, version, updatedAt, profile } = record.value;
  // The key picks the partition, and one partition orders a username's writes: they must agree.
  if (record.key !== username) return 'the record key is not the username of its value';
  return { username, version, updatedAt, deleted: false, fields: profile };
}

export class RetryableSinkError extends Error {
  constructor(readonly failures: readonly { id: string; reason: string }[]) {
    super(`${failures.length} profile(s) could not be indexed yet: ${failures[0]?.reason ?? ''}`);
    this.name = 'RetryableSinkError';
  }
}

/**
 * Indexes the batch by external version. A transient failure (throttled, a shard unavailable)
 * throws so the batch is retried (harmless: writes are idempotent by version); documents the
 * index refuses for good come back, to be dead-lettered, with their records.
 */
export async function indexBatch(
  index: SearchIndex,
  batch: SinkBatch,
  records: readonly RecordOrTombstone<PersonRecordValue>[],
): Promise<Refused[]> {
  if (batch.versions.length === 0) return [];
  // While a rebuild runs (rebuild-index.ts), its new index gets every batch too, so no write made
  // during it is missing when it is swapped in; external versions make the double write safe.
  // By the index's own name, not the alias: the alias may be gone by the time the batch is sent
  // (the rebuild finished), and a write to a missing name would create a stray index of that name.
  const rebuilding = await index.aliasTargets(PEOPLE_REBUILD_ALIAS);
  const documents = batch.versions.map(documentOf);
  const outcomes = await Promise.all([PEOPLE_INDEX, ...rebuilding].map((name) => index.bulkUpsert(name, documents)));
  const failed = outcomes.flatMap((outcome) => outcome.failed);
  const retryable = failed.filter((failure) => failure.retryable);
  if (retryable.length > 0) throw new RetryableSinkError(retryable);
  const reasons = new Map(failed.map((failure) => [failure.id, failure.reason]));
  // Every record of a refused username goes to the dead letters (the newest was the one refused).
  return records
    .filter((record) => reasons.has(record.key ?? ''))
    .map((record) => ({ record, reason: reasons.get(record.key ?? '') ?? 'refused' }));
}

/** Applies the batch to the store; any failure throws (the batch is retried). */
export async function storeBatch(store: PeopleStore, batch: SinkBatch): Promise<void> {
  await store.apply(batch.versions);
}
