import { deadLetterTopic } from '../platform/declarations';
import type { FunctionSpec, KafkaSubscriptionSpec, TopicSpec } from '../platform/manifest-types';
import { appEventsTopic, userTagsTopic } from './topics';

/**
 * The tracking functions no route reaches (the sinks of both topics and the scheduled jobs), apart
 * from manifest.ts so that their handlers import only this: the manifest also holds the routes,
 * whose zod schemas are built when the module loads, which these functions never use.
 */
const capability = 'tracking';

/**
 * Every sink consumes from the start of the log in batches gathered within a second. Poison
 * records are dead-lettered by the handler itself, so a batch fails only when its store is down,
 * and what happens then depends on how the sink knows what it has applied:
 * - `dead-letter`: the store is idempotent per record (log position, event id), so after 10
 *   retries the batch's offsets may go to the on-failure queue and be replayed from Kafka later;
 * - `block`: the store keeps one applied offset per partition (exactly-once counts), so a skipped
 *   batch could never be applied afterwards: retry without end and hold the partition (the
 *   OffsetLag alarm says so) rather than lose counts.
 */
function sinkSubscription(
  topic: TopicSpec,
  consumerGroup: string,
  batchSize: number,
  onRepeatedFailure: 'dead-letter' | 'block',
): KafkaSubscriptionSpec {
  const deadLetter = onRepeatedFailure === 'dead-letter';
  return {
    topic: topic.name,
    consumerGroup,
    batchSize,
    maxBatchingWindowSeconds: 1,
    retryAttempts: deadLetter ? 10 : -1,
    deadLetter,
    startingPosition: 'TRIM_HORIZON',
  };
}

const sink = { memoryMb: 512, timeoutSeconds: 60, produces: [deadLetterTopic.name] } as const;

/** The sinks and the scheduled jobs, as manifest.ts lists them among `trackingFunctions`. */
export const trackingWorkerFunctions = {
  storeProfiles: {
    ...sink,
    name: 'tracking-store-profiles',
    capability,
    description: 'Projects user tags into the per-cookie profile store in MySQL (idempotent by offset).',
    entry: 'lambdas/tracking/handlers/store-user-tags.ts',
    subscriptions: [sinkSubscription(userTagsTopic, 'tracking-profile-store', 500, 'dead-letter')],
    uses: ['sql', 'bus'],
  },
  aggregateTags: {
    ...sink,
    name: 'tracking-aggregate-tags',
    capability,
    description:
      'Adds user tags to the minute aggregates of every filter combination, exactly once (offsets in the same transaction).',
    entry: 'lambdas/tracking/handlers/aggregate-user-tags.ts',
    subscriptions: [sinkSubscription(userTagsTopic, 'tracking-tag-aggregates', 1000, 'block')],
    uses: ['sql', 'bus'],
  },
  applyRetention: {
    name: 'tracking-apply-retention',
    capability,
    description:
      'Deletes profile tags and minute aggregates older than 24 h of logical time (after rolling minutes into hours) and app events older than 90 days.',
    entry: 'lambdas/tracking/handlers/apply-retention.ts',
    memoryMb: 256,
    timeoutSeconds: 300,
    schedules: [
      { name: 'tracking-retention', expression: 'rate(15 minutes)', description: 'Roll-ups and retention of tracking data' },
    ],
    uses: ['sql', 'search'],
  },
  publishIngestMetrics: {
    name: 'tracking-publish-ingest-metrics',
    capability,
    description: 'Publishes the last complete minute of ingest counts (tags by action, events by app) as CloudWatch metrics.',
    entry: 'lambdas/tracking/handlers/publish-ingest-metrics.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    schedules: [{ name: 'tracking-ingest-metrics', expression: 'rate(1 minute)', description: 'Ingest counts as metrics' }],
    uses: ['sql'],
    metrics: ['TagsIngested', 'EventsIngested'],
  },
  indexAppEvents: {
    ...sink,
    name: 'tracking-index-app-events',
    capability,
    description: 'Indexes app events into OpenSearch (one index per app, event_id as document id).',
    entry: 'lambdas/tracking/handlers/index-app-events.ts',
    subscriptions: [sinkSubscription(appEventsTopic, 'tracking-app-event-index', 1000, 'dead-letter')],
    uses: ['search', 'bus'],
  },
  aggregateAppEvents: {
    ...sink,
    name: 'tracking-aggregate-app-events',
    capability,
    description: 'Counts app events per app, type and minute, exactly once (offsets in the same transaction).',
    entry: 'lambdas/tracking/handlers/aggregate-app-events.ts',
    subscriptions: [sinkSubscription(appEventsTopic, 'tracking-app-event-aggregates', 1000, 'block')],
    uses: ['sql', 'bus'],
    metrics: ['AppEventsCounted', 'AppEventDuplicates'],
  },
} satisfies Record<string, FunctionSpec>;
