import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { platform } from '../../lambdas/platform/wiring';

/**
 * Every record published to a topic of the embedded bus so far, read by a throwaway consumer
 * group (the embedded bus hands over what it holds within the wait).
 */
export async function publishedRecords(topic: string, waitMs = 100): Promise<ConsumedRecord[]> {
  const bus = await platform.localBus();
  const records: ConsumedRecord[] = [];
  const subscription = await bus.subscribe({
    groupId: `test-${Math.random()}`,
    topic,
    fromBeginning: true,
    maxBatchSize: 1000,
    maxWaitMs: 10,
    onBatch: async (batch) => {
      records.push(...batch);
    },
  });
  await new Promise((r) => setTimeout(r, waitMs));
  await subscription.stop();
  return records;
}

/** The JSON values of `publishedRecords`. */
export async function publishedValues<T>(topic: string): Promise<T[]> {
  return (await publishedRecords(topic)).map((r) => JSON.parse(r.value!.toString()) as T);
}
