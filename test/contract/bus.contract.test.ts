/**
 * The bus contract: one suite, run against the embedded bus and against a real Kafka
 * (KafkaEventBus + KafkaTopicSubscriber on the local broker, `npm run services:up`). Every test
 * uses its own topics and consumer groups (random names) and removes them afterwards. The Kafka
 * suite fails, loudly, when no broker answers.
 */
import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { type Admin, type Kafka, logLevel } from 'kafkajs';
import { EmbeddedBus } from '../../lambdas/platform/bus/embedded-bus';
import type {
  ConsumedRecord,
  EventBus,
  OutgoingRecord,
  SubscribeOptions,
  Subscription,
  TopicSubscriber,
} from '../../lambdas/platform/bus/event-bus';
import { KafkaEventBus, KafkaTopicSubscriber } from '../../lambdas/platform/bus/kafka-bus';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { ensureTopics } from '../../lambdas/platform/bus/kafka-topics';
import { partitionForKey } from '../../lambdas/platform/bus/key-partitioner';
import { localServices } from '../../lambdas/platform/config';
import { Unavailable } from '../../lambdas/platform/errors';
import type { TopicSpec } from '../../lambdas/platform/manifest-types';

jest.setTimeout(90_000);

interface BusUnderTest {
  readonly bus: EventBus;
  readonly subscriber: TopicSubscriber;
  /** Stops what the test left running and removes its topics and consumer groups. */
  close(groupIds: readonly string[]): Promise<void>;
}

type BusFactory = (topics: readonly TopicSpec[]) => Promise<BusUnderTest>;

