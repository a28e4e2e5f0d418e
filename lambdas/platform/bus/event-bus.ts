/**
 * A record to publish: the key picks the partition (same key, same partition, same order).
 * A null value is a tombstone (Kafka's "this key is deleted"); its headers may say more (e.g. a
 * version). Consumers see it as a record whose value is null, and only a consumer that opted in
 * (topicConsumer's `tombstones`) gets it: to the others it is a record that can't be processed.
 */
/**
 * The record header carrying an event's identity (hex text): the same for every copy of one
 * event, however often a client resends it, so sinks apply it at most once (see
 * platform/sql/applied-identities.ts). Producers set it; consumers read it, never recompute it.
 */
export const IDENTITY_HEADER = 'eventline-identity';

export interface OutgoingRecord {
  readonly key: string;
  readonly value: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The producing side of the log. `publish` resolves only once every record is durable
 * (Kafka: acks=all on an idempotent producer); it rejects if any record could not be stored,
 * so a handler never answers 2xx for an event that was not persisted.
 */
export interface EventBus {
  publish(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** A record as a consumer sees it, before it is shaped into an `aws:kafka` event. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
}

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly fromBeginning: boolean;
  /** Most records handed to one `onBatch` call (always from one partition). */
  readonly maxBatchSize: number;
  /** Most time to wait to fill a batch. */
  readonly maxWaitMs: number;
  /**
   * Resolving commits the batch's offsets for the group; rejecting leaves them uncommitted and
   * the same records are delivered again (at-least-once, like an MSK event-source mapping).
   */
  readonly onBatch: (records: readonly ConsumedRecord[]) => Promise<void>;
}

export interface Subscription {
  stop(): Promise<void>;
}

/**
 * The consuming side, used by the local runtime only (in AWS the MSK event-source mapping
 * polls). Implemented by the embedded bus and by the kafkajs adapter.
 */
export interface TopicSubscriber {
  subscribe(options: SubscribeOptions): Promise<Subscription>;
}
