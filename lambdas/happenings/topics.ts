import type { TopicSpec } from '../platform/manifest-types';

/**
 * Every change of a happening (create, update, delete) as its change record, keyed by the
 * happening's id, relayed from the outbox. Consumers: the search projection; later, reminders.
 */
export const happeningChangesTopic: TopicSpec = {
  name: 'happenings.changes',
  partitions: 3,
  // Longer than any relay or projection outage we plan for; tombstones outlive it (projection.ts).
  retentionHours: 7 * 24,
  description: 'Change records of happenings ({id, version, deleted, happening?, …}), keyed by happening id, from the outbox.',
};
