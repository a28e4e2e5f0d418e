import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../platform/observability';
import { deadLetterRecords, topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { personRecordSchema, sinkBatchOf, storeBatch } from '../domain/sinks';
import { peopleFunctions } from '../manifest';
import { peopleStore } from '../wiring';

/**
 * Consumer of `people` (group people-sql-sink): writes each username's newest version into
 * `people_profiles`, a row replaced only by a newer version, deletes as tombstone rows. A failure
 * (MySQL down) fails the batch, which is retried until MySQL is back. `SqlSinkLag`: the batch's
 * largest time from write to row.
 */
export const handler = topicConsumer(
  peopleFunctions.sqlSink,
  personRecordSchema,
  async (records, { consumer }) => {
    const batch = sinkBatchOf(records, platform.clock.now());
    await storeBatch(peopleStore(), batch);
    await deadLetterRecords(consumer, batch.refused);
    metrics.addMetric('SqlSinkLag', MetricUnit.Milliseconds, batch.lagMs);
  },
  { tombstones: true },
);