const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const topicSpec = (partitions: number): TopicSpec => ({
  name: uniqueName('bus-contract'),
  partitions,
  retentionHours: 1,
  description: 'contract test',
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records what onBatch was given, and can wait for a number of records. */
class Collector {
  readonly batches: ConsumedRecord[][] = [];
  get records(): ConsumedRecord[] {
    return this.batches.flat();
  }
  readonly onBatch = async (records: readonly ConsumedRecord[]): Promise<void> => {
    this.batches.push([...records]);
  };
  async waitFor(count: number, timeoutMs = 30_000): Promise<ConsumedRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.records.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} records within ${timeoutMs} ms, got ${this.records.length}`);
      await sleep(20);
    }
    return this.records;
  }
}

const values = (records: readonly ConsumedRecord[]) => records.map((r) => r.value?.toString() ?? '');
const keyed = (key: string, value: string): OutgoingRecord => ({ key, value });

function describeBusContract(name: string, create: BusFactory, prepare?: () => Promise<void>): void {
  describe(`bus contract: ${name}`, () => {
    let current: BusUnderTest | undefined;
    const groups: string[] = [];

    if (prepare) beforeAll(prepare);

    async function setUp(...topics: TopicSpec[]): Promise<BusUnderTest> {
      current = await create(topics);
      return current;
    }

    function options(
      topic: TopicSpec,
      onBatch: SubscribeOptions['onBatch'],
      overrides: Partial<SubscribeOptions> = {},
    ): SubscribeOptions {
      const groupId = overrides.groupId ?? uniqueName('bus-contract-group');
      if (!groups.includes(groupId)) groups.push(groupId);
      return { groupId, topic: topic.name, fromBeginning: true, maxBatchSize: 100, maxWaitMs: 100, onBatch, ...overrides };
    }

    afterEach(async () => {
      await current?.close(groups.splice(0));
      current = undefined;
    });

    it('delivers every record once, offsets from 0 per partition, each key on its Kafka partition and in order', async () => {
      const topic = topicSpec(3);
      const { bus, subscriber } = await setUp(topic);
      const published: OutgoingRecord[] = [];
      for (let call = 0; call < 3; call += 1) {
        const records = Array.from({ length: 20 }, (_, i) => {
          const seq = call * 20 + i;
          return keyed(`key-${seq % 10}`, JSON.stringify({ key: `key-${seq % 10}`, seq }));
        });
        await bus.publish(topic.name, records);
        published.push(...records);
      }
      const collector = new Collector();
      await subscriber.subscribe(options(topic, collector.onBatch));
      await collector.waitFor(60);
      await sleep(300); // nothing more may arrive
      const got = collector.records;

      expect(got).toHaveLength(60);
      expect(new Set(values(got))).toEqual(new Set(published.map((r) => r.value)));
      for (const batch of collector.batches) expect(new Set(batch.map((r) => r.partition)).size).toBe(1);
      for (let partition = 0; partition < 3; partition += 1) {
        const offsets = got.filter((r) => r.partition === partition).map((r) => Number(r.offset));
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }
      for (const r of got) {
        const { key, seq } = JSON.parse(r.value?.toString() ?? '{}') as { key: string; seq: number };
        expect(r.key?.toString()).toBe(key);
        expect(r.partition).toBe(partitionForKey(key, 3));
        expect(r.topic).toBe(topic.name);
        expect(typeof r.timestamp).toBe('number');
        expect(seq).toBeGreaterThanOrEqual(0);
      }
      for (let k = 0; k < 10; k += 1) {
        const seqs = got
          .filter((r) => r.key?.toString() === `key-${k}`)
          .map((r) => (JSON.parse(r.value?.toString() ?? '{}') as { seq: number }).seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(seqs).toHaveLength(6);
      }
    });

    it('carries headers', async () => {
      const topic = topicSpec(1);
      const { bus, subscriber } = await setUp(topic);
      await bus.publish(topic.name, [{ key: 'k', value: 'v', headers: { 'content-type': 'application/json', trace: 'abc' } }]);
      const collector = new Collector();
      await subscriber.subscribe(options(topic, collector.onBatch));
      const [record] = await collector.waitFor(1);
      expect(Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, v.toString()]))).toEqual({
        'content-type': 'application/json',
        trace: 'abc',
      });
    });

    it("carries a tombstone (null value) with its key and headers, on its key's partition and in order with the key's records", async () => {
      const topic = topicSpec(3);
      const { bus, subscriber } = await setUp(topic);
      await bus.publish(topic.name, [keyed('ann', 'v1')]);
      await bus.publish(topic.name, [
        { key: 'ann', value: null, headers: { version: '2', 'updated-at': '2024-01-01T00:00:00.000Z' } },
        keyed('bob', 'b1'),
      ]);
      await bus.publish(topic.name, [keyed('ann', 'v3')]);
      const collector = new Collector();
      await subscriber.subscribe(options(topic, collector.onBatch));
      await collector.waitFor(4);
      await sleep(300);
      const ann = collector.records.filter((r) => r.key?.toString() === 'ann');
      expect(ann.map((r) => r.value?.toString() ?? null)).toEqual(['v1', null, 'v3']);
      expect(ann.every((r) => r.partition === partitionForKey('ann', 3))).toBe(true);
      const tombstone = ann[1];
      expect(tombstone.value).toBeNull();
      expect(Object.fromEntries(Object.entries(tombstone.headers).map(([k, v]) => [k, v.toString()]))).toEqual({
        version: '2',
        'updated-at': '2024-01-01T00:00:00.000Z',
      });
      expect(collector.records).toHaveLength(4);
    });

    it('gives every consumer group every record', async () => {
      const topic = topicSpec(2);
      const { bus, subscriber } = await setUp(topic);
      const records = Array.from({ length: 30 }, (_, i) => keyed(`k${i}`, `v${i}`));
      await bus.publish(topic.name, records);
      const a = new Collector();
      const b = new Collector();
      await subscriber.subscribe(options(topic, a.onBatch));
      await subscriber.subscribe(options(topic, b.onBatch));
      await Promise.all([a.waitFor(30), b.waitFor(30)]);
      await sleep(300);
      expect(values(a.records).sort()).toEqual(records.map((r) => r.value).sort());
      expect(values(b.records).sort()).toEqual(records.map((r) => r.value).sort());
    });

    it('splits the partitions among the subscriptions of one group, without duplicates', async () => {
      const topic = topicSpec(4);
      const { bus, subscriber } = await setUp(topic);
      const a = new Collector();
      const b = new Collector();
      const first = options(topic, a.onBatch);
      await subscriber.subscribe(first);
      await subscriber.subscribe({ ...first, onBatch: b.onBatch });
      const records = Array.from({ length: 40 }, (_, i) => keyed(`k${i}`, `v${i}`));
      await bus.publish(topic.name, records);
      const deadline = Date.now() + 30_000;
      while (a.records.length + b.records.length < 40 && Date.now() < deadline) await sleep(20);
      await sleep(300);
      const all = [...values(a.records), ...values(b.records)];
      expect(all.sort()).toEqual(records.map((r) => r.value).sort());
      expect(a.records.length).toBeGreaterThan(0);
      expect(b.records.length).toBeGreaterThan(0);
      const partitionsOf = (c: Collector) => new Set(c.records.map((r) => r.partition));
      for (const p of partitionsOf(a)) expect(partitionsOf(b).has(p)).toBe(false);
    });

    it('delivers a rejected batch again, commits it once handled, and the next subscriber of the group starts after it', async () => {
      const topic = topicSpec(1);
      const { bus, subscriber } = await setUp(topic);
      await bus.publish(
        topic.name,
        Array.from({ length: 5 }, (_, i) => keyed('same', `first-${i}`)),
      );
      const attempts: ConsumedRecord[][] = [];
      let handled = 0;
      const subscription = await subscriber.subscribe(
        options(topic, async (records) => {
          attempts.push([...records]);
          if (attempts.length === 1) throw new Error('transient failure');
          handled += records.length;
        }),
      );
      const deadline = Date.now() + 30_000;
      while (handled < 5 && Date.now() < deadline) await sleep(20);
      expect(handled).toBe(5);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      // The failed attempt's records come again, from the same offset.
      expect(attempts[1][0].offset).toBe(attempts[0][0].offset);
      expect(values(attempts.slice(1).flat())).toEqual(Array.from({ length: 5 }, (_, i) => `first-${i}`));
      await subscription.stop();

      await bus.publish(topic.name, [keyed('same', 'second-0'), keyed('same', 'second-1')]);
      const next = new Collector();
      const groupId = groups[groups.length - 1];
      await subscriber.subscribe(options(topic, next.onBatch, { groupId }));
      await next.waitFor(2);
      await sleep(300);
      expect(values(next.records)).toEqual(['second-0', 'second-1']);
      expect(next.records.map((r) => r.offset)).toEqual(['5', '6']);
    });

    it('hands onBatch at most maxBatchSize records, all from one partition', async () => {
      const topic = topicSpec(2);
      const { bus, subscriber } = await setUp(topic);
      const records = Array.from({ length: 41 }, (_, i) => keyed(`k${i % 7}`, `v${i}`));
      await bus.publish(topic.name, records);
      const collector = new Collector();
      await subscriber.subscribe(options(topic, collector.onBatch, { maxBatchSize: 4 }));
      await collector.waitFor(41);
      expect(collector.batches.length).toBeGreaterThanOrEqual(Math.ceil(41 / 4));
      for (const batch of collector.batches) {
        expect(batch.length).toBeGreaterThan(0);
        expect(batch.length).toBeLessThanOrEqual(4);
        expect(new Set(batch.map((r) => r.partition)).size).toBe(1);
      }
      expect(values(collector.records).sort()).toEqual(records.map((r) => r.value).sort());
    });

    it('starts a new group at the end of the log when fromBeginning is false', async () => {
      const topic = topicSpec(2);
      const { bus, subscriber } = await setUp(topic);
      await bus.publish(
        topic.name,
        Array.from({ length: 10 }, (_, i) => keyed(`k${i}`, `before-${i}`)),
      );
      const collector = new Collector();
      await subscriber.subscribe(options(topic, collector.onBatch, { fromBeginning: false }));
      const after = Array.from({ length: 5 }, (_, i) => keyed(`k${i}`, `after-${i}`));
      await bus.publish(topic.name, after);
      await collector.waitFor(5);
      await sleep(300);
      expect(values(collector.records).sort()).toEqual(after.map((r) => r.value).sort());
    });

    it('rejects a publish to a topic that does not exist', async () => {
      const topic = topicSpec(1);
      const { bus } = await setUp(topic);
      // Both adapters say it in the domain's words, so no caller inspects a client's error codes.
      await expect(bus.publish(uniqueName('bus-contract-missing'), [keyed('k', 'v')])).rejects.toBeInstanceOf(Unavailable);
    });

    it('answers concurrent publishes: what resolved is on the log once, a rejected publish left no copy behind', async () => {
      const topic = topicSpec(2);
      const { bus, subscriber } = await setUp(topic);
      const good = Array.from({ length: 20 }, (_, i) => bus.publish(topic.name, [keyed(`k${i}`, `v${i}`)]));
      const bad = bus.publish(uniqueName('bus-contract-missing'), [keyed('k', 'lost')]);
      const results = await Promise.allSettled([...good, bad]);
      expect(results[20].status).toBe('rejected');
      // Publishes coalesced with the bad one may be rejected with it (their callers retry); none
      // may be on the log twice, and every resolved one must be there.
      const resolved = results.slice(0, 20).flatMap((r, i) => (r.status === 'fulfilled' ? [`v${i}`] : []));
      expect(resolved.length).toBeGreaterThan(0);
      await bus.publish(topic.name, [keyed('after', 'after')]);
      const collector = new Collector();
      await subscriber.subscribe(options(topic, collector.onBatch));
      await collector.waitFor(resolved.length + 1);
      await sleep(300);
      const seen = values(collector.records);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining([...resolved, 'after']));
      expect(seen).not.toContain('lost');
    });

    it('rejects a record larger than a broker accepts, and publishes normally afterwards', async () => {
      const topic = topicSpec(1);
      const { bus, subscriber } = await setUp(topic);
      await expect(bus.publish(topic.name, [keyed('k', 'x'.repeat(1_200_000))])).rejects.toThrow();
      await bus.publish(topic.name, [keyed('k', 'small')]);
      const collector = new Collector();
      await subscriber.subscribe(options(topic, collector.onBatch));
      await collector.waitFor(1);
      await sleep(200);
      expect(values(collector.records)).toEqual(['small']);
    });
  });
}

/** Stops every subscription a test opened, even when the test failed halfway. */
function trackSubscriptions(subscriber: TopicSubscriber): { subscriber: TopicSubscriber; stopAll: () => Promise<void> } {
  const open: Subscription[] = [];
  return {
    subscriber: {
      subscribe: async (o) => {
        const subscription = await subscriber.subscribe(o);
        open.push(subscription);
        return subscription;
      },
    },
    stopAll: async () => {
      await Promise.all(open.splice(0).map((s) => s.stop()));
    },
  };
}

describeBusContract('embedded', async (topics) => {
  const bus = new EmbeddedBus(topics, { retryBackoffMs: 50 });
  const tracked = trackSubscriptions(bus);
  return {
    bus,
    subscriber: tracked.subscriber,
    close: async () => {
      await tracked.stopAll();
      await bus.close();
    },
  };
});

const brokers = localServices().kafkaBrokers;
let kafka: Kafka;
let admin: Admin;
let kafkaConnected: Promise<void> | undefined;

/** Connects the shared client and admin once; throws a clear error when no broker answers. */
function connectKafka(): Promise<void> {
  kafkaConnected ??= (async () => {
    kafka = createLocalKafka(brokers, { retry: { retries: 2, initialRetryTime: 200 } });
    admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
    } catch (err) {
      throw new Error(
        `Kafka is not reachable at ${brokers.join(',')} (${err instanceof Error ? err.message : String(err)}). ` +
          'Start it with `npm run services:up` (or `bash scripts/services/kafka.sh start`).',
      );
    }
  })();
  return kafkaConnected;
}

afterAll(async () => {
  if (kafkaConnected) await admin.disconnect();
});

/** Removes test consumer groups; one that never committed (or is already gone) is not an error. */
async function deleteGroups(groupIds: readonly string[]): Promise<void> {
  try {
    await admin.deleteGroups([...groupIds]);
  } catch (err) {
    const groups = (err as { groups?: { groupId: string; error?: { type?: string } }[] }).groups;
    const real = (groups ?? []).filter((g) => g.error && g.error.type !== 'GROUP_ID_NOT_FOUND');
    if (!groups || real.length > 0) throw err;
  }
}

describeBusContract(
  `kafka (${brokers.join(',')})`,
  async (topics) => {
    await ensureTopics(kafka, topics);
    const bus = new KafkaEventBus(kafka);
    const tracked = trackSubscriptions(new KafkaTopicSubscriber(kafka, { retryBackoffMs: 100 }));
    return {
      bus,
      subscriber: tracked.subscriber,
      close: async (groupIds) => {
        await tracked.stopAll();
        await bus.close();
        if (groupIds.length > 0) await deleteGroups(groupIds);
        await admin.deleteTopics({ topics: topics.map((t) => t.name) });
      },
    };
  },
  connectKafka,
);

describe('KafkaEventBus acknowledgements (kafka only)', () => {
  beforeAll(connectKafka);

  it('resolves publish only once the records are on the log (high watermark moved)', async () => {
    const topic = topicSpec(3);
    await ensureTopics(kafka, [topic]);
    const bus = new KafkaEventBus(kafka);
    try {
      const before = await admin.fetchTopicOffsets(topic.name);
      expect(before.reduce((sum, p) => sum + Number(p.high), 0)).toBe(0);
      await bus.publish(
        topic.name,
        Array.from({ length: 12 }, (_, i) => keyed(`k${i}`, `v${i}`)),
      );
      // With acks=all the high watermark (what consumers may read) covers the records already.
      const after = await admin.fetchTopicOffsets(topic.name);
      expect(after.reduce((sum, p) => sum + Number(p.high), 0)).toBe(12);
    } finally {
      await bus.close();
      await admin.deleteTopics({ topics: [topic.name] });
    }
  });

  it('keeps the group membership while a batch is handled for longer than the session timeout', async () => {
    const topic = topicSpec(1);
    await ensureTopics(kafka, [topic]);
    const bus = new KafkaEventBus(kafka);
    // 6 s is the broker's smallest session timeout; the batch takes 9 s, so without heartbeats
    // the member would be dropped and the batch delivered again.
    const subscriber = new KafkaTopicSubscriber(kafka, { sessionTimeoutMs: 6000 });
    const groupId = uniqueName('bus-heartbeat-group');
    const deliveries: string[] = [];
    try {
      await bus.publish(topic.name, [keyed('k', 'slow')]);
      const subscription = await subscriber.subscribe({
        groupId,
        topic: topic.name,
        fromBeginning: true,
        maxBatchSize: 10,
        maxWaitMs: 100,
        onBatch: async (records) => {
          deliveries.push(...values(records));
          if (deliveries.length === 1) await sleep(9000);
        },
      });
      await sleep(12_000);
      await subscription.stop();
      expect(deliveries).toEqual(['slow']);
    } finally {
      await bus.close();
      await deleteGroups([groupId]);
      await admin.deleteTopics({ topics: [topic.name] });
    }
  }, 40_000);

  it('rejects publish when no broker answers', async () => {
    const unreachable = createLocalKafka(['127.0.0.1:1'], {
      connectionTimeout: 500,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const bus = new KafkaEventBus(unreachable, { retry: { retries: 1, initialRetryTime: 50 } });
    await expect(bus.publish('any-topic', [keyed('k', 'v')])).rejects.toThrow();
    await bus.close();
  });

  /** A TCP server that accepts connections and never answers: a broker that hangs. */
  async function silentBroker(): Promise<{ address: string; close: () => Promise<void> }> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      address: `127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    };
  }

  it('rejects a publish with Unavailable at its deadline when the broker hangs, then fails fast while the breaker is open', async () => {
    const broker = await silentBroker();
    const hanging = createLocalKafka([broker.address], {
      connectionTimeout: 2000,
      requestTimeout: 2000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const bus = new KafkaEventBus(hanging, { publishDeadlineMs: 300, firstPublishDeadlineMs: 300, breakerOpenMs: 600 });
    try {
      let started = Date.now();
      const first = await bus.publish('any-topic', [keyed('k', 'v')]).catch((error: unknown) => error);
      const firstMs = Date.now() - started;
      expect(first).toBeInstanceOf(Unavailable);
      expect((first as Unavailable).retryAfterSeconds).toBe(1);
      expect(firstMs).toBeGreaterThanOrEqual(280);
      expect(firstMs).toBeLessThan(1000);

      // The breaker is open: refused at once, nothing queued.
      started = Date.now();
      await expect(bus.publish('any-topic', [keyed('k', 'v2')])).rejects.toBeInstanceOf(Unavailable);
      expect(Date.now() - started).toBeLessThan(100);

      // Once it closes a publish is tried again, and again answered by its deadline.
      await sleep(650);
      started = Date.now();
      await expect(bus.publish('any-topic', [keyed('k', 'v3')])).rejects.toBeInstanceOf(Unavailable);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    } finally {
      await broker.close();
      await bus.close();
    }
  });

  it('resolves publishes within the deadline on a broker that answers (the deadline costs nothing)', async () => {
    const topic = topicSpec(2);
    await ensureTopics(kafka, [topic]);
    const bus = new KafkaEventBus(kafka, { publishDeadlineMs: 800 });
    try {
      for (let round = 0; round < 3; round++) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => bus.publish(topic.name, [keyed(`k${i}`, `r${round}-${i}`)])));
      }
      const offsets = await admin.fetchTopicOffsets(topic.name);
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(150);
    } finally {
      await bus.close();
      await admin.deleteTopics({ topics: [topic.name] });
    }
  });
});
