import type { TopicSpec } from '../platform/manifest-types';

/** The mail capability's topics, spelled once: the manifest declares them, the domain publishes to them. */
export const mailRequestsTopic: TopicSpec = {
  name: 'mail.requests',
  partitions: 3,
  retentionHours: 72,
  description: 'Mail requests (welcome, reminder), keyed by the request id the producer chose (its idempotency key).',
};

export const mailOutcomesTopic: TopicSpec = {
  name: 'mail.outcomes',
  partitions: 3,
  retentionHours: 72,
  description: 'What became of each mail request (sent, failed, uncertain), keyed by the request id, for the requester.',
};
