import { deadLetterTopic } from '../platform/declarations';
import type { CapabilityManifest, FunctionSpec } from '../platform/manifest-types';
import { happeningsIndexDefinition } from './domain/projection';
import {
  createHappeningRoute,
  deleteHappeningRoute,
  getHappeningRoute,
  searchHappeningsRoute,
  updateHappeningRoute,
} from './routes';
import { happeningChangesTopic } from './topics';

const capability = 'happenings';
const writer = {
  memoryMb: 256,
  timeoutSeconds: 10,
  uses: ['sql', 'bus'],
  produces: [happeningChangesTopic.name],
  metrics: ['OutboxRelayDeferred'],
} as const;

/** Each function once, by name: handlers take their own entry. */
export const happeningsFunctions = {
  create: {
    ...writer,
    name: 'happenings-create',
    capability,
    description: 'POST /v1/happenings (admins): stores a happening and its change record in one transaction, then relays it.',
    entry: 'lambdas/happenings/handlers/create-happening.ts',
    routes: [createHappeningRoute],
  },
  update: {
    ...writer,
    name: 'happenings-update',
    capability,
    description: 'PATCH /v1/happenings/{id} (admins): changes fields, one version on, with its change record; then relays it.',
    entry: 'lambdas/happenings/handlers/update-happening.ts',
    routes: [updateHappeningRoute],
  },
  delete: {
    ...writer,
    name: 'happenings-delete',
    capability,
    description: 'DELETE /v1/happenings/{id} (admins): deletes a happening with its change record; then relays it.',
    entry: 'lambdas/happenings/handlers/delete-happening.ts',
    routes: [deleteHappeningRoute],
  },
  get: {
    name: 'happenings-get',
    capability,
    description: 'GET /v1/happenings/{id}: one happening, from MySQL (the store of record).',
    entry: 'lambdas/happenings/handlers/get-happening.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [getHappeningRoute],
    uses: ['sql'],
  },
  search: {
    name: 'happenings-search',
    capability,
    description:
      'GET /v1/happenings: by topic, time range, place and text, from the search index; from MySQL when the index is unavailable.',
    entry: 'lambdas/happenings/handlers/search-happenings.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [searchHappeningsRoute],
    uses: ['search', 'sql'],
    metrics: ['SearchFallbacks'],
  },
  indexChanges: {
    name: 'happenings-index-changes',
    capability,
    description:
      'Projects change records into the happenings search index, by external version (tombstones for deletes), so order never matters.',
    entry: 'lambdas/happenings/handlers/index-changes.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    // Idempotent by version: after 10 retries a batch's offsets may go to the on-failure queue and be replayed later.
    subscriptions: [
      {
        topic: happeningChangesTopic.name,
        consumerGroup: 'happenings-search-index',
        batchSize: 200,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 10,
        deadLetter: true,
        startingPosition: 'TRIM_HORIZON',
      },
    ],
    uses: ['search', 'bus'],
    produces: [deadLetterTopic.name],
    metrics: ['ProjectionLag'],
  },
  relayOutbox: {
    name: 'happenings-relay-outbox',
    capability,
    description:
      'Publishes change records still pending in the outbox (a relay after a commit failed or never ran), removes old ones, reports the backlog; purges old tombstones hourly.',
    entry: 'lambdas/happenings/handlers/relay-outbox.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    schedules: [
      { name: 'happenings-outbox-relay', expression: 'rate(1 minute)', description: 'Relay pending happening changes to Kafka' },
    ],
    uses: ['sql', 'bus', 'search'],
    produces: [happeningChangesTopic.name],
    metrics: ['OutboxRecordsRelayed', 'OutboxBacklog', 'OutboxOldestPendingSeconds', 'TombstonesPurged'],
  },
} satisfies Record<string, FunctionSpec>;

const f = happeningsFunctions;
const answers = (route: { operation: string }, statusClass: '2xx' | '4xx' | '5xx') => `${route.operation}${statusClass}`;
const consumerGroup = f.indexChanges.subscriptions[0]!.consumerGroup;

/** The happenings capability: the catalog of social events, its outbox and its search projection. */
export const happeningsManifest: CapabilityManifest = {
  capability,
  topics: [happeningChangesTopic],
  functions: Object.values(happeningsFunctions),
  sqlMigrations: 'lambdas/happenings/migrations',
  searchIndexes: [happeningsIndexDefinition],
  dashboard: {
    title: 'Happenings',
    widgets: [
      {
        title: 'Happenings created / changed / deleted (per minute)',
        metrics: [
          { kind: 'custom', metricName: answers(createHappeningRoute, '2xx'), label: 'created' },
          { kind: 'custom', metricName: answers(updateHappeningRoute, '2xx'), label: 'changed' },
          { kind: 'custom', metricName: answers(deleteHappeningRoute, '2xx'), label: 'deleted' },
          { kind: 'custom', metricName: answers(createHappeningRoute, '5xx'), label: 'create failed (5xx)' },
        ],
      },
      {
        title: 'Outbox',
        metrics: [
          { kind: 'custom', metricName: 'OutboxBacklog', label: 'pending records', statistic: 'Maximum' },
          { kind: 'custom', metricName: 'OutboxOldestPendingSeconds', label: 'oldest pending (s)', statistic: 'Maximum' },
          { kind: 'custom', metricName: 'OutboxRelayDeferred', label: 'relays deferred to the schedule' },
          { kind: 'custom', metricName: 'OutboxRecordsRelayed', label: 'relayed by the schedule' },
        ],
      },
      {
        title: 'Search projection',
        metrics: [
          { kind: 'custom', metricName: 'ProjectionLag', label: 'commit to index, max (ms)', statistic: 'Maximum' },
          { kind: 'offsetLag', function: f.indexChanges.name, label: `${consumerGroup} lag (records)` },
          { kind: 'deadLetterQueue', consumerGroup, label: 'projection on-failure queue' },
        ],
      },
      {
        title: 'Search and reads',
        metrics: [
          { kind: 'function', function: f.search.name, metricName: 'Duration', statistic: 'p99', label: 'search p99 (ms)' },
          { kind: 'function', function: f.get.name, metricName: 'Duration', statistic: 'p99', label: 'get p99 (ms)' },
          { kind: 'custom', metricName: answers(searchHappeningsRoute, '2xx'), label: 'searches answered' },
          { kind: 'custom', metricName: 'SearchFallbacks', label: 'answered by MySQL (index unavailable)' },
        ],
      },
    ],
  },
};
