import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Handler, MSKEvent } from 'aws-lambda';
import type { ConsumedRecord, SubscribeOptions, Subscription, TopicSubscriber } from '../../lambdas/platform/bus/event-bus';
import type { FunctionSpec, KafkaSubscriptionSpec, Manifest } from '../../lambdas/platform/manifest-types';
import {
  InMemoryDeadLetterSink,
  JsonLinesDeadLetterSink,
  type LocalRuntime,
  RecordingRuntimeLogger,
  startLocalRuntime,
} from '../../scripts/local-runtime';
import { backoffDelay, readBatchResponse } from '../../scripts/local-runtime/kafka-poller';
import { testFunction } from '../support/function-spec';

/**
 * A tiny in-test TopicSubscriber that keeps the port's contract: batches of one partition, handed
 * to onBatch one at a time; a resolved onBatch commits, a rejected one gets the same records again.
 */
class FakeSubscriber implements TopicSubscriber {
  readonly subscriptions: SubscribeOptions[] = [];
  readonly committed: ConsumedRecord[][] = [];
  stopped = 0;

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.subscriptions.push(options);
    return {
      stop: async () => {
        this.stopped++;
      },
    };
  }

  /** Delivers a batch to the group; resolves once it is committed (redelivering on rejection, up to `maxDeliveries`). */
  async deliver(groupId: string, records: ConsumedRecord[], maxDeliveries = 1): Promise<void> {
    const subscription = this.subscriptions.find((s) => s.groupId === groupId);
    if (!subscription) throw new Error(`no subscription for ${groupId}`);
    let lastError: unknown;
    for (let i = 0; i < maxDeliveries; i++) {
      try {
        await subscription.onBatch(records);
        this.committed.push(records);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }
}

const TOPIC = 'test.events';

function record(offset: number, value: string, partition = 2): ConsumedRecord {
  return {
    topic: TOPIC,
    partition,
    offset: String(offset),
    timestamp: 1_700_000_000_000 + offset,
    key: Buffer.from(`key-${offset}`),
    value: Buffer.from(value),
    headers: { 'content-type': Buffer.from('application/json') },
  };
}

function consumer(name: string, subscription: Partial<KafkaSubscriptionSpec>): FunctionSpec {
  return testFunction(name, {
    timeoutSeconds: 1,
    subscriptions: [
      {
        topic: TOPIC,
        consumerGroup: `${name}-group`,
        batchSize: 100,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 2,
        deadLetter: true,
        startingPosition: 'TRIM_HORIZON',
        ...subscription,
      },
    ],
  });
}

const valuesOf = (event: MSKEvent) =>
  Object.values(event.records)
    .flat()
    .map((r) => Buffer.from(r.value, 'base64').toString());

describe('local runtime: Kafka consumers', () => {
  const calls: Record<string, MSKEvent[]> = {};
  const remember = (name: string, event: MSKEvent) => {
    calls[name] ??= [];
    calls[name].push(event);
  };
  let partialRound = 0;
  const handlers: Record<string, Handler> = {
    // Fails on any batch holding a "poison" record; everything else succeeds.
    'poison-aware': async (event: MSKEvent) => {
      remember('poison-aware', event);
      if (valuesOf(event).includes('poison')) throw new Error('cannot parse poison');
    },
    // Never finishes in time.
    sleepy: async (event: MSKEvent) => {
      remember('sleepy', event);
      await new Promise((resolve) => setTimeout(resolve, 5000).unref());
    },
    // Fails three times, then succeeds; without a dead letter it must be retried until then.
    flaky: async (event: MSKEvent) => {
      remember('flaky', event);
      if (calls.flaky.length <= 3) throw new Error('database unavailable');
    },
    // Reports offset 12 as failed once, then succeeds.
    partial: async (event: MSKEvent) => {
      remember('partial', event);
      partialRound++;
      if (partialRound === 1) return { batchItemFailures: [{ itemIdentifier: { partition: `${TOPIC}-2`, offset: 12 } }] };
      return { batchItemFailures: [] };
    },
    // Reports a failure for a record that was not in the batch: the whole batch failed.
    liar: async (event: MSKEvent) => {
      remember('liar', event);
      return { batchItemFailures: [{ itemIdentifier: { partition: `${TOPIC}-2`, offset: 999 } }] };
    },
  };

  const manifest: Manifest = {
    metricNamespace: 'Eventline',
    migrations: [],
    searchIndexes: [],
    topics: [{ name: TOPIC, partitions: 3, retentionHours: 1, description: 'test' }],
    functions: [
      consumer('poison-aware', { retryAttempts: 2, batchSize: 50, maxBatchingWindowSeconds: 2 }),
      consumer('sleepy', { retryAttempts: 0, startingPosition: 'LATEST' }),
      consumer('flaky', { retryAttempts: 1, deadLetter: false }),
      consumer('partial', { retryAttempts: 3 }),
      consumer('liar', { retryAttempts: 0 }),
    ],
  };

  const subscriber = new FakeSubscriber();
  const deadLetters = new InMemoryDeadLetterSink();
  const logger = new RecordingRuntimeLogger();
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await startLocalRuntime({
      manifest,
      port: 0,
      subscriber,
      loadHandler: async (spec) => handlers[spec.name],
      deadLetters,
      logger,
      enableSchedules: false,
      retryBackoff: { initialMs: 5, maxMs: 20 },
      kafkaSource: { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/1', bootstrapServers: 'b-1:9092' },
    });
  });
  afterAll(async () => {
    await runtime.stop();
  });

  it('subscribes one consumer group per subscription with the manifest settings', () => {
    const poison = subscriber.subscriptions.find((s) => s.groupId === 'poison-aware-group');
    expect(poison).toMatchObject({ topic: TOPIC, fromBeginning: true, maxBatchSize: 50, maxWaitMs: 2000 });
    expect(subscriber.subscriptions.find((s) => s.groupId === 'sleepy-group')?.fromBeginning).toBe(false);
    expect(subscriber.subscriptions).toHaveLength(5);
  });

  it('invokes the handler with an aws:kafka event', async () => {
    await subscriber.deliver('poison-aware-group', [record(1, '{"a":1}'), record(2, '{"a":2}')]);
    const event = calls['poison-aware'].at(-1) as MSKEvent;
    expect(event).toMatchObject({
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/1',
      bootstrapServers: 'b-1:9092',
    });
    expect(Object.keys(event.records)).toEqual([`${TOPIC}-2`]);
    expect(event.records[`${TOPIC}-2`].map((r) => r.offset)).toEqual([1, 2]);
    expect(valuesOf(event)).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('retries a failing batch retryAttempts times, dead-letters it, then moves on', async () => {
    const before = calls['poison-aware'].length;
    await subscriber.deliver('poison-aware-group', [record(10, 'ok'), record(11, 'poison')]);
    expect(calls['poison-aware'].length - before).toBe(3); // the first attempt + 2 retries

    const entry = deadLetters.entries.find((e) => e.functionName === 'poison-aware');
    expect(entry).toMatchObject({
      consumerGroup: 'poison-aware-group',
      topic: TOPIC,
      attempts: 3,
      error: { message: 'Error: cannot parse poison', timedOut: false },
    });
    expect(entry?.records.map((r) => [r.offset, Buffer.from(r.value as string, 'base64').toString()])).toEqual([
      ['10', 'ok'],
      ['11', 'poison'],
    ]);
    expect(entry?.records[0].key).toBe(Buffer.from('key-10').toString('base64'));

    // The partition is not blocked: the next batch is processed and committed.
    await subscriber.deliver('poison-aware-group', [record(12, 'fine')]);
    expect(valuesOf(calls['poison-aware'].at(-1) as MSKEvent)).toEqual(['fine']);
    expect(subscriber.committed.at(-1)?.map((r) => r.offset)).toEqual(['12']);
  });

  it('treats a timed-out invocation as a failure', async () => {
    await subscriber.deliver('sleepy-group', [record(5, 'slow')]);
    const entry = deadLetters.entries.find((e) => e.functionName === 'sleepy');
    expect(entry).toMatchObject({ attempts: 1, error: { timedOut: true } });
    expect(entry?.error.message).toMatch(/Task timed out after 1\.00 seconds/);
  });

  it('without a dead letter keeps retrying past retryAttempts until the handler succeeds', async () => {
    await subscriber.deliver('flaky-group', [record(1, 'x')]);
    expect(calls.flaky).toHaveLength(4); // retryAttempts is 1, yet it went on until the 4th attempt succeeded
    expect(deadLetters.entries.some((e) => e.functionName === 'flaky')).toBe(false);
    expect(logger.lines.some((l) => l.line.includes('partition blocked'))).toBe(true);
  });

  it('honours partial batch responses: retries from the lowest failed offset only', async () => {
    await subscriber.deliver('partial-group', [record(10, 'a'), record(11, 'b'), record(12, 'c'), record(13, 'd')]);
    expect(calls.partial).toHaveLength(2);
    expect(calls.partial[1].records[`${TOPIC}-2`].map((r) => r.offset)).toEqual([12, 13]);
    expect(deadLetters.entries.some((e) => e.functionName === 'partial')).toBe(false);
  });

  it('fails the whole batch when a reported failure names no record of it', async () => {
    await subscriber.deliver('liar-group', [record(1, 'a'), record(2, 'b')]);
    const entry = deadLetters.entries.find((e) => e.functionName === 'liar');
    expect(entry?.records.map((r) => r.offset)).toEqual(['1', '2']);
    expect(entry?.error.message).toMatch(/names no record of the batch/);
  });

  it('stops its subscriptions on stop()', async () => {
    const local = new FakeSubscriber();
    const other = await startLocalRuntime({
      manifest,
      port: 0,
      subscriber: local,
      loadHandler: async (spec) => handlers[spec.name],
      deadLetters: new InMemoryDeadLetterSink(),
      logger: new RecordingRuntimeLogger(),
      enableSchedules: false,
    });
    await other.stop();
    expect(local.stopped).toBe(5);
  });
});

describe('partial batch response rules', () => {
  const records = [record(10, 'a', 0), record(11, 'b', 0), record(20, 'c', 1), record(21, 'd', 1)];
  const failure = (partition: string, offset: number | string) => ({ itemIdentifier: { partition, offset } });

  it('treats null, empty and failure-free responses as success', () => {
    for (const result of [undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }, 'done']) {
      expect(readBatchResponse(result, records)).toEqual({ kind: 'success' });
    }
  });

  it('retries from the lowest failed offset of each failed partition', () => {
    const verdict = readBatchResponse({ batchItemFailures: [failure(`${TOPIC}-1`, 21), failure(`${TOPIC}-0`, '11')] }, records);
    expect(verdict.kind).toBe('partial');
    if (verdict.kind === 'partial') expect(verdict.retry.map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@11', '1@21']);
  });

  it('fails the whole batch on malformed identifiers', () => {
    for (const result of [
      { batchItemFailures: 'x' },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: { partition: `${TOPIC}-0` } }] },
      { batchItemFailures: [{ itemId: { partition: `${TOPIC}-0`, offset: 10 } }] },
    ]) {
      expect(readBatchResponse(result, records).kind).toBe('failure');
    }
  });

  it('backs off exponentially up to the cap', () => {
    const backoff = { initialMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, backoff))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('JSON-lines dead-letter sink', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'eventline-dlq-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per entry to <function>.jsonl', async () => {
    const sink = new JsonLinesDeadLetterSink(path.join(dir, 'dead-letters'));
    const entry = {
      functionName: 'store-things',
      consumerGroup: 'g',
      topic: TOPIC,
      failedAt: '2024-01-01T00:00:00.000Z',
      attempts: 3,
      error: { message: 'boom', timedOut: false },
      records: [],
    };
    await sink.put(entry);
    await sink.put({ ...entry, attempts: 4 });
    const lines = readFileSync(path.join(dir, 'dead-letters', 'store-things.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).attempts)).toEqual([3, 4]);
  });
});
