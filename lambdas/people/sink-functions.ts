import { deadLetterTopic } from '../platform/declarations';
import type { FunctionSpec, KafkaSubscriptionSpec } from '../platform/manifest-types';
import { peopleTopic } from './topics';

/**
 * The two sinks of the `people` topic, apart from manifest.ts so that their handlers import only
 * this: the manifest also holds the routes (zod schemas built when the module loads) and the web
 * function's, which a sink never uses and would otherwise build at every cold start.
 */
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

/** A sink's spec: what both share (size, subscription in its own group, dead letters), and its own store. */
function sinkFunction(spec: {
  readonly name: string;
  readonly description: string;
  readonly entry: string;
  readonly store: 'search' | 'sql';
  readonly lagMetric: string;
}): FunctionSpec {
  return {
    name: spec.name,
    capability,
    description: `${spec.description}, in its own consumer group; refreshes cache entries that are older.`,
    entry: spec.entry,
    memoryMb: 512,
    timeoutSeconds: 60,
    subscriptions: [sinkSubscription(spec.name)],
    uses: [spec.store, 'cache', 'bus'],
    produces: [deadLetterTopic.name],
    metrics: [spec.lagMetric, 'PeopleCacheWriteFailures'],
  };
}

/** The OpenSearch sink and the MySQL sink, as manifest.ts lists them among `peopleFunctions`. */
export const peopleSinkFunctions = {
  searchSink: sinkFunction({
    name: 'people-search-sink',
    description:
      'Projects the people topic into the OpenSearch alias people by external version (deletes as tombstone documents)',
    entry: 'lambdas/people/handlers/search-sink.ts',
    store: 'search',
    lagMetric: 'SearchSinkLag',
  }),
  sqlSink: sinkFunction({
    name: 'people-sql-sink',
    description:
      'Projects the people topic into MySQL people_profiles, a row replaced only by a newer version (deletes as tombstone rows)',
    entry: 'lambdas/people/handlers/sql-sink.ts',
    store: 'sql',
    lagMetric: 'SqlSinkLag',
  }),
} satisfies Record<string, FunctionSpec>;
