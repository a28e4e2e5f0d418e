import type { EventBus, SubscribeOptions, TopicSubscriber } from '../../lambdas/platform/bus/event-bus';
import { PrefixedBus } from '../../lambdas/platform/bus/topic-prefix';

describe('PrefixedBus', () => {
  it('puts topics and consumer groups under the prefix, so runtimes sharing a Kafka never share a group', async () => {
    const published: string[] = [];
    const subscribed: SubscribeOptions[] = [];
    const bus: EventBus = { publish: async (topic) => void published.push(topic), close: async () => {} };
    const subscriber: TopicSubscriber = {
      subscribe: async (options) => {
        subscribed.push(options);
        return { stop: async () => {} };
      },
    };
    const prefixed = new PrefixedBus('e2e-1.', bus, subscriber);
    await prefixed.publish('tracking.user-tags', [{ key: 'k', value: 'v' }]);
    await prefixed.subscribe({
      groupId: 'tracking-profile-store',
      topic: 'tracking.user-tags',
      fromBeginning: true,
      maxBatchSize: 1,
      maxWaitMs: 1,
      onBatch: async () => {},
    });
    expect(published).toEqual(['e2e-1.tracking.user-tags']);
    expect(subscribed.map((s) => [s.topic, s.groupId])).toEqual([['e2e-1.tracking.user-tags', 'e2e-1.tracking-profile-store']]);
  });
});
