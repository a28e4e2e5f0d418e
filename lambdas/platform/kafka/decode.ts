/**
 * Decoding of `aws:kafka` batches for consumer handlers, on top of Powertools for AWS Lambda's
 * kafka utility (@aws-lambda-powertools/kafka): it base64-decodes keys, values and headers,
 * parses values as JSON and validates them with a Standard Schema (zod). Powertools validates
 * lazily, when a record's `value` is read, so reading each record inside its own try/catch
 * turns one bad record into one `{ ok: false }` entry instead of a failed batch: the handler
 * sends that record to its dead-letter destination and goes on with the rest.
 *
 * What a poison record looks like: a value that is not JSON is handed to the schema as its text
 * (so it fails unless the schema accepts strings); a value that is JSON but violates the schema
 * fails with the schema's issues. A value that is not JSON never reaches Powertools: given one,
 * it prints "Failed to parse JSON from base64 value: <the whole value>" to stderr, and a record's
 * value may be personal data (a profile on `people`) that must not land in logs. So such a value
 * is checked here, the way Powertools would check it, and only JSON values are read through it.
 */
import { kafkaConsumer, SchemaType } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecord, MSKEvent as PowertoolsMskEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context, MSKEvent } from 'aws-lambda';
import type { ZodType } from 'zod';

/** Where a record sits in the log, and its key. */
export interface RecordMeta {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  /** The key as UTF-8 text (our producers key by id), or null when the record has none. */
  readonly key: string | null;
  /** Header values as UTF-8 text. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface DecodedRecord<T> extends RecordMeta {
  readonly value: T;
  /** The value exactly as received (base64): stores that keep what the client sent use it. */
  readonly rawValue: string;
}

/**
 * A tombstone: a record whose value is null (Kafka's "this key is deleted"), handed to consumers
 * that asked for them (`{ tombstones: true }`). Its key is always there; its headers carry what
 * the producer added (e.g. a version). Tell it from a decoded record with `isTombstone`.
 */
export interface TombstoneRecord extends RecordMeta {
  readonly key: string;
  readonly value: null;
  readonly rawValue: null;
}

/** What a tombstone-accepting consumer is handed: decoded records and tombstones, in log order. */
export type RecordOrTombstone<T> = DecodedRecord<T> | TombstoneRecord;

export function isTombstone<T>(record: RecordOrTombstone<T>): record is TombstoneRecord {
  return record.rawValue === null;
}

export interface DecodeOptions {
  /**
   * Hand records without a value (tombstones) on as `TombstoneRecord`s instead of calling them
   * poison ("record has no value"). A tombstone without a key is still poison: it deletes nothing.
   */
  readonly tombstones?: boolean;
}

/** A record that can never be processed, with what a dead-letter entry needs. */
export interface PoisonRecord extends RecordMeta {
  /** The value exactly as received (base64), or null when the record had none. */
  readonly rawValue: string | null;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly record: DecodedRecord<T> }
  | { readonly ok: false; readonly record: PoisonRecord; readonly reason: string };

/** With `{ tombstones: true }`: a good result may be a tombstone. */
export type DecodeResultWithTombstones<T> =
  | { readonly ok: true; readonly record: RecordOrTombstone<T> }
  | { readonly ok: false; readonly record: PoisonRecord; readonly reason: string };

interface Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

function describeIssues(cause: unknown): string {
  if (!Array.isArray(cause) || cause.length === 0) return 'value does not match the schema';
  const parts = (cause as Issue[]).map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null && 'key' in p ? p.key : p)).join('.');
    return `${path || '(value)'}: ${issue.message}`;
  });
  return `value does not match the schema: ${parts.join('; ')}`;
}

// By name rather than instanceof: a bundler may load Powertools' ESM and CJS builds side by side.
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return `value could not be decoded: ${String(err)}`;
  if (err.name === 'KafkaConsumerParserError') return describeIssues(err.cause);
  if (err.name === 'KafkaConsumerDeserializationError') return `value could not be deserialized: ${err.message}`;
  return `value could not be decoded: ${err.message}`;
}

function metaOf(record: ConsumerRecord<unknown, unknown>): RecordMeta {
  const headers: Record<string, string> = {};
  // Powertools' `headers` getter decodes every header value to text; one object per header.
  for (const header of record.headers ?? []) Object.assign(headers, header);
  const key = record.key;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: typeof key === 'string' ? key : null,
    headers,
  };
}

// kafkaConsumer wraps a handler; this one only hands back the records it was given, whose
// key/value getters deserialize (and validate) on first read.
const collectRecords = <T>(schema: ZodType<T>) =>
  kafkaConsumer<string, T>(async (event) => event.records, { value: { type: SchemaType.JSON, parserSchema: schema } });

/**
 * Decodes every record of an `aws:kafka` event: keys as UTF-8 text, values as JSON checked
 * against `schema`. The results keep the event's order (per topic-partition, by offset); each is
 * either the decoded record or the record's metadata with the reason it can't be processed.
 * A record without a value (the event leaves `value` out or sends null) is poison unless
 * `options.tombstones` asks for tombstones.
 */
export async function decodeRecords<T>(event: MSKEvent, schema: ZodType<T>): Promise<DecodeResult<T>[]>;
export async function decodeRecords<T>(
  event: MSKEvent,
  schema: ZodType<T>,
  options: DecodeOptions,
): Promise<DecodeResultWithTombstones<T>[]>;
export async function decodeRecords<T>(
  event: MSKEvent,
  schema: ZodType<T>,
  options: DecodeOptions = {},
): Promise<DecodeResultWithTombstones<T>[]> {
  // The wrapped handler never reads the Lambda context: none is needed to decode.
  const records = (await collectRecords(schema)(event as unknown as PowertoolsMskEvent, {} as Context)) as ConsumerRecord<
    string,
    T
  >[];
  return records.map((record): DecodeResultWithTombstones<T> => {
    const meta = metaOf(record as ConsumerRecord<unknown, unknown>);
    const rawValue = record.originalValue ?? null;
    if (rawValue === null) {
      if (!options.tombstones) return { ok: false, record: { ...meta, rawValue }, reason: 'record has no value' };
      if (meta.key === null) return { ok: false, record: { ...meta, rawValue }, reason: 'tombstone has no key' };
      return { ok: true, record: { ...meta, key: meta.key, value: null, rawValue } };
    }
    const text = Buffer.from(rawValue, 'base64').toString('utf8');
    if (!isJsonText(text)) {
      const parsed = schema.safeParse(text);
      if (parsed.success) return { ok: true, record: { ...meta, value: parsed.data, rawValue } };
      return { ok: false, record: { ...meta, rawValue }, reason: describeIssues(parsed.error.issues) };
    }
    try {
      const value = record.value;
      return { ok: true, record: { ...meta, value, rawValue } };
    } catch (err) {
      return { ok: false, record: { ...meta, rawValue }, reason: reasonOf(err) };
    }
  });
}

/** Whether `text` is JSON (a JSON.parse of a record-sized value costs about a microsecond). */
function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
