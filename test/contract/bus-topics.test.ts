/**
 * ensureTopics against the local Kafka (`npm run services:up`): creates, grows, aligns retention,
 * and is idempotent. Fails loudly when no broker answers.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, ConfigResourceTypes, type Kafka } from 'kafkajs';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { ensureTopics } from '../../lambdas/platform/bus/kafka-topics';
import { localServices } from '../../lambdas/platform/config';
import type { TopicSpec } from '../../lambdas/platform/manifest-types';

jest.setTimeout(60_000);

const brokers = localServices().kafkaBrokers;
let kafka: Kafka;
let admin: Admin;
const created: string[] = [];

const spec = (partitions: number, retentionHours: number, name = `bus-topics-${randomUUID().slice(0, 8)}`): TopicSpec => ({
  name,
  partitions,
  retentionHours,
  description: 'ensureTopics test',
});

async function describeTopic(
  name: string,
): Promise<{ partitions: number; retentionMs: string | undefined; cleanupPolicy: string | undefined }> {
  const metadata = await admin.fetchTopicMetadata({ topics: [name] });
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name }] });
  const entries = configs.resources[0].configEntries;
  return {
    partitions: metadata.topics[0].partitions.length,
    retentionMs: entries.find((e) => e.configName === 'retention.ms')?.configValue,
    cleanupPolicy: entries.find((e) => e.configName === 'cleanup.policy')?.configValue,
  };
}

beforeAll(async () => {
  kafka = createLocalKafka(brokers, { retry: { retries: 2, initialRetryTime: 200 } });
  admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (err) {
    throw new Error(
      `Kafka is not reachable at ${brokers.join(',')} (${err instanceof Error ? err.message : String(err)}). Start it with \`npm run services:up\`.`,
    );
  }
});

afterAll(async () => {
  if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

describe('ensureTopics', () => {
  it('creates missing topics with their partitions and retention, and is idempotent', async () => {
    const a = spec(3, 2);
    const b = spec(1, 0.5);
    created.push(a.name, b.name);
    const lines: string[] = [];
    await ensureTopics(kafka, [a, b], (line) => lines.push(line));
    expect(lines.filter((l) => l.startsWith('created topic'))).toHaveLength(2);
    expect(await describeTopic(a.name)).toMatchObject({ partitions: 3, retentionMs: String(2 * 3_600_000) });
    expect(await describeTopic(b.name)).toMatchObject({ partitions: 1, retentionMs: String(1_800_000) });

    const again: string[] = [];
    await ensureTopics(kafka, [a, b], (line) => again.push(line));
    expect(again).toEqual([]);
  });

  it('raises the partition count, never lowers it, and aligns retention keeping other overrides', async () => {
    const original = spec(2, 1);
    created.push(original.name);
    await ensureTopics(kafka, [original]);
    // An override set outside the manifest must survive the retention update.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: original.name,
          configEntries: [
            { name: 'retention.ms', value: String(3_600_000) },
            { name: 'cleanup.policy', value: 'compact,delete' },
          ],
        },
      ],
    });

    await ensureTopics(kafka, [{ ...original, partitions: 4, retentionHours: 3 }]);
    // KRaft applies a config change through its metadata log: a describe right after the
    // alteration may still see the old value for a moment, so look again briefly.
    const expected = { partitions: 4, retentionMs: String(3 * 3_600_000), cleanupPolicy: 'compact,delete' };
    let described = await describeTopic(original.name);
    for (let i = 0; i < 25 && JSON.stringify(described) !== JSON.stringify(expected); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      described = await describeTopic(original.name);
    }
    expect(described).toEqual(expected);

    const lines: string[] = [];
    await ensureTopics(kafka, [{ ...original, partitions: 2, retentionHours: 3 }], (line) => lines.push(line));
    expect((await describeTopic(original.name)).partitions).toBe(4);
    expect(lines).toEqual([expect.stringMatching(/has 4 partitions, more than the 2 declared; left as is/)]);
  });
});
