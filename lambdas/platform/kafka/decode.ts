/**
 * Decoding of `aws:kafka` batches for consumer handlers, on top of Powertools for AWS Lambda's
 * kafka utility (@aws-lambda-powertools/kafka), which shapes the records and base64-decodes their
 * keys and headers. Values are read here, in one pass, exactly as Powertools' JSON deserializer
 * with a parser schema reads them: the text as JSON, or as the text itself when it is not JSON,
 * then checked against the schema (zod). Each record is checked on its own, so one bad record is
 * one `{ ok: false }` entry instead of a failed batch: the handler sends that record to its
 * dead-letter destination and goes on with the rest.
 *
 * Why not through Powertools' `value` getter: given a value that is not JSON it prints "Failed to
 * parse JSON from base64 value: <the whole value>" to stderr, and a value may be personal data (a
 * profile on `people`) that must not land in logs; checking first whether a value is JSON would
 * parse every good record twice.
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

// kafkaConsumer wraps a handler; this one only hands back the records it was given, whose key
// and header getters decode on first read (their values are read by `jsonOrText`, never through it).
const collectRecords = kafkaConsumer<string, unknown>(async (event) => event.records, { value: { type: SchemaType.JSON } });

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
  const records = (await collectRecords(event as unknown as PowertoolsMskEvent, {} as Context)) as ConsumerRecord<
    string,
    unknown
  >[];
  return records.map((record): DecodeResultWithTombstones<T> => {
    const meta = metaOf(record);
    const rawValue = record.originalValue ?? null;
    if (rawValue === null) {
      if (!options.tombstones) return { ok: false, record: { ...meta, rawValue }, reason: 'record has no value' };
      if (meta.key === null) return { ok: false, record: { ...meta, rawValue }, reason: 'tombstone has no key' };
      return { ok: true, record: { ...meta, key: meta.key, value: null, rawValue } };
    }
    const parsed = schema.safeParse(jsonOrText(rawValue));
    if (parsed.success) return { ok: true, record: { ...meta, value: parsed.data, rawValue } };
    return { ok: false, record: { ...meta, rawValue }, reason: describeIssues(parsed.error.issues) };
  });
}

/** A value as Powertools' JSON deserializer reads it: its UTF-8 text parsed as JSON, or the text when it is not JSON. */
function jsonOrText(rawValue: string): unknown {
  const text = Buffer.from(rawValue, 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
