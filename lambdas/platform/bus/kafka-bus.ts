/**
 * The kafkajs adapter of the bus ports.
 *
 * KafkaEventBus: one idempotent producer per container, connected on first use, acks=all.
 * KafkaTopicSubscriber: one kafkajs consumer per subscription, shaped like an MSK event-source
 * mapping: batches of at most `maxBatchSize` records from one partition, offsets committed only
 * after the batch's handler resolved, the same records delivered again when it rejected.
 */
import {
  type Consumer,
  type Kafka,
  type KafkaMessage,
  type Message,
  Partitioners,
  type Producer,
  type RetryOptions,
} from 'kafkajs';
import { Unavailable } from '../errors';
import type { ConsumedRecord, EventBus, OutgoingRecord, SubscribeOptions, Subscription, TopicSubscriber } from './event-bus';

/** A client, or how to get one (e.g. `kafkaFromEnv`), resolved on first use. */
export type KafkaSource = Kafka | (() => Promise<Kafka>);

function resolveKafka(source: KafkaSource): Promise<Kafka> {
  return typeof source === 'function' ? source() : Promise.resolve(source);
}

export interface KafkaEventBusOptions {
  /**
   * Producer retries. An idempotent kafkajs producer retries forever by default; a bounded
   * budget makes `publish` reject (and the HTTP handler answer 503) instead of hanging past the
   * Lambda timeout, e.g. for a topic that does not exist. Default: ~6 s in total.
   */
  readonly retry?: RetryOptions;
  /** How long the broker may wait for the in-sync replicas to ack (acks=all). Default 10 s. */
  readonly ackTimeoutMs?: number;
  /**
   * Most time a `publish` waits for its acknowledgement once the producer has connected: past it
   * the caller is rejected with `Unavailable` (an HTTP producer answers 503 with Retry-After
   * instead of hanging while the broker is down). The records may still land later (they may
   * already be on their way): consumers apply each record's identity at most once, so a client
   * that resends after the 503 cannot make it count twice. Default: none (the retry budget bounds it).
   */
  readonly publishDeadlineMs?: number;
  /**
   * The deadline until the producer has connected once (a cold start: connection, metadata and,
   * on MSK, IAM authentication take longer than a produce). Default: `publishDeadlineMs` × 6.
   */
  readonly firstPublishDeadlineMs?: number;
  /**
   * After a publish failed or missed its deadline, new publishes are refused at once for this long
   * (a breaker), instead of queueing behind a request that is still retrying; a request refused
   * for what it held (a record too large, an unknown topic) does not open it. Default 1 s.
   */
  readonly breakerOpenMs?: number;
}

/**
 * How often to ask kafkajs to heartbeat while a batch is handled. kafkajs sends one only when its
 * own interval (3 s) has passed, so asking every second keeps the real gap at ~3 s; asking every
 * 3 s could miss its window and stretch the gap to ~6 s, a whole minimum session timeout.
 */
const HEARTBEAT_INTERVAL_MS = 1000;

const DEFAULT_PRODUCER_RETRY: RetryOptions = { retries: 6, initialRetryTime: 100, maxRetryTime: 2000 };

/** One caller's `publish`, waiting in the queue to be sent with the others. */
interface PendingPublish {
  readonly topic: string;
  readonly messages: Message[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** kafkajs errors, and broker error codes, that say the broker is down or unreachable (not that a request was bad). */
const OUTAGE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);
const OUTAGE_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
]);

/**
 * Whether a failed request failed because the cluster is (partly) down, looking through the
 * causes kafkajs wraps errors in. A bad request (a record too large, a topic that does not
 * exist) is not an outage and does not open the breaker.
 */
export function isOutage(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as { name?: unknown; type?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.name === 'string' && OUTAGE_NAMES.has(e.name)) return true;
  if (typeof e.type === 'string' && OUTAGE_TYPES.has(e.type)) return true;
  if (typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH)$/.test(e.code)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isOutage(inner, depth + 1))) return true;
  return isOutage(e.cause, depth + 1);
}

/** Says the log is unavailable now; the HTTP edge answers it with 503 and Retry-After. */
function unavailable(detail: string, cause?: unknown): Unavailable {
  return new Unavailable(`the log could not take the records (${detail}), retry later`, { cause, retryAfterSeconds: 1 });
}

