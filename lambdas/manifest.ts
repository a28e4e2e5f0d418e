import type { KafkaSubscriptionSpec, Manifest } from './platform/manifest-types';

/** Topic names, so handlers and the manifest spell them one way. */
export const Topics = {
  userTags: 'tracking.user-tags',
  /** App and game events (`POST /v1/apps/{appId}/events`), keyed by `<appId>/<user_id>`. */
  appEvents: 'tracking.app-events',
  /** Records a consumer can never process (bad JSON, schema violation), with the reason. */
  deadLetters: 'platform.dead-letters',
} as const;

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
  topic: string,
  consumerGroup: string,
  batchSize: number,
  onRepeatedFailure: 'dead-letter' | 'block',
): KafkaSubscriptionSpec {
  const deadLetter = onRepeatedFailure === 'dead-letter';
  return {
    topic,
    consumerGroup,
    batchSize,
    maxBatchingWindowSeconds: 1,
    retryAttempts: deadLetter ? 10 : -1,
    deadLetter,
    startingPosition: 'TRIM_HORIZON',
  };
}

/**
 * Eventline's one manifest: every function with its triggers, every topic. The CDK app and the
 * local runtime are both generated from this value (see docs/ARCHITECTURE.md).
 */
export const manifest: Manifest = {
  topics: [
    {
      name: Topics.userTags,
      partitions: 6,
      retentionHours: 72,
      description: 'Allezon user tags (VIEW/BUY) exactly as sent, keyed by cookie.',
    },
    {
      name: Topics.appEvents,
      partitions: 6,
      retentionHours: 72,
      description: 'App and game events, one record per accepted event with its stable event_id, keyed by app and user.',
    },
    {
      name: Topics.deadLetters,
      partitions: 3,
      retentionHours: 14 * 24,
      description: 'Poison records set aside by consumers, with the consumer, the reason and the original value.',
    },
  ],
  functions: [
    {
      name: 'tracking-ingest-tags',
      capability: 'tracking',
      description: 'POST /user_tags: validates a tag and answers 204 once Kafka has acknowledged it.',
      entry: 'lambdas/tracking/handlers/ingest-user-tag.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      routes: [{ method: 'POST', path: '/user_tags' }],
      uses: ['bus'],
      produces: [Topics.userTags],
    },
    {
      name: 'tracking-query-profiles',
      capability: 'tracking',
      description: 'POST /user_profiles/{cookie}: the newest VIEWs and BUYs of a cookie in a time range.',
      entry: 'lambdas/tracking/handlers/query-user-profile.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      routes: [{ method: 'POST', path: '/user_profiles/{cookie}' }],
      uses: ['sql'],
    },
    {
      name: 'tracking-store-profiles',
      capability: 'tracking',
      description: 'Projects user tags into the per-cookie profile store in MySQL (idempotent by offset).',
      entry: 'lambdas/tracking/handlers/store-user-tags.ts',
      memoryMb: 512,
      timeoutSeconds: 60,
      subscriptions: [sinkSubscription(Topics.userTags, 'tracking-profile-store', 500, 'dead-letter')],
      uses: ['sql', 'bus'],
      produces: [Topics.deadLetters],
    },
    {
      name: 'tracking-aggregate-tags',
      capability: 'tracking',
      description:
        'Adds user tags to the minute aggregates of every filter combination, exactly once (offsets in the same transaction).',
      entry: 'lambdas/tracking/handlers/aggregate-user-tags.ts',
      memoryMb: 512,
      timeoutSeconds: 60,
      subscriptions: [sinkSubscription(Topics.userTags, 'tracking-tag-aggregates', 1000, 'block')],
      uses: ['sql', 'bus'],
      produces: [Topics.deadLetters],
    },
    {
      name: 'tracking-query-aggregates',
      capability: 'tracking',
      description: 'POST /aggregates: per-minute COUNT/SUM_PRICE of VIEWs or BUYs, optionally by origin, brand and category.',
      entry: 'lambdas/tracking/handlers/query-aggregates.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      routes: [{ method: 'POST', path: '/aggregates' }],
      uses: ['sql'],
    },
    {
      name: 'tracking-apply-retention',
      capability: 'tracking',
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
    {
      name: 'tracking-publish-ingest-metrics',
      capability: 'tracking',
      description: 'Publishes the last complete minute of ingest counts (tags by action, events by app) as CloudWatch metrics.',
      entry: 'lambdas/tracking/handlers/publish-ingest-metrics.ts',
      memoryMb: 256,
      timeoutSeconds: 60,
      schedules: [{ name: 'tracking-ingest-metrics', expression: 'rate(1 minute)', description: 'Ingest counts as metrics' }],
      uses: ['sql'],
    },
    {
      name: 'tracking-authorize-app',
      capability: 'tracking',
      description: 'Lambda authorizer: checks an app ingest key (x-api-key) against its stored hash for the app in the path.',
      entry: 'lambdas/tracking/handlers/authorize-app.ts',
      memoryMb: 256,
      timeoutSeconds: 5,
      // One cached answer per key and path: the answer depends on both (a key only opens its own app).
      authorizer: { identitySource: ['$request.header.x-api-key', '$context.path'], resultTtlSeconds: 300 },
      uses: ['sql'],
    },
    {
      name: 'tracking-ingest-app-events',
      capability: 'tracking',
      description:
        'POST /v1/apps/{appId}/events: a batch of up to 500 app/game events, answered per item once Kafka has the accepted ones.',
      entry: 'lambdas/tracking/handlers/ingest-app-events.ts',
      memoryMb: 512,
      timeoutSeconds: 15,
      routes: [{ method: 'POST', path: '/v1/apps/{appId}/events', authorizer: 'tracking-authorize-app' }],
      uses: ['bus'],
      produces: [Topics.appEvents],
    },
    {
      name: 'tracking-index-app-events',
      capability: 'tracking',
      description: 'Indexes app events into OpenSearch (one index per app, event_id as document id).',
      entry: 'lambdas/tracking/handlers/index-app-events.ts',
      memoryMb: 512,
      timeoutSeconds: 60,
      subscriptions: [sinkSubscription(Topics.appEvents, 'tracking-app-event-index', 1000, 'dead-letter')],
      uses: ['search', 'bus'],
      produces: [Topics.deadLetters],
    },
    {
      name: 'tracking-aggregate-app-events',
      capability: 'tracking',
      description: 'Counts app events per app, type and minute, exactly once (offsets in the same transaction).',
      entry: 'lambdas/tracking/handlers/aggregate-app-events.ts',
      memoryMb: 512,
      timeoutSeconds: 60,
      subscriptions: [sinkSubscription(Topics.appEvents, 'tracking-app-event-aggregates', 1000, 'block')],
      uses: ['sql', 'bus'],
      produces: [Topics.deadLetters],
    },
    {
      name: 'tracking-query-analytics',
      capability: 'tracking',
      description:
        'GET /v1/apps/{appId}/analytics: event counts and sums over time, filtered and grouped by properties (OpenSearch aggregations).',
      entry: 'lambdas/tracking/handlers/query-analytics.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      routes: [{ method: 'GET', path: '/v1/apps/{appId}/analytics', authorizer: 'tracking-authorize-app' }],
      uses: ['search'],
    },
  ],
  dashboards: [
    {
      capability: 'tracking',
      title: 'Tracking',
      widgets: [
        {
          title: 'Ingest per second',
          metrics: [
            { kind: 'custom', metricName: 'ingestUserTag2xx', label: 'tags/s', perSecond: true },
            { kind: 'custom', metricName: 'AppEventsAccepted', label: 'app events/s', perSecond: true },
          ],
        },
        {
          title: 'Rejected input (per minute)',
          metrics: [
            { kind: 'custom', metricName: 'ingestUserTag4xx', label: 'tags rejected (4xx)' },
            { kind: 'custom', metricName: 'AppEventsRejected', label: 'app events rejected' },
            { kind: 'custom', metricName: 'ingestUserTag5xx', label: 'tags not stored (5xx)' },
            { kind: 'custom', metricName: 'RecordsDeadLettered', label: 'poison records dead-lettered' },
          ],
        },
        {
          title: 'Consumer lag per group (records)',
          metrics: [
            { kind: 'offsetLag', function: 'tracking-store-profiles', label: 'tracking-profile-store' },
            { kind: 'offsetLag', function: 'tracking-aggregate-tags', label: 'tracking-tag-aggregates' },
            { kind: 'offsetLag', function: 'tracking-index-app-events', label: 'tracking-app-event-index' },
            { kind: 'offsetLag', function: 'tracking-aggregate-app-events', label: 'tracking-app-event-aggregates' },
          ],
        },
        {
          title: 'Query latency p99 (ms)',
          metrics: [
            {
              kind: 'function',
              function: 'tracking-query-profiles',
              metricName: 'Duration',
              statistic: 'p99',
              label: '/user_profiles',
            },
            {
              kind: 'function',
              function: 'tracking-query-aggregates',
              metricName: 'Duration',
              statistic: 'p99',
              label: '/aggregates',
            },
            {
              kind: 'function',
              function: 'tracking-query-analytics',
              metricName: 'Duration',
              statistic: 'p99',
              label: '/analytics',
            },
          ],
        },
        {
          title: 'Dead-letter queue depth',
          metrics: [
            { kind: 'deadLetterQueue', consumerGroup: 'tracking-profile-store', label: 'profile store' },
            { kind: 'deadLetterQueue', consumerGroup: 'tracking-app-event-index', label: 'app event index' },
          ],
        },
      ],
    },
  ],
};
