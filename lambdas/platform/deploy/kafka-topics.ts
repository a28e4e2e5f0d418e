/**
 * Deploy-time custom resource: creates the manifest's Kafka topics on MSK (or raises partitions /
 * changes retention), through the same `ensureTopics` that `npm run services:up` uses locally.
 * Properties: `Topics` = JSON of the manifest's TopicSpec[] (so a changed topic list re-runs it).
 */
import type { TopicSpec } from '../manifest-types';
import { convergingResource, jsonProperty } from './custom-resource';

export const handler = convergingResource('eventline-kafka-topics', async (properties) => {
  const topics = jsonProperty<TopicSpec[]>(properties, 'Topics');
  // Loaded when CloudFormation calls, not at init: the drivers come from the layer (cold starts).
  const [{ kafkaFromEnv }, { ensureTopics }] = await Promise.all([import('../bus/kafka-client'), import('../bus/kafka-topics')]);
  const kafka = await kafkaFromEnv();
  await ensureTopics(kafka, topics, (line) => console.log(line));
  return { Topics: topics.map((t) => t.name).join(',') };
});