/** Most publishes coalesced into one produce request (keeps a partition's batch well under 1 MB). */
const MAX_COALESCED_PUBLISHES = 500;

export class KafkaEventBus implements EventBus {
  private producer?: Promise<Producer>;
  private closed = false;
  private readonly queue: PendingPublish[] = [];
  private sending = false;
  /** Publishes are refused at once until this time (epoch ms): the breaker is open. */
  private breakerOpenUntil = 0;
  /** Whether a request has been acknowledged since this bus was made (the producer connected). */
  private connectedOnce = false;

  constructor(
    private readonly kafka: KafkaSource,
    private readonly options: KafkaEventBusOptions = {},
  ) {}

  /**
   * Resolves once every record is stored on all in-sync replicas; rejects otherwise.
   *
   * The idempotent producer allows one request in flight, so publishes that arrive while one is
   * being acknowledged are coalesced into the next request (like the Java client's linger): one
   * round trip for many concurrent callers, each answered only when its own records are acked.
   * With a deadline (`publishDeadlineMs`) a caller is rejected with `Unavailable` once it passes,
   * and for `breakerOpenMs` after any failure new callers are rejected at once: during a broker
   * outage callers fail fast instead of piling up behind a request that kafkajs keeps retrying.
   */
  async publish(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('the event bus is closed');
    if (records.length === 0) return;
    if (Date.now() < this.breakerOpenUntil) throw unavailable('a publish just failed');
    // A null value goes out as a tombstone (kafkajs sends null values as such).
    const messages = records.map((r) => ({ key: r.key, value: r.value, headers: r.headers ? { ...r.headers } : undefined }));
    const deadlineMs = this.deadlineMs();
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const pending: PendingPublish = {
        topic,
        messages,
        resolve: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      };
      if (deadlineMs !== undefined) {
        timer = setTimeout(() => {
          // Still queued: it is never sent. Already sent: it may land later (see publishDeadlineMs).
          const queued = this.queue.indexOf(pending);
          if (queued >= 0) this.queue.splice(queued, 1);
          this.tripBreaker();
          pending.reject(unavailable(`no acknowledgement within ${deadlineMs} ms`));
        }, deadlineMs);
      }
      this.queue.push(pending);
      void this.drain();
    });
  }

  private deadlineMs(): number | undefined {
    const { publishDeadlineMs, firstPublishDeadlineMs } = this.options;
    if (publishDeadlineMs === undefined) return undefined;
    return this.connectedOnce ? publishDeadlineMs : (firstPublishDeadlineMs ?? publishDeadlineMs * 6);
  }

  private tripBreaker(): void {
    this.breakerOpenUntil = Date.now() + (this.options.breakerOpenMs ?? 1000);
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_COALESCED_PUBLISHES);
        try {
          await this.send(batch);
          this.connectedOnce = true;
          for (const pending of batch) pending.resolve();
        } catch (error) {
          // Every caller of a failed request is rejected (and answers 503, so its client retries).
          // Resending here would be wrong: part of the request may already be on the log, and a
          // new request gets new producer sequence numbers, so those records would land twice.
          if (isOutage(error)) this.tripBreaker();
          const failed = unavailable('the request failed', error);
          for (const pending of batch) pending.reject(failed);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private async send(batch: readonly PendingPublish[]): Promise<void> {
    const producer = await this.connectedProducer();
    const byTopic = new Map<string, Message[]>();
    for (const { topic, messages } of batch) {
      const list = byTopic.get(topic);
      if (list) list.push(...messages);
      else byTopic.set(topic, [...messages]);
    }
    await producer.sendBatch({
      acks: -1,
      timeout: this.options.ackTimeoutMs ?? 10_000,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    if (!producer) return;
    const connected = await producer.catch(() => undefined);
    await connected?.disconnect();
  }

  /** The producer, connected once and reused; a failed connect is retried by the next publish. */
  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const attempt = (async () => {
        const kafka = await resolveKafka(this.kafka);
        const producer = kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          // Kafka's (Java) default partitioner: the same key lands on the same partition as with
          // any other Kafka client and as in the embedded bus (key-partitioner.ts).
          createPartitioner: Partitioners.DefaultPartitioner,
          retry: this.options.retry ?? DEFAULT_PRODUCER_RETRY,
        });
        await producer.connect();
        return producer;
      })();
      this.producer = attempt;
      attempt.catch(() => {
        if (this.producer === attempt) this.producer = undefined;
      });
    }
    return this.producer;
  }
}

