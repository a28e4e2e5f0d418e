import { accountEventsTopic } from '../accounts/contract';
import { deadLetterTopic } from '../platform/declarations';
import type { CapabilityManifest, FunctionSpec, KafkaSubscriptionSpec } from '../platform/manifest-types';
import { peopleIndexDefinition } from './domain/projection';
import { deleteProfileRoute, getProfileRoute, putProfileRoute, searchPeopleRoute } from './routes';
import { peopleTopic } from './topics';
import { peopleWebFunction } from './web/function';

const capability = 'people';

/**
 * A sink of the `people` topic in its own consumer group. A failing batch is retried without end
 * (it blocks only its own group's partition), so a sink whose store is down catches up from the
 * log when the store returns, however long it was away (within the topic's retention); records
 * that can never be applied are dead-lettered by the handler itself and the batch goes on.
 */
function sinkSubscription(consumerGroup: string): KafkaSubscriptionSpec {
  return {
    topic: peopleTopic.name,
    consumerGroup,
    batchSize: 500,
    maxBatchingWindowSeconds: 1,
    retryAttempts: -1,
    deadLetter: false,
    startingPosition: 'TRIM_HORIZON',
  };
}

/** Each function once, by name: handlers take their own entry. */
export const peopleFunctions = {
  write: {
    name: 'people-write',
    capability,
    description:
      'PUT and DELETE /v1/people/{username} (owner or admin): produces the write to the people topic, answers 202 with its version once Kafka acknowledged it, writes the cache entry through.',
    entry: 'lambdas/people/handlers/people-write.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [putProfileRoute, deleteProfileRoute],
    uses: ['bus', 'cache'],
    produces: [peopleTopic.name],
    metrics: ['PeopleCacheWriteFailures'],
  },
  read: {
    name: 'people-read',
    capability,
    description:
      'GET /v1/people/{username}: the profile along the read path (cache, OpenSearch, MySQL by default), skipping stores that are down.',
    entry: 'lambdas/people/handlers/people-read.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [getProfileRoute],
    uses: ['cache', 'search', 'sql'],
    metrics: ['PeopleReadsDegraded', 'PeopleReadFromCache', 'PeopleReadFromSearch', 'PeopleReadFromSql'],
  },
  search: {
    name: 'people-search',
    capability,
    description: 'GET /v1/people?q=: people by name from OpenSearch (as you type, typo-tolerant), from MySQL when it is down.',
    entry: 'lambdas/people/handlers/people-search.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [searchPeopleRoute],
    uses: ['search', 'sql'],
    metrics: ['PeopleReadsDegraded'],
  },
  searchSink: {
    name: 'people-search-sink',
    capability,
    description:
      'Projects the people topic into the OpenSearch alias people by external version (deletes as tombstone documents), in its own consumer group; refreshes cache entries that are older.',
    entry: 'lambdas/people/handlers/search-sink.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    subscriptions: [sinkSubscription('people-search-sink')],
    uses: ['search', 'cache', 'bus'],
    produces: [deadLetterTopic.name],
    metrics: ['SearchSinkLag', 'PeopleCacheWriteFailures'],
  },
  sqlSink: {
    name: 'people-sql-sink',
    capability,
    description:
      'Projects the people topic into MySQL people_profiles, a row replaced only by a newer version (deletes as tombstone rows), in its own consumer group; refreshes cache entries that are older.',
    entry: 'lambdas/people/handlers/sql-sink.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    subscriptions: [sinkSubscription('people-sql-sink')],
    uses: ['sql', 'cache', 'bus'],
    produces: [deadLetterTopic.name],
    metrics: ['SqlSinkLag', 'PeopleCacheWriteFailures'],
  },
  forgetAccounts: {
    name: 'people-forget-accounts',
    capability,
    description: "On accounts.events 'deleted': deletes the account's profile (a tombstone on the people topic).",
    entry: 'lambdas/people/handlers/forget-accounts.ts',
    memoryMb: 256,
    timeoutSeconds: 30,
    subscriptions: [
      {
        topic: accountEventsTopic.name,
        consumerGroup: 'people-forget-accounts',
        batchSize: 100,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 10,
        deadLetter: true,
        startingPosition: 'TRIM_HORIZON',
      },
    ],
    uses: ['bus', 'cache'],
    produces: [peopleTopic.name, deadLetterTopic.name],
    metrics: ['PeopleCacheWriteFailures'],
  },
  web: peopleWebFunction,
} satisfies Record<string, FunctionSpec>;

const f = peopleFunctions;
const answers = (route: { operation: string }, statusClass: '2xx' | '4xx' | '5xx') => `${route.operation}${statusClass}`;
const p99 = (fn: FunctionSpec, label: string) =>
  ({ kind: 'function', function: fn.name, metricName: 'Duration', statistic: 'p99', label }) as const;

/** People: profile pages written through Kafka into OpenSearch and MySQL, read through a cache. */
export const peopleManifest: CapabilityManifest = {
  capability,
  topics: [peopleTopic],
  functions: Object.values(peopleFunctions),
  sqlMigrations: 'lambdas/people/migrations',
  searchIndexes: [peopleIndexDefinition],
  dashboard: {
    title: 'People',
    widgets: [
      {
        title: 'Profile writes (per minute)',
        metrics: [
          { kind: 'custom', metricName: answers(putProfileRoute, '2xx'), label: 'written (202)' },
          { kind: 'custom', metricName: answers(deleteProfileRoute, '2xx'), label: 'deleted (202)' },
          { kind: 'custom', metricName: answers(putProfileRoute, '5xx'), label: 'write failed (5xx)' },
          { kind: 'custom', metricName: 'PeopleCacheWriteFailures', label: 'cache entry not written' },
        ],
      },
      {
        title: 'Profile reads by store (per minute)',
        metrics: [
          { kind: 'custom', metricName: 'PeopleReadFromCache', label: 'cache' },
          { kind: 'custom', metricName: 'PeopleReadFromSearch', label: 'OpenSearch' },
          { kind: 'custom', metricName: 'PeopleReadFromSql', label: 'MySQL' },
          { kind: 'custom', metricName: 'PeopleReadsDegraded', label: 'degraded (a store skipped)' },
        ],
      },
      {
        title: 'Sinks: lag per store',
        metrics: [
          { kind: 'offsetLag', function: f.searchSink.name, label: 'OpenSearch sink lag (records)' },
          { kind: 'offsetLag', function: f.sqlSink.name, label: 'MySQL sink lag (records)' },
          { kind: 'custom', metricName: 'SearchSinkLag', label: 'write to OpenSearch, max (ms)', statistic: 'Maximum' },
          { kind: 'custom', metricName: 'SqlSinkLag', label: 'write to MySQL, max (ms)', statistic: 'Maximum' },
        ],
      },
      {
        title: 'Dead letters',
        metrics: [
          { kind: 'custom', metricName: 'RecordsDeadLettered', label: 'records dead-lettered by people consumers' },
          {
            kind: 'deadLetterQueue',
            consumerGroup: f.forgetAccounts.subscriptions[0].consumerGroup,
            label: 'account deletions on-failure queue',
          },
        ],
      },
      {
        title: 'People latency p99 (ms)',
        metrics: [
          p99(f.write, 'write'),
          p99(f.read, 'read one'),
          p99(f.search, 'search'),
          p99(f.searchSink, 'OpenSearch sink batch'),
          p99(f.sqlSink, 'MySQL sink batch'),
        ],
      },
    ],
  },
};
