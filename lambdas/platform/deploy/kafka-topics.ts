/**
 * Deploy-time custom resource: creates the manifest's Kafka topics on MSK (or raises partitions /
 * changes retention), through the same `ensureTopics` that `npm run services:up` uses locally.
 * Properties: `Topics` = JSON of the manifest's TopicSpec[] (so a changed topic list re-runs it).
 */
import { kafkaFromEnv } from '../bus/kafka-client';
import { ensureTopics } from '../bus/kafka-topics';
import type { TopicSpec } from '../manifest-types';
import { convergingResource, jsonProperty } from './custom-resource';

export const handler = convergingResource('eventline-kafka-topics', async (properties) => {
  const topics = jsonProperty<TopicSpec[]>(properties, 'Topics');
  const kafka = await kafkaFromEnv();
  await ensureTopics(kafka, topics, (line) => console.log(line));
  return { Topics: topics.map((t) => t.name).join(',') };
});