export interface KafkaTopicSubscriberOptions {
  /** Pause before a rejected batch is fetched again (MSK retries a failing batch too). Default 250 ms. */
  readonly retryBackoffMs?: number;
  /** Most time `subscribe` waits for the consumer to join its group and fetch. Default 60 s. */
  readonly readyTimeoutMs?: number;
  /** Consumer group session timeout. Default 30 s (kafkajs' default). */
  readonly sessionTimeoutMs?: number;
}

function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // kafkajs gives header values as Buffer (or an array for repeated names); keep the first.
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class KafkaTopicSubscriber implements TopicSubscriber {
  constructor(
    private readonly kafka: KafkaSource,
    private readonly options: KafkaTopicSubscriberOptions = {},
  ) {}

  /**
   * Joins the group and starts delivering. Resolves once the consumer has joined and completed
   * its first fetch, so the start position (committed offset, or earliest/latest for a new
   * group) is fixed: with `fromBeginning: false` a record published after this resolves is
   * delivered.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1)
      throw new Error('maxBatchSize must be a positive integer');
    const kafka = await resolveKafka(this.kafka);
    const consumer = kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: Math.max(1, options.maxWaitMs),
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
    });
    const retryBackoffMs = this.options.retryBackoffMs ?? 250;
    const ready = this.readiness(consumer);
    // Handled below; this keeps an early rejection (e.g. the timeout) from counting as unhandled.
    ready.promise.catch(() => undefined);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning });
      await consumer.run({
        partitionsConsumedConcurrently: 1,
        // Nothing is marked processed unless onBatch resolved for it...
        eachBatchAutoResolve: false,
        // ...and whatever is marked is committed at once (threshold 1), before the next batch.
        autoCommit: true,
        autoCommitThreshold: 1,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
          const { topic, partition } = batch;
          for (let start = 0; start < batch.messages.length; start += options.maxBatchSize) {
            if (!isRunning() || isStale()) return;
            const chunk = batch.messages.slice(start, start + options.maxBatchSize);
            // The runtime may retry a failing batch for minutes (like the event-source mapping);
            // kafkajs heartbeats only when asked, so keep the group membership alive meanwhile.
            const beating = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_INTERVAL_MS);
            try {
              await options.onBatch(chunk.map((m) => toConsumedRecord(topic, partition, m)));
            } catch {
              // Not resolving this chunk (nor the rest of the batch) is the redelivery: kafkajs
              // fetches a partition from its last resolved offset, so the next fetch starts at
              // this chunk's first record again. The handler logs its own failure.
              await sleep(retryBackoffMs);
              return;
            } finally {
              clearInterval(beating);
            }
            resolveOffset(chunk[chunk.length - 1].offset);
            await commitOffsetsIfNecessary();
            await heartbeat();
          }
        },
      });
      await ready.promise;
    } catch (err) {
      ready.dispose();
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    ready.dispose();
    let stopped: Promise<void> | undefined;
    return {
      stop: () => {
        // disconnect() waits for the batch in flight, commits what was resolved and leaves the group.
        stopped ??= consumer.disconnect();
        return stopped;
      },
    };
  }

  /** Settles when the consumer joined its group and then finished a fetch (or crashed for good). */
  private readiness(consumer: Consumer): { promise: Promise<void>; dispose: () => void } {
    const removers: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    const dispose = () => {
      for (const remove of removers.splice(0)) remove();
      if (timer) clearTimeout(timer);
    };
    const promise = new Promise<void>((resolve, reject) => {
      let joined = false;
      removers.push(
        consumer.on(consumer.events.GROUP_JOIN, () => {
          joined = true;
        }),
      );
      removers.push(
        consumer.on(consumer.events.FETCH, () => {
          if (joined) resolve();
        }),
      );
      removers.push(
        consumer.on(consumer.events.CRASH, (event) => {
          if (!event.payload.restart) reject(event.payload.error);
        }),
      );
      const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
      timer = setTimeout(() => reject(new Error(`consumer did not join its group and fetch within ${timeoutMs} ms`)), timeoutMs);
    });
    return { promise, dispose };
  }
}
