import path from 'node:path';
import { kafkaFromEnv } from '../../lambdas/platform/bus/kafka-client';
import { ensureTopics } from '../../lambdas/platform/bus/kafka-topics';
import type { Manifest } from '../../lambdas/platform/manifest-types';
import { ensureIndexes } from '../../lambdas/platform/search/index-templates';
import { migrate } from '../../lambdas/platform/sql/migrate';
import { sqlPool } from '../../lambdas/platform/sql/pool';
import { platform } from '../../lambdas/platform/wiring';
import { REPO_ROOT } from './handler-loader';

/**
 * What the CDK custom resources do on deploy, done at start for the services backend: every
 * capability's SQL migrations (in the manifest's order), Kafka topics (under
 * EVENTLINE_TOPIC_PREFIX when set) and search indexes.
 */
export async function prepareLocalServices(manifest: Manifest, log: (line: string) => void): Promise<void> {
  const sources = manifest.migrations.map((m) => ({ namespace: m.namespace, directory: path.resolve(REPO_ROOT, m.directory) }));
  const applied = await migrate(await sqlPool(), sources);
  if (applied.length > 0) log(`migrations applied: ${applied.join(', ')}`);
  const prefix = process.env.EVENTLINE_TOPIC_PREFIX ?? '';
  const topics = manifest.topics.map((topic) => ({ ...topic, name: prefix + topic.name }));
  await ensureTopics(await kafkaFromEnv(), topics, log);
  await ensureIndexes(await platform.search(), manifest.searchIndexes);
}
