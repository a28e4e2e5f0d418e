/**
 * EmbeddedBus behaviour beyond the shared bus contract (test/contract/bus.contract.test.ts):
 * retention, closing, and that a failing handler is retried at a bounded pace.
 */
import { EmbeddedBus } from '../../lambdas/platform/bus/embedded-bus';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import type { TopicSpec } from '../../lambdas/platform/manifest-types';

const topic: TopicSpec = { name: 't', partitions: 2, retentionHours: 1, description: 'test' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('EmbeddedBus', () => {
  it('drops records older than the topic retention; offsets keep counting', async () => {
    let now = 1_000_000;
    const bus = new EmbeddedBus([{ ...topic, partitions: 1 }], { now: () => now });
    await bus.publish('t', [{ key: 'k', value: 'old' }]);
    now += 2 * 3_600_000;
    await bus.publish('t', [{ key: 'k', value: 'new' }]);
    const got: ConsumedRecord[] = [];
    await bus.subscribe({
      groupId: 'g',
      topic: 't',
      fromBeginning: true,
      maxBatchSize: 10,
      maxWaitMs: 10,
      onBatch: async (r) => void got.push(...r),
    });
    await until(() => got.length === 1);
    await sleep(50);
    expect(got.map((r) => [r.offset, r.value?.toString(), r.timestamp])).toEqual([['1', 'new', now]]);
    await bus.close();
  });

  it('rejects publishes and subscriptions once closed, and stops its subscriptions', async () => {
    const bus = new EmbeddedBus([topic]);
    let calls = 0;
    await bus.subscribe({
      groupId: 'g',
      topic: 't',
      fromBeginning: true,
      maxBatchSize: 10,
      maxWaitMs: 10,
      onBatch: async () => void calls++,
    });
    await bus.close();
    await expect(bus.publish('t', [{ key: 'k', value: 'v' }])).rejects.toThrow(/closed/);
    await expect(
      bus.subscribe({ groupId: 'h', topic: 't', fromBeginning: true, maxBatchSize: 1, maxWaitMs: 1, onBatch: async () => {} }),
    ).rejects.toThrow(/closed/);
    expect(calls).toBe(0);
  });

  it('rejects a topic declared twice and a subscription to an undeclared topic', async () => {
    expect(() => new EmbeddedBus([topic, topic])).toThrow(/declared twice/);
    const bus = new EmbeddedBus([topic]);
    await expect(
      bus.subscribe({ groupId: 'g', topic: 'nope', fromBeginning: true, maxBatchSize: 1, maxWaitMs: 1, onBatch: async () => {} }),
    ).rejects.toThrow(/unknown topic/);
    await bus.close();
  });

  it('stop() waits for the batch in flight and commits it', async () => {
    const bus = new EmbeddedBus([{ ...topic, partitions: 1 }]);
    await bus.publish('t', [{ key: 'k', value: 'v1' }]);
    let release: () => void = () => {};
    let started = false;
    const subscription = await bus.subscribe({
      groupId: 'g',
      topic: 't',
      fromBeginning: true,
      maxBatchSize: 10,
      maxWaitMs: 10,
      onBatch: () => {
        started = true;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    await until(() => started);
    const stopped = subscription.stop();
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await sleep(30);
    expect(done).toBe(false);
    release();
    await stopped;
    // The batch was committed: the group's next subscriber gets only what comes after it.
    await bus.publish('t', [{ key: 'k', value: 'v2' }]);
    const got: string[] = [];
    await bus.subscribe({
      groupId: 'g',
      topic: 't',
      fromBeginning: true,
      maxBatchSize: 10,
      maxWaitMs: 10,
      onBatch: async (r) => void got.push(...r.map((x) => x.value?.toString() ?? '')),
    });
    await until(() => got.length === 1);
    expect(got).toEqual(['v2']);
    await bus.close();
  });

  it('retries a failing batch at the backoff pace, not in a busy loop', async () => {
    const bus = new EmbeddedBus([topic], { retryBackoffMs: 100 });
    await bus.publish('t', [{ key: 'k', value: 'v' }]);
    let attempts = 0;
    await bus.subscribe({
      groupId: 'g',
      topic: 't',
      fromBeginning: true,
      maxBatchSize: 10,
      maxWaitMs: 10,
      onBatch: async () => {
        attempts++;
        throw new Error('always fails');
      },
    });
    // Publishes to the topic must not cut the backoff short either.
    for (let i = 0; i < 10; i += 1) {
      await bus.publish('t', [{ key: `other-${i}`, value: 'x' }]);
      await sleep(25);
    }
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(6);
    await bus.close();
  });

  it('copies records: a handler mutating a buffer does not change the log', async () => {
    const bus = new EmbeddedBus([{ ...topic, partitions: 1 }]);
    await bus.publish('t', [{ key: 'k', value: 'abc' }]);
    const seen: string[] = [];
    const onBatch = async (records: readonly ConsumedRecord[]) => {
      seen.push(records[0].value?.toString() ?? '');
      records[0].value?.fill(0);
    };
    await bus.subscribe({ groupId: 'a', topic: 't', fromBeginning: true, maxBatchSize: 1, maxWaitMs: 1, onBatch });
    await bus.subscribe({ groupId: 'b', topic: 't', fromBeginning: true, maxBatchSize: 1, maxWaitMs: 1, onBatch });
    await until(() => seen.length === 2);
    expect(seen).toEqual(['abc', 'abc']);
    await bus.close();
  });
});
