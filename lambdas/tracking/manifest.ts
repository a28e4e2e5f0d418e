import type { CapabilityManifest, FunctionSpec } from '../platform/manifest-types';
import {
  APP_AUTHORIZER,
  ingestAppEventsRoute,
  ingestUserTagRoute,
  queryAggregatesRoute,
  queryAnalyticsRoute,
  queryUserProfileRoute,
} from './routes';
import { appEventsTopic, userTagsTopic } from './topics';
import { trackingWorkerFunctions } from './worker-functions';

const capability = 'tracking';
const w = trackingWorkerFunctions;

/**
 * Each function once, by name: route handlers take their own entry; the functions no route reaches
 * come from worker-functions.ts, which their handlers import (`topicConsumer(trackingWorkerFunctions.storeProfiles, …)`).
 */
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
  storeProfiles: w.storeProfiles,
  aggregateTags: w.aggregateTags,
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
  applyRetention: w.applyRetention,
  publishIngestMetrics: w.publishIngestMetrics,
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
  indexAppEvents: w.indexAppEvents,
  aggregateAppEvents: w.aggregateAppEvents,
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
