import type { TopicSpec } from '../platform/manifest-types';

/**
 * Every profile write, keyed by username: the log both sinks (OpenSearch, MySQL) project from.
 * A write's value is `{username, version, updatedAt, profile}`; a delete is a tombstone (no
 * value) with the headers `version` and `updated-at`. Retention bounds how long a stopped sink
 * can catch up from the log (after that, the rebuild command restores the index from MySQL).
 */
export const peopleTopic: TopicSpec = {
  name: 'people',
  partitions: 3,
  retentionHours: 7 * 24,
  description:
    'Profile writes keyed by username ({username, version, updatedAt, profile}); a delete is a tombstone with headers version and updated-at.',
};
