import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../platform/observability';
import { deadLetterRecords, topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { refreshCachedProfiles } from '../domain/people';
import { personRecordSchema, sinkBatchOf, storeBatch } from '../domain/sinks';
import { peopleSinkFunctions } from '../sink-functions';
import { peoplePorts, peopleStore } from '../wiring';

/**
 * Consumer of `people` (group people-sql-sink): writes each username's newest version into
 * `people_profiles`, a row replaced only by a newer version, deletes as tombstone rows. A failure
 * (MySQL down) fails the batch, which is retried until MySQL is back. What it stored also goes into
 * the cache where the entry there is older (a read may have filled it from a store that lagged). `SqlSinkLag`: the batch's
 * largest time from write to row.
 */
export const handler = topicConsumer(
  peopleSinkFunctions.sqlSink,
  personRecordSchema,
  async (records, { consumer }) => {
    const batch = sinkBatchOf(records, platform.clock.now());
    await storeBatch(peopleStore(), batch);
    await refreshCachedProfiles(peoplePorts(), batch.versions);
    await deadLetterRecords(consumer, batch.refused);
    metrics.addMetric('SqlSinkLag', MetricUnit.Milliseconds, batch.lagMs);
  },
  { tombstones: true },
);
