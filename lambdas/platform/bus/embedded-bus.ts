/**
 * The in-process bus of the embedded backend (`npm start` with nothing installed). It keeps
 * Kafka's semantics that handlers and the local runtime depend on, so code that works here works
 * on Kafka (one contract suite runs against both):
 * - declared topics only (publishing elsewhere rejects), each with its partitions;
 * - a record's key picks its partition with Kafka's own partitioner (same key, same partition,
 *   same order); offsets count from 0 per partition; records expire after the topic's retention;
 * - consumer groups with committed offsets per partition: every group gets every record, the
 *   partitions of a topic are split among a group's live subscriptions, `fromBeginning` applies
 *   to a group without a committed offset, a batch is committed only when its handler resolved
 *   and delivered again when it rejected.
 * Deliveries are woken by publishes (no busy polling); stop()/close() leave no timer behind.
 */

import { Unavailable } from '../errors';
import type { TopicSpec } from '../manifest-types';
import type { ConsumedRecord, EventBus, OutgoingRecord, SubscribeOptions, Subscription, TopicSubscriber } from './event-bus';
import { partitionForKey } from './key-partitioner';

export interface EmbeddedBusOptions {
  /** Pause before a rejected batch is delivered again. Default 100 ms. */
  readonly retryBackoffMs?: number;
  /** Largest record (key + value + headers) accepted, like the broker's message.max.bytes. Default 1 MiB. */
  readonly maxRecordBytes?: number;
  /** Clock for record timestamps and retention (tests). */
  readonly now?: () => number;
}

interface StoredRecord {
  readonly key: Buffer;
  /** Null: a tombstone. */
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
  readonly timestamp: number;
}

/** One partition's log: `records[i]` has offset `startOffset + i`. */
interface PartitionLog {
  startOffset: number;
  records: StoredRecord[];
}

interface TopicLog {
  readonly spec: TopicSpec;
  readonly partitions: PartitionLog[];
}

interface GroupState {
  /** `topic/partition` -> the next offset to deliver. */
  readonly committed: Map<string, number>;
  /** `topic/partition` being handled right now (never twice at once within a group). */
  readonly inFlight: Set<string>;
  /** topic -> live subscriptions, in join order. */
  readonly members: Map<string, EmbeddedSubscription[]>;
}

interface BusHub {
  leave(subscription: EmbeddedSubscription): void;
  wakeGroup(group: GroupState, topic: string): void;
  assignedPartitions(subscription: EmbeddedSubscription): number[];
  retryBackoffMs(): number;
}

const DEFAULT_MAX_RECORD_BYTES = 1_048_576;
const HOUR_MS = 3_600_000;
/** Safety net only: deliveries are driven by wake-ups, this catches nothing else in practice. */
const IDLE_POLL_MS = 1_000;

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

