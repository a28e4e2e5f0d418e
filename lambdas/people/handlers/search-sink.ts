import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../platform/observability';
import { deadLetterRecords, topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { refreshCachedProfiles } from '../domain/people';
import { indexBatch, personRecordSchema, sinkBatchOf } from '../domain/sinks';
import { peopleSinkFunctions } from '../sink-functions';
import { peopleIndex, peoplePorts } from '../wiring';

/**
 * Consumer of `people` (group people-search-sink): indexes each username's newest version into
 * the `people` alias by external version, deletes (tombstones) as tombstone documents. A transient
 * failure (OpenSearch down, throttled) fails the batch, which is retried until OpenSearch is back;
 * records that can never be indexed are dead-lettered. What it indexed also goes into the cache
 * where the entry there is older (a read may have filled it from a store that lagged). `SearchSinkLag`: the batch's largest time
 * from write to index.
 */
export const handler = topicConsumer(
  peopleSinkFunctions.searchSink,
  personRecordSchema,
  async (records, { consumer }) => {
    const batch = sinkBatchOf(records, platform.clock.now());
    const refused = await indexBatch(await peopleIndex(), batch, records);
    await refreshCachedProfiles(peoplePorts(), batch.versions);
    await deadLetterRecords(consumer, [...batch.refused, ...refused]);
    metrics.addMetric('SearchSinkLag', MetricUnit.Milliseconds, batch.lagMs);
  },
  { tombstones: true },
);
