/**
 * Makes the brokers' topics match the manifest's declarations, idempotently. Used by
 * `npm run services:up` (scripts/services/create-topics.ts) and by the CDK custom resource that
 * creates topics on deploy, so both create them the same way.
 */
import { ConfigResourceTypes, ConfigSource, type Kafka } from 'kafkajs';
import type { TopicSpec } from '../manifest-types';

const HOUR_MS = 3_600_000;

export function retentionMs(topic: TopicSpec): string {
  return String(Math.round(topic.retentionHours * HOUR_MS));
}

/**
 * For every declared topic: creates it when missing (partitions, retention.ms; replication and
 * min.insync.replicas from the broker defaults, which MSK sets per cluster), raises its
 * partition count when the broker has fewer (Kafka cannot lower it, so more is left as is), and
 * sets retention.ms when it differs. Topics that are not declared are left alone.
 *
 * Needs (MSK IAM): kafka-cluster:Connect, DescribeTopic, CreateTopic, AlterTopic,
 * DescribeTopicDynamicConfiguration and AlterTopicDynamicConfiguration on the declared topics.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicSpec[],
  log: (line: string) => void = () => {},
): Promise<void> {
  if (topics.length === 0) return;
  // Right after a topic is created (or a broker started), a metadata request can still answer
  // "does not host this topic-partition" while the leaders are being elected: the whole,
  // idempotent pass is tried again with backoff.
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureTopicsOnce(kafka, topics, log);
    } catch (error) {
      const transient =
        (error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION' || (error as { retriable?: boolean }).retriable;
      if (!transient || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

async function ensureTopicsOnce(
  kafka: Kafka,
  topics: readonly TopicSpec[],
  log: (line: string) => void,
  retryStaleListing = true,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    const present = topics.filter((t) => existing.has(t.name));

    if (missing.length > 0) {
      // waitForLeaders: producers can publish as soon as this resolves. `false` means one of them
      // existed after all (the listing was stale): the pass is run again to align it.
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          configEntries: [{ name: 'retention.ms', value: retentionMs(t) }],
        })),
      });
      if (!created) {
        if (!retryStaleListing) throw new Error('topic listing stayed stale: created topics were reported as existing');
        return ensureTopicsOnce(kafka, topics, log, false);
      }
      for (const t of missing) log(`created topic ${t.name} (${t.partitions} partitions, ${t.retentionHours} h retention)`);
    }
    if (present.length === 0) return;

    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const partitionCounts = new Map(metadata.topics.map((m) => [m.name, m.partitions.length]));
    const grow = present.filter((t) => (partitionCounts.get(t.name) ?? 0) < t.partitions);
    if (grow.length > 0) {
      await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })) });
      for (const t of grow) log(`raised ${t.name} from ${partitionCounts.get(t.name)} to ${t.partitions} partitions`);
    }
    for (const t of present) {
      const has = partitionCounts.get(t.name) ?? 0;
      if (has > t.partitions) log(`topic ${t.name} has ${has} partitions, more than the ${t.partitions} declared; left as is`);
    }

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
    });
    for (const t of present) {
      const entries = described.resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
      const current = entries.find((e) => e.configName === 'retention.ms')?.configValue;
      if (current === retentionMs(t)) continue;
      // AlterConfigs (the API kafkajs has) replaces the topic's whole set of overrides, so the
      // other per-topic overrides are sent back unchanged.
      const overrides = entries
        .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== 'retention.ms' && !e.isSensitive)
        .map((e) => ({ name: e.configName, value: e.configValue }));
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: t.name,
            configEntries: [...overrides, { name: 'retention.ms', value: retentionMs(t) }],
          },
        ],
      });
      log(`set retention.ms of ${t.name} to ${retentionMs(t)} (was ${current ?? 'unset'})`);
    }
  } finally {
    await admin.disconnect();
  }
}
