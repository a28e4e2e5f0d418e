import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../platform/observability';
import { deadLetterRecords, topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { happeningChangeSchema } from '../domain/change';
import { projectChanges } from '../domain/projection';
import { happeningsFunctions } from '../manifest';
import { projectionIndex } from '../wiring';

/**
 * Consumer of happenings.changes (group happenings-search-index): projects each happening's
 * newest change into the search index by external version (deletes as tombstones), so
 * redelivered, replayed or reordered records change nothing. Documents the index refuses for
 * good are dead-lettered; transient failures fail the batch (retried). `ProjectionLag` is the
 * batch's largest time from commit to index.
 */
export const handler = topicConsumer(happeningsFunctions.indexChanges, happeningChangeSchema, async (records, { consumer }) => {
  const outcome = await projectChanges(await projectionIndex(), records, platform.clock.now());
  await deadLetterRecords(consumer, outcome.refused);
  metrics.addMetric('ProjectionLag', MetricUnit.Milliseconds, outcome.lagMs);
});