function recordBytes(r: OutgoingRecord): number {
  let bytes = Buffer.byteLength(r.key) + (r.value === null ? 0 : Buffer.byteLength(r.value));
  for (const [name, value] of Object.entries(r.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

export class EmbeddedBus implements EventBus, TopicSubscriber {
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, GroupState>();
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private readonly now: () => number;
  private closed = false;

  /** What a subscription may ask of the bus. */
  private readonly hub: BusHub = {
    leave: (subscription) => {
      this.subscriptions.delete(subscription);
      const members = subscription.group.members.get(subscription.topic) ?? [];
      subscription.group.members.set(
        subscription.topic,
        members.filter((m) => m !== subscription),
      );
      this.wakeGroup(subscription.group, subscription.topic);
    },
    wakeGroup: (group, topic) => this.wakeGroup(group, topic),
    // A group's live subscriptions of a topic split its partitions round-robin, in join order.
    assignedPartitions: (subscription) => {
      const members = subscription.group.members.get(subscription.topic) ?? [];
      const index = members.indexOf(subscription);
      if (index < 0) return [];
      const count = this.topics.get(subscription.topic)?.partitions.length ?? 0;
      const owned: number[] = [];
      for (let p = index; p < count; p += members.length) owned.push(p);
      return owned;
    },
    retryBackoffMs: () => this.options.retryBackoffMs ?? 100,
  };

  constructor(
    topics: readonly TopicSpec[],
    private readonly options: EmbeddedBusOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    for (const spec of topics) {
      if (this.topics.has(spec.name)) throw new Error(`topic ${spec.name} declared twice`);
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1)
        throw new Error(`topic ${spec.name}: partitions must be a positive integer`);
      const partitions = Array.from({ length: spec.partitions }, () => ({ startOffset: 0, records: [] as StoredRecord[] }));
      this.topics.set(spec.name, { spec, partitions });
    }
  }

  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    const log = this.topics.get(topic);
    // Kafka cannot tell a missing topic from one not yet available either: the same error as its adapter.
    if (!log) throw new Unavailable(`unknown topic ${topic}: it is not declared in the manifest`);
    const maxBytes = this.options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    // Validate everything first: a rejected publish stores nothing.
    for (const r of records) {
      if (typeof r.key !== 'string' || (typeof r.value !== 'string' && r.value !== null))
        throw new Error('record key must be a string and its value a string or null (a tombstone)');
      const bytes = recordBytes(r);
      if (bytes > maxBytes) throw new Error(`record of ${bytes} bytes is larger than the ${maxBytes} bytes a broker accepts`);
    }
    const timestamp = this.now();
    for (const r of records) {
      const partition = log.partitions[partitionForKey(r.key, log.partitions.length)];
      const headers: Record<string, Buffer> = {};
      for (const [name, value] of Object.entries(r.headers ?? {})) headers[name] = Buffer.from(value, 'utf8');
      const value = r.value === null ? null : Buffer.from(r.value, 'utf8');
      partition.records.push({ key: Buffer.from(r.key, 'utf8'), value, headers, timestamp });
    }
    this.expire(log);
    for (const subscription of this.subscriptions) if (subscription.topic === topic) subscription.wake();
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new Error('the event bus is closed');
    const log = this.topics.get(options.topic);
    if (!log) throw new Error(`unknown topic ${options.topic}: it is not declared in the manifest`);
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1)
      throw new Error('maxBatchSize must be a positive integer');
    const group = this.group(options.groupId);
    // A group without a committed offset starts at the beginning or at the end, as of now.
    log.partitions.forEach((p, index) => {
      const key = partitionKey(options.topic, index);
      if (!group.committed.has(key))
        group.committed.set(key, options.fromBeginning ? p.startOffset : p.startOffset + p.records.length);
    });
    const subscription = new EmbeddedSubscription(this.hub, log, group, options);
    const members = group.members.get(options.topic) ?? [];
    group.members.set(options.topic, [...members, subscription]);
    this.subscriptions.add(subscription);
    subscription.start();
    this.wakeGroup(group, options.topic);
    return subscription;
  }

  /** Stops every subscription; later publishes and subscribes reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  /** Wakes a group's members of a topic (membership changed or a partition freed up). */
  private wakeGroup(group: GroupState, topic: string): void {
    for (const member of group.members.get(topic) ?? []) member.wake();
  }

  private group(groupId: string): GroupState {
    let group = this.groups.get(groupId);
    if (!group) {
      group = { committed: new Map(), inFlight: new Set(), members: new Map() };
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** Drops records older than the topic's retention; groups behind the new start skip ahead on their next read. */
  private expire(log: TopicLog): void {
    const oldestKept = this.now() - log.spec.retentionHours * HOUR_MS;
    for (const partition of log.partitions) {
      const first = partition.records[0];
      if (!first || first.timestamp >= oldestKept) continue;
      const keepFrom = partition.records.findIndex((r) => r.timestamp >= oldestKept);
      const drop = keepFrom < 0 ? partition.records.length : keepFrom;
      partition.records = partition.records.slice(drop);
      partition.startOffset += drop;
    }
  }
}

/** One subscription: a loop that hands its partitions' pending records to onBatch. */
class EmbeddedSubscription implements Subscription {
  readonly topic: string;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private woken = false;
  private wakeUp?: () => void;

  constructor(
    private readonly bus: BusHub,
    private readonly log: TopicLog,
    readonly group: GroupState,
    private readonly options: SubscribeOptions,
  ) {
    this.topic = options.topic;
  }

  start(): void {
    this.loop = this.run();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.bus.leave(this);
      this.wake();
    }
    // Resolves once a batch in flight has finished and been committed (or not).
    return this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      // Let every publish of this turn of the event loop land first: under load a batch then
      // carries the records of many requests, as an event-source mapping gathers them, instead
      // of one invocation per record (which cost the local runtime more than the requests did).
      await new Promise((resolve) => setImmediate(resolve));
      const delivered = await this.deliverRound();
      if (!delivered && !this.stopping) await this.idle(IDLE_POLL_MS, true);
    }
  }

  /** One batch from each owned partition that has records; true if anything was handed over. */
  private async deliverRound(): Promise<boolean> {
    let delivered = false;
    for (const index of this.bus.assignedPartitions(this)) {
      if (this.stopping) break;
      const key = partitionKey(this.topic, index);
      if (this.group.inFlight.has(key)) continue;
      const partition = this.log.partitions[index];
      const from = Math.max(this.group.committed.get(key) ?? 0, partition.startOffset);
      const end = partition.startOffset + partition.records.length;
      if (from >= end) continue;
      const batch = partition.records
        .slice(from - partition.startOffset, from - partition.startOffset + this.options.maxBatchSize)
        .map((r, i) => toConsumedRecord(this.topic, index, from + i, r));
      delivered = true;
      this.group.inFlight.add(key);
      try {
        await this.options.onBatch(batch);
        this.group.committed.set(key, from + batch.length);
      } catch {
        // Not committed: the same records come again after a pause (the handler logs its failure).
        await this.idle(this.bus.retryBackoffMs(), false);
      } finally {
        this.group.inFlight.delete(key);
        this.bus.wakeGroup(this.group, this.topic);
      }
    }
    return delivered;
  }

  /**
   * Waits `ms`, or less when stopped (or, if `wakeable`, when woken; a wake-up that arrived
   * while the loop was busy counts too, so none is lost).
   */
  private idle(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping || (wakeable && this.woken)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      // unref: a subscription someone forgot to stop never keeps the process alive by itself.
      const timer = setTimeout(done, ms).unref();
      this.wakeUp = () => {
        if (wakeable || this.stopping) done();
      };
    });
  }
}

function toConsumedRecord(topic: string, partition: number, offset: number, r: StoredRecord): ConsumedRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(r.headers)) headers[name] = Buffer.from(value);
  // Copies: a handler that mutates a buffer must not change the log.
  return {
    topic,
    partition,
    offset: String(offset),
    timestamp: r.timestamp,
    key: Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    headers,
  };
}
