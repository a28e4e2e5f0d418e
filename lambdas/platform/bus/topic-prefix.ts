import type { EventBus, OutgoingRecord, SubscribeOptions, Subscription, TopicSubscriber } from './event-bus';

/**
 * Puts every topic under a prefix, so several local runtimes (a developer's `npm start`, an
 * end-to-end test) can share one Kafka without reading each other's records. Handlers keep
 * using the manifest's topic names. Empty prefix in AWS.
 */
export class PrefixedBus implements EventBus, TopicSubscriber {
  constructor(
    private readonly prefix: string,
    private readonly bus: EventBus,
    private readonly subscriber: TopicSubscriber,
  ) {}

  publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    return this.bus.publish(this.prefix + topic, records);
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    return this.subscriber.subscribe({ ...options, topic: this.prefix + options.topic });
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}
