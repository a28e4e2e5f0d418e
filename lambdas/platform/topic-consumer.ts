import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddyfiedHandler } from '@middy/core';
import type { Context, MSKEvent } from 'aws-lambda';
import type { ZodType } from 'zod';
import type { EventBus } from './bus/event-bus';
import { deadLetterTopic } from './declarations';
import { DomainError } from './errors';
import { type DecodedRecord, decodeRecords, type PoisonRecord, type RecordOrTombstone } from './kafka/decode';
import type { FunctionSpec, KafkaSubscriptionSpec } from './manifest-types';
import { logger, metrics, observedHandler } from './observability';
import { platform } from './wiring';

/** What a dead-letter topic record carries: enough to understand and replay the original. */
export interface DeadLetter {
  readonly consumer: string;
  readonly reason: string;
  readonly source: { topic: string; partition: number; offset: number; timestamp: number; key: string | null };
  /** The original value, base64, exactly as it was in the log. */
  readonly value: string | null;
  readonly deadLetteredAt: string;
}

/** What a consumer's `handle` is given besides its records. */
export interface ConsumerContext {
  /** This function's subscription in the manifest: its consumer group, batch and retry policy. */
  readonly subscription: KafkaSubscriptionSpec;
  /** The function's name: what its dead letters say consumed them. */
  readonly consumer: string;
  readonly lambda: Context;
}

type ConsumeWithTombstones<T> = (records: RecordOrTombstone<T>[], context: ConsumerContext) => Promise<void>;

/** A consumer's Lambda handler (what `topicConsumer` makes). */
export type TopicConsumerHandler = MiddyfiedHandler<MSKEvent, void, Error, Context>;

export interface TopicConsumerOptions {
  /**
   * Opt in to tombstones: records without a value (a key deleted) reach `handle` as
   * `TombstoneRecord`s (value null, key and headers kept; tell them apart with `isTombstone`),
   * instead of being dead-lettered as "record has no value".
   */
  readonly tombstones: true;
}

/**
 * The one way Kafka consumer handlers are written, given the function's own manifest entry (so
 * the consumer group and the dead-letter policy are never spelled again). Records are decoded
 * and validated (Powertools kafka + zod); a record that can never be processed goes to the
 * dead-letter topic with the reason and the batch goes on without it, so a poison record never
 * blocks its partition. The good records go to `handle`; if it throws, the whole batch fails and
 * the event-source mapping (or the local runtime) retries it, which is why `handle` must be
 * idempotent. Records `handle` finds unprocessable for good go to `deadLetterRecords`.
 * With `{ tombstones: true }`, `handle` also gets the tombstones, in log order with the rest.
 */
export function topicConsumer<T>(
  fn: FunctionSpec,
  schema: ZodType<T>,
  handle: (records: DecodedRecord<T>[], context: ConsumerContext) => Promise<void>,
): TopicConsumerHandler;
export function topicConsumer<T>(
  fn: FunctionSpec,
  schema: ZodType<T>,
  handle: (records: RecordOrTombstone<T>[], context: ConsumerContext) => Promise<void>,
  options: TopicConsumerOptions,
): TopicConsumerHandler;
export function topicConsumer<T>(
  fn: FunctionSpec,
  schema: ZodType<T>,
  handler: ((records: DecodedRecord<T>[], context: ConsumerContext) => Promise<void>) | ConsumeWithTombstones<T>,
  options?: TopicConsumerOptions,
): TopicConsumerHandler {
  // Without the option no tombstone is ever decoded, so both kinds of handler get what they declared.
  const handle = handler as ConsumeWithTombstones<T>;
  const subscription = fn.subscriptions?.length === 1 ? fn.subscriptions[0] : undefined;
  if (!subscription) throw new Error(`${fn.name} must have exactly one subscription to be a topic consumer`);
  const consumer = fn.name;
  const decodeOptions = { tombstones: options?.tombstones === true };
  return observedHandler(async (event: MSKEvent, lambda: Context): Promise<void> => {
    const results = await decodeRecords(event, schema, decodeOptions);
    const good: RecordOrTombstone<T>[] = [];
    const poison: { record: PoisonRecord; reason: string }[] = [];
    for (const result of results) {
      if (result.ok) good.push(result.record);
      else poison.push({ record: result.record, reason: result.reason });
    }
    if (poison.length > 0) await deadLetter(await platform.bus(), consumer, poison);
    if (good.length > 0) await handleOrRetry(consumer, () => handle(good, { subscription, consumer, lambda }));
    metrics.addMetric('RecordsProcessed', MetricUnit.Count, good.length);
    metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, poison.length);
  });
}

/**
 * The consumers' edge mapping of errors: every failure of a whole batch is a retry (the
 * subscription's policy then decides between retrying without end and the on-failure queue). An
 * `Unavailable` store is expected now and then and logged as a warning; anything else as an error.
 */
async function handleOrRetry(consumer: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'unavailable') {
      logger.warn('batch will be retried: a store is unavailable', { consumer, reason: error.message });
    } else {
      logger.error('batch will be retried: it failed', { consumer, error: error as Error });
    }
    throw error;
  }
}

/**
 * Dead-letters records that decoded fine but can never be processed (e.g. a store refused them
 * for good), from inside a consumer's `handle`, so the rest of the batch goes on without them.
 * Transient failures must throw instead (the whole batch is retried). If publishing the dead
 * letters fails, this throws and the batch is retried: a record is never silently dropped.
 */
export async function deadLetterRecords(
  consumer: string,
  failed: readonly { readonly record: PoisonRecord; readonly reason: string }[],
): Promise<void> {
  if (failed.length === 0) return;
  await deadLetter(await platform.bus(), consumer, failed);
  metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, failed.length);
}

async function deadLetter(
  bus: EventBus,
  consumer: string,
  poison: readonly { readonly record: PoisonRecord; readonly reason: string }[],
): Promise<void> {
  const deadLetteredAt = new Date().toISOString();
  const records = poison.map(({ record, reason }) => {
    const letter: DeadLetter = {
      consumer,
      reason,
      source: {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key,
      },
      value: record.rawValue,
      deadLetteredAt,
    };
    logger.warn('record dead-lettered', {
      consumer,
      reason,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
    });
    return { key: `${record.topic}/${record.partition}/${record.offset}`, value: JSON.stringify(letter) };
  });
  // If this fails the batch fails and is retried: a poison record is never silently dropped.
  await bus.publish(deadLetterTopic.name, records);
}
