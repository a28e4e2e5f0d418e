import { deadLetterTopic } from '../platform/declarations';
import type { CapabilityManifest, FunctionSpec, KafkaSubscriptionSpec, TopicSpec } from '../platform/manifest-types';
import {
  APP_AUTHORIZER,
  ingestAppEventsRoute,
  ingestUserTagRoute,
  queryAggregatesRoute,
  queryAnalyticsRoute,
  queryUserProfileRoute,
} from './routes';

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

const capability = 'tracking';
const sink = { memoryMb: 512, timeoutSeconds: 60, produces: [deadLetterTopic.name] } as const;

/** Each function once, by name: handlers take their own entry (`topicConsumer(trackingFunctions.storeProfiles, …)`). */
export const trackingFunctions = {
  ingestTags: {
    name: 'tracking-ingest-tags',
    capability,
    description: 'POST /user_tags: validates a tag and answers 204 once Kafka has acknowledged it.',
    entry: 'lambdas/tracking/handlers/ingest-user-tag.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [ingestUserTagRoute],
    uses: ['bus'],
    produces: [userTagsTopic.name],
  },
  queryProfiles: {
    name: 'tracking-query-profiles',
    capability,
    description: 'POST /user_profiles/{cookie}: the newest VIEWs and BUYs of a cookie in a time range.',
    entry: 'lambdas/tracking/handlers/query-user-profile.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [queryUserProfileRoute],
    uses: ['sql'],
  },
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
  queryAggregates: {
    name: 'tracking-query-aggregates',
    capability,
    description: 'POST /aggregates: per-minute COUNT/SUM_PRICE of VIEWs or BUYs, optionally by origin, brand and category.',
    entry: 'lambdas/tracking/handlers/query-aggregates.ts',
    memoryMb: 512,
    timeoutSeconds: 30,
    routes: [queryAggregatesRoute],
    uses: ['sql'],
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
  authorizeApp: {
    name: APP_AUTHORIZER,
    capability,
    description: 'Lambda authorizer: checks an app ingest key (x-api-key) against its stored hash for the app in the path.',
    entry: 'lambdas/tracking/handlers/authorize-app.ts',
    memoryMb: 256,
    timeoutSeconds: 5,
    // One cached answer per key and path: the answer depends on both (a key only opens its own app).
    authorizer: { identitySource: ['$request.header.x-api-key', '$context.path'], resultTtlSeconds: 300 },
    uses: ['sql'],
    metrics: ['AppKeyAllowed', 'AppKeyDenied'],
  },
  ingestAppEvents: {
    name: 'tracking-ingest-app-events',
    capability,
    description:
      'POST /v1/apps/{appId}/events: a batch of up to 500 app/game events, answered per item once Kafka has the accepted ones.',
    entry: 'lambdas/tracking/handlers/ingest-app-events.ts',
    memoryMb: 512,
    timeoutSeconds: 15,
    routes: [ingestAppEventsRoute],
    uses: ['bus'],
    produces: [appEventsTopic.name],
    metrics: ['AppEventsAccepted', 'AppEventsRejected'],
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
  queryAnalytics: {
    name: 'tracking-query-analytics',
    capability,
    description:
      'GET /v1/apps/{appId}/analytics: event counts and sums over time, filtered and grouped by properties (OpenSearch aggregations).',
    entry: 'lambdas/tracking/handlers/query-analytics.ts',
    memoryMb: 512,
    timeoutSeconds: 30,
    routes: [queryAnalyticsRoute],
    uses: ['search'],
  },
} satisfies Record<string, FunctionSpec>;

const f = trackingFunctions;
const groupOf = (fn: FunctionSpec): string => fn.subscriptions?.[0]?.consumerGroup ?? '';
const lagOf = (fn: FunctionSpec) => ({ kind: 'offsetLag' as const, function: fn.name, label: groupOf(fn) });
const p99Of = (fn: FunctionSpec, label: string) =>
  ({ kind: 'function', function: fn.name, metricName: 'Duration', statistic: 'p99', label }) as const;
const answersOf = (route: { operation: string }, statusClass: '2xx' | '4xx' | '5xx') => `${route.operation}${statusClass}`;

/** The tracking capability: Allezon tags, app and game events, their projections and queries. */
export const trackingManifest: CapabilityManifest = {
  capability,
  topics: [userTagsTopic, appEventsTopic],
  functions: Object.values(trackingFunctions),
  sqlMigrations: 'lambdas/tracking/migrations',
  // The app-event indexes are created per app on first use (app-event-index.ts), from one template.
  searchIndexes: [],
  dashboard: {
    title: 'Tracking',
    widgets: [
      {
        title: 'Ingest per second',
        metrics: [
          { kind: 'custom', metricName: answersOf(ingestUserTagRoute, '2xx'), label: 'tags/s', perSecond: true },
          { kind: 'custom', metricName: 'AppEventsAccepted', label: 'app events/s', perSecond: true },
        ],
      },
      {
        title: 'Rejected input (per minute)',
        metrics: [
          { kind: 'custom', metricName: answersOf(ingestUserTagRoute, '4xx'), label: 'tags rejected (4xx)' },
          { kind: 'custom', metricName: 'AppEventsRejected', label: 'app events rejected' },
          { kind: 'custom', metricName: answersOf(ingestUserTagRoute, '5xx'), label: 'tags not stored (5xx)' },
          { kind: 'custom', metricName: 'RecordsDeadLettered', label: 'poison records dead-lettered' },
        ],
      },
      {
        title: 'Consumer lag per group (records)',
        metrics: [f.storeProfiles, f.aggregateTags, f.indexAppEvents, f.aggregateAppEvents].map(lagOf),
      },
      {
        title: 'Query latency p99 (ms)',
        metrics: [
          p99Of(f.queryProfiles, '/user_profiles'),
          p99Of(f.queryAggregates, '/aggregates'),
          p99Of(f.queryAnalytics, '/analytics'),
        ],
      },
      {
        title: 'Dead-letter queue depth',
        metrics: [
          { kind: 'deadLetterQueue', consumerGroup: groupOf(f.storeProfiles), label: 'profile store' },
          { kind: 'deadLetterQueue', consumerGroup: groupOf(f.indexAppEvents), label: 'app event index' },
        ],
      },
    ],
  },
};
