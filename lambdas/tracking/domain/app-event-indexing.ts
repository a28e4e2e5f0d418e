import type { DecodedRecord } from '../../platform/kafka/decode';
import type { IndexedDocument, SearchIndex } from '../../platform/search/search-index';
import { type AppEventDocument, appEventIndexDefinition, appEventIndexName } from './app-event-index';
import type { AppEventRecord } from './app-events';

/**
 * Every copy of an event is written with the same external version, so the first copy indexed
 * wins and later ones (a client resend with the same event_id, a Kafka redelivery) are ignored
 * by the index — the same "first copy counts" rule as the minute counts.
 */
export const APP_EVENT_DOCUMENT_VERSION = 1;

/** Creates each app's index once per container (ensureIndex is idempotent but costs a round trip). */
export class EnsuredIndexes {
  private readonly ensured = new Map<string, Promise<void>>();

  ensure(search: SearchIndex, appId: string): Promise<void> {
    let done = this.ensured.get(appId);
    if (!done) {
      done = search.ensureIndex(appEventIndexDefinition(appId));
      // A failure is not remembered: the retried batch tries again.
      done.catch(() => this.ensured.delete(appId));
      this.ensured.set(appId, done);
    }
    return done;
  }
}

export function appEventDocument(value: AppEventRecord): AppEventDocument {
  return {
    event_id: value.event_id,
    app_id: value.app_id,
    type: value.type,
    user_id: value.user_id,
    time: value.time,
    received_at: value.received_at,
    properties: value.properties,
  };
}

export class RetryableIndexingError extends Error {
  constructor(readonly failures: readonly { id: string; reason: string }[]) {
    super(`${failures.length} event(s) could not be indexed yet: ${failures[0]?.reason ?? ''}`);
    this.name = 'RetryableIndexingError';
  }
}

/**
 * Indexes a batch into one index per app (`app-events-<appId>`, document id = event_id).
 * Documents the index refuses for good are returned with the reason (to be dead-lettered);
 * if any document failed transiently (throttling that outlasted the retries, a shard error) this
 * throws, so the whole batch is retried — writes are idempotent, so that is harmless.
 */
export async function indexAppEvents(
  search: SearchIndex,
  indexes: EnsuredIndexes,
  records: readonly DecodedRecord<AppEventRecord>[],
): Promise<{ written: number; refused: { record: DecodedRecord<AppEventRecord>; reason: string }[] }> {
  const byApp = new Map<string, DecodedRecord<AppEventRecord>[]>();
  for (const record of records) {
    const list = byApp.get(record.value.app_id) ?? [];
    list.push(record);
    byApp.set(record.value.app_id, list);
  }
  let written = 0;
  const refused: { record: DecodedRecord<AppEventRecord>; reason: string }[] = [];
  const retryable: { id: string; reason: string }[] = [];
  for (const [appId, appRecords] of byApp) {
    await indexes.ensure(search, appId);
    const documents: IndexedDocument<Record<string, unknown>>[] = appRecords.map((record) => ({
      id: record.value.event_id,
      body: { ...appEventDocument(record.value) },
      version: APP_EVENT_DOCUMENT_VERSION,
    }));
    const outcome = await search.bulkUpsert(appEventIndexName(appId), documents);
    written += outcome.written.length;
    const failedForGood = new Map<string, string>();
    for (const failure of outcome.failed) {
      if (failure.retryable) retryable.push(failure);
      else failedForGood.set(failure.id, failure.reason);
    }
    for (const record of appRecords) {
      const reason = failedForGood.get(record.value.event_id);
      if (reason !== undefined) refused.push({ record, reason: `the search index refused the event: ${reason}` });
    }
  }
  if (retryable.length > 0) throw new RetryableIndexingError(retryable);
  return { written, refused };
}
