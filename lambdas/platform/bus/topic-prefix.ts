import type { EventBus, OutgoingRecord, SubscribeOptions, Subscription, TopicSubscriber } from './event-bus';

/**
 * Puts every topic and consumer group under a prefix, so several local runtimes (a developer's
 * `npm start`, an end-to-end test) can share one Kafka without reading each other's records or
 * joining each other's groups. Handlers keep using the manifest's names. Empty prefix in AWS.
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
    // The group is prefixed too: two runtimes with the same group id but different topics would
    // otherwise be members of one group, rebalancing each other and starving each other's topics.
    return this.subscriber.subscribe({ ...options, topic: this.prefix + options.topic, groupId: this.prefix + options.groupId });
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}
