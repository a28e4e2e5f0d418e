import { kafkaFromEnv } from '../../lambdas/platform/bus/kafka-client';
import { ensureTopics } from '../../lambdas/platform/bus/kafka-topics';
import type { Manifest } from '../../lambdas/platform/manifest-types';
import { indexDefinitions } from '../../lambdas/platform/search/index-definitions';
import { ensureIndexes } from '../../lambdas/platform/search/index-templates';
import { migrate } from '../../lambdas/platform/sql/migrate';
import { sqlPool } from '../../lambdas/platform/sql/pool';
import { platform } from '../../lambdas/platform/wiring';

/**
 * What the CDK custom resources do on deploy, done at start for the services backend: SQL
 * migrations, Kafka topics (under EVENTLINE_TOPIC_PREFIX when set) and search indexes.
 */
export async function prepareLocalServices(manifest: Manifest, log: (line: string) => void): Promise<void> {
  const applied = await migrate(await sqlPool());
  if (applied.length > 0) log(`migrations applied: ${applied.join(', ')}`);
  const prefix = process.env.EVENTLINE_TOPIC_PREFIX ?? '';
  const topics = manifest.topics.map((topic) => ({ ...topic, name: prefix + topic.name }));
  await ensureTopics(await kafkaFromEnv(), topics, log);
  await ensureIndexes(await platform.search(), indexDefinitions);
}
