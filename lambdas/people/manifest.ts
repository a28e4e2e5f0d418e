import { accountEventsTopic } from '../accounts/contract';
import { deadLetterTopic } from '../platform/declarations';
import type { CapabilityManifest, FunctionSpec } from '../platform/manifest-types';
import { peopleIndexDefinition } from './domain/projection';
import { deleteProfileRoute, getProfileRoute, putProfileRoute, searchPeopleRoute } from './routes';
import { peopleSinkFunctions } from './sink-functions';
import { peopleTopic } from './topics';
import { peopleWebFunction } from './web/function';

const capability = 'people';

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
  ...peopleSinkFunctions,
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
