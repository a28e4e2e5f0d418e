import type { PlatformDeclarations, TopicSpec } from './manifest-types';

/** Records a consumer can never process (bad JSON, schema violation), with the reason. */
export const deadLetterTopic: TopicSpec = {
  name: 'platform.dead-letters',
  partitions: 3,
  retentionHours: 14 * 24,
  description: 'Poison records set aside by consumers, with the consumer, the reason and the original value.',
};

/**
 * What the platform itself declares in every composed manifest: the one CloudWatch namespace of
 * Eventline's custom metrics and the platform's own topics.
 */
export const platformDeclarations: PlatformDeclarations = {
  metricNamespace: 'Eventline',
  topics: [deadLetterTopic],
};
