import type { Handler } from 'aws-lambda';
import type { ConsumedRecord, Subscription, TopicSubscriber } from '../../lambdas/platform/bus/event-bus';
import { mskPartitionKey, toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import type { FunctionSpec, KafkaSubscriptionSpec } from '../../lambdas/platform/manifest-types';
import { type DeadLetterSink, toDeadLetterRecord } from './dead-letters';
import { invokeHandler, LOCAL_ACCOUNT_ID, LOCAL_REGION } from './lambda-invoker';
import { describeError, type RuntimeLogger } from './runtime-logger';

/**
 * The local stand-in for an MSK event-source mapping: one consumer per manifest subscription
 * (its own consumer group), feeding the handler `aws:kafka` batch events and committing only
 * what the handler finished. Error handling follows the mapping's documented controls
 * (https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html):
 * - a thrown error or a timeout retries the same records with exponential backoff, at most
 *   `retryAttempts` times; then, with `deadLetter`, the records go to the dead-letter sink and the
 *   partition moves on (a poison record never blocks it); without `deadLetter` the retries go on
 *   and the partition waits, as it does in Lambda;
 * - partial batch responses (`ReportBatchItemFailures`) are honoured: a handler may return
 *   `{ batchItemFailures: [{ itemIdentifier: { partition: "<topic>-<partition>", offset } }] }`;
 *   per partition, everything before the lowest failed offset counts as done and the rest is
 *   retried (this counts as a failed attempt). Null/empty responses mean success; an identifier
 *   that is malformed or names no record of the batch fails the whole batch, as Lambda does.
 * Batch splitting on error (BisectBatchOnFunctionError) is not simulated.
 */

export interface KafkaEventSource {
  /** The cluster ARN put in every event's `eventSourceArn`. */
  readonly eventSourceArn: string;
  readonly bootstrapServers: string;
}

export const LOCAL_KAFKA_EVENT_SOURCE: KafkaEventSource = {
  eventSourceArn: `arn:aws:kafka:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:cluster/eventline-local/00000000-0000-0000-0000-000000000000-1`,
  bootstrapServers: '127.0.0.1:9092',
};

export interface RetryBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 500, maxMs: 30_000 };

export interface KafkaPollersOptions {
  readonly consumers: readonly { fn: FunctionSpec; subscription: KafkaSubscriptionSpec }[];
  readonly handlers: ReadonlyMap<string, Handler>;
  readonly subscriber: TopicSubscriber;
  readonly deadLetters: DeadLetterSink;
  readonly logger: RuntimeLogger;
  readonly source?: KafkaEventSource;
  readonly retryBackoff?: RetryBackoff;
}

export interface KafkaPollers {
  stop(): Promise<void>;
}

/** What a handler's result says about the batch it was given. */
export type BatchVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly retry: readonly ConsumedRecord[]; readonly failedCount: number }
  | { readonly kind: 'failure'; readonly reason: string };

const partitionId = (r: { topic: string; partition: number }) => mskPartitionKey(r.topic, r.partition);

/** Reads a partial batch response against the records that were sent. */
export function readBatchResponse(result: unknown, records: readonly ConsumedRecord[]): BatchVerdict {
  if (result === null || result === undefined || typeof result !== 'object') return { kind: 'success' };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failure', reason: 'batchItemFailures is not an array' };
  if (failures.length === 0) return { kind: 'success' };

  const lowestFailed = new Map<string, bigint>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier as
      | { partition?: unknown; offset?: unknown }
      | null
      | undefined;
    const offsetText = typeof id?.offset === 'number' || typeof id?.offset === 'string' ? String(id.offset) : '';
    if (!id || typeof id.partition !== 'string' || !/^\d+$/.test(offsetText)) {
      return { kind: 'failure', reason: `malformed itemIdentifier ${JSON.stringify(id ?? null)}` };
    }
    const partition = id.partition;
    const offset = BigInt(offsetText);
    if (!records.some((r) => partitionId(r) === partition && BigInt(r.offset) === offset)) {
      return { kind: 'failure', reason: `itemIdentifier ${partition}@${offsetText} names no record of the batch` };
    }
    const current = lowestFailed.get(partition);
    if (current === undefined || offset < current) lowestFailed.set(partition, offset);
  }
  const retry = records.filter((r) => {
    const lowest = lowestFailed.get(partitionId(r));
    return lowest !== undefined && BigInt(r.offset) >= lowest;
  });
  return { kind: 'partial', retry, failedCount: failures.length };
}

