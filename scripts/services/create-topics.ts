/**
 * Creates (or updates) every topic of the manifest on the local Kafka, idempotently:
 *   npx tsx scripts/services/create-topics.ts
 * Run by `npm run services:up` after scripts/services/kafka.sh start. The brokers come from
 * EVENTLINE_KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import { manifest } from '../../lambdas/manifest';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { ensureTopics } from '../../lambdas/platform/bus/kafka-topics';
import { localServices } from '../../lambdas/platform/config';
import { validateManifest } from '../../lambdas/platform/manifest-types';

async function main(): Promise<void> {
  validateManifest(manifest);
  const brokers = localServices().kafkaBrokers;
  const kafka = createLocalKafka(brokers, { retry: { retries: 3 } });
  await ensureTopics(kafka, manifest.topics, (line) => console.log(`kafka: ${line}`));
  console.log(`kafka: ${manifest.topics.length} manifest topic(s) in place on ${brokers.join(',')}`);
}

main().catch((err: unknown) => {
  console.error(`kafka: creating the manifest topics failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
