import type { TopicSpec } from '../platform/manifest-types';

/** The tracking capability's topics; handlers and the manifest spell them one way. */
export const userTagsTopic: TopicSpec = {
  name: 'tracking.user-tags',
  partitions: 6,
  retentionHours: 72,
  description: 'Allezon user tags (VIEW/BUY) exactly as sent, keyed by cookie.',
};
export const appEventsTopic: TopicSpec = {
  name: 'tracking.app-events',
  partitions: 6,
  retentionHours: 72,
  description: 'App and game events, one record per accepted event with its stable event_id, keyed by app and user.',
};