export function backoffDelay(attempt: number, backoff: RetryBackoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function describeRecords(records: readonly ConsumedRecord[]): string {
  const first = records[0];
  const last = records[records.length - 1];
  return `${partitionId(first)} offsets ${first.offset}..${last.offset} (${records.length} record${records.length === 1 ? '' : 's'})`;
}

export async function startKafkaPollers(options: KafkaPollersOptions): Promise<KafkaPollers> {
  const { handlers, subscriber, deadLetters, logger } = options;
  const source = options.source ?? LOCAL_KAFKA_EVENT_SOURCE;
  const backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
  const stopping = new AbortController();
  const subscriptions: Subscription[] = [];

  const deliver = async (fn: FunctionSpec, s: KafkaSubscriptionSpec, records: readonly ConsumedRecord[]) => {
    if (records.length === 0) return;
    const handler = handlers.get(fn.name);
    if (!handler) throw new Error(`no handler loaded for ${fn.name}`);
    // Lambda: -1 means "retry forever", capped at 10 when an on-failure destination is set.
    const maxRetries = s.retryAttempts < 0 ? (s.deadLetter ? 10 : Number.POSITIVE_INFINITY) : s.retryAttempts;
    let pending = records;
    let attempts = 0;
    for (;;) {
      if (stopping.signal.aborted) throw new Error('local runtime stopping; batch left uncommitted');
      attempts++;
      const outcome = await invokeHandler(handler, toMskEvent(pending, source), fn);
      let failure: { message: string; timedOut: boolean };
      if (outcome.ok) {
        const verdict = readBatchResponse(outcome.result, pending);
        if (verdict.kind === 'success') {
          logger.debug(`${s.topic} -> ${fn.name}: ${describeRecords(pending)} ok ${outcome.durationMs}ms`);
          return;
        }
        if (verdict.kind === 'partial') {
          failure = { message: `handler reported ${verdict.failedCount} failed record(s)`, timedOut: false };
          pending = verdict.retry;
        } else {
          failure = { message: `invalid batch response: ${verdict.reason}`, timedOut: false };
        }
      } else {
        failure = { message: describeError(outcome.error), timedOut: outcome.timedOut };
      }

      const retriesDone = attempts - 1;
      if (s.deadLetter && retriesDone >= maxRetries) {
        await deadLetters.put({
          functionName: fn.name,
          consumerGroup: s.consumerGroup,
          topic: s.topic,
          failedAt: new Date().toISOString(),
          attempts,
          error: failure,
          records: pending.map(toDeadLetterRecord),
        });
        logger.error(
          `${s.topic} -> ${fn.name}: ${describeRecords(pending)} dead-lettered after ${attempts} attempts: ${failure.message}`,
        );
        return;
      }
      const delay = backoffDelay(attempts, backoff);
      const budget = Number.isFinite(maxRetries) ? `${retriesDone + 1}/${maxRetries}` : `${retriesDone + 1}`;
      const exhausted = !s.deadLetter && retriesDone >= maxRetries ? ' (no dead letter: partition blocked)' : '';
      logger.warn(
        `${s.topic} -> ${fn.name}: ${describeRecords(pending)} failed: ${failure.message}; retry ${budget} in ${delay}ms${exhausted}`,
      );
      await sleep(delay, stopping.signal);
    }
  };

  try {
    // All at once: each consumer's group join waits out the broker's initial rebalance delay, so
    // joining one after the other made a start with a dozen consumers take half a minute.
    const joined = await Promise.allSettled(
      options.consumers.map(({ fn, subscription: s }) =>
        subscriber.subscribe({
          groupId: s.consumerGroup,
          topic: s.topic,
          fromBeginning: s.startingPosition === 'TRIM_HORIZON',
          maxBatchSize: s.batchSize,
          maxWaitMs: s.maxBatchingWindowSeconds * 1000,
          onBatch: (records) => deliver(fn, s, records),
        }),
      ),
    );
    for (const result of joined) if (result.status === 'fulfilled') subscriptions.push(result.value);
    const failed = joined.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    stopping.abort();
    await Promise.allSettled(subscriptions.map((s) => s.stop()));
    throw error;
  }

  return {
    async stop() {
      stopping.abort();
      await Promise.allSettled(subscriptions.map((s) => s.stop()));
    },
  };
}
