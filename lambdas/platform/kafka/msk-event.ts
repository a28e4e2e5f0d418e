/**
 * Shapes consumed records into the `aws:kafka` event that Lambda's MSK event-source mapping
 * sends (https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html, "Example event"), so the
 * local runtime calls consumer handlers exactly as Lambda does. A unit test compares the shape
 * with the documented sample (test/fixtures/msk-sample-event.json).
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { ConsumedRecord } from '../bus/event-bus';

export interface MskEventSource {
  /** The cluster ARN. */
  readonly eventSourceArn: string;
  /** Comma-separated `host:port` list. */
  readonly bootstrapServers: string;
}

/** `"<topic>-<partition>"`, the key of `records` in the event (and of partial-batch failure ids). */
export function mskPartitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** One record as Lambda sends it: base64 key and value, headers as one `{name: bytes}` object each. */
export function toMskRecord(record: ConsumedRecord): MSKRecord {
  const shaped = {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: record.timestamp,
    timestampType: 'CREATE_TIME' as const,
    // A null key or value (a tombstone) is left out, as Lambda does (it may also send `value: null`;
    // decode.ts reads both as "no value").
    ...(record.key === null ? {} : { key: record.key.toString('base64') }),
    ...(record.value === null ? {} : { value: record.value.toString('base64') }),
    headers: Object.entries(record.headers).map(([name, value]) => ({ [name]: [...value] })),
  };
  return shaped as MSKRecord;
}

/** The `aws:kafka` event for a batch; records keep their order within each topic-partition. */
export function toMskEvent(records: readonly ConsumedRecord[], source: MskEventSource): MSKEvent {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const record of records) {
    const key = mskPartitionKey(record.topic, record.partition);
    grouped[key] ??= [];
    grouped[key].push(toMskRecord(record));
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers,
    records: grouped,
  };
}
