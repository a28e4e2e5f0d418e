import type { DeadLetter } from '../../lambdas/platform/topic-consumer';
import { platform } from '../../lambdas/platform/wiring';
import { Topics } from './topics';

/** Every dead letter on the local bus so far (read by a fresh group from the beginning; embedded backend). */
export async function readDeadLetters(): Promise<DeadLetter[]> {
  const bus = await platform.localBus();
  const letters: DeadLetter[] = [];
  const subscription = await bus.subscribe({
    groupId: `test-${Math.random()}`,
    topic: Topics.deadLetters,
    fromBeginning: true,
    maxBatchSize: 100,
    maxWaitMs: 10,
    onBatch: async (records) => {
      for (const r of records) letters.push(JSON.parse(r.value?.toString() ?? '{}') as DeadLetter);
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await subscription.stop();
  return letters;
}
