import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../../platform/observability';
import { topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { appEventAggregates } from '../app-events-wiring';
import { countableEvent, EVENT_ID_DEDUPE_WINDOW_MS } from '../domain/app-event-aggregates';
import { appEventRecordSchema } from '../domain/app-events';
import { trackingWorkerFunctions } from '../worker-functions';

/** Old event ids are forgotten at most this often per container, a bounded slice at a time. */
const FORGET_EVERY_MS = 60_000;
const FORGET_LIMIT = 10_000;
let lastForgetMs = 0;

/**
 * Consumer of tracking.app-events (group tracking-app-event-aggregates): counts events per app,
 * type and minute exactly once — offsets in the same transaction as the counts, and each
 * (app, event_id) counted once within the dedupe window.
 */
export const handler = topicConsumer(
  trackingWorkerFunctions.aggregateAppEvents,
  appEventRecordSchema,
  async (records, { subscription }) => {
    const store = await appEventAggregates();
    // The offsets stored with the counts are this function's own consumer group's.
    const result = await store.count(subscription.consumerGroup, records.map(countableEvent));
    metrics.addMetric('AppEventsCounted', MetricUnit.Count, result.applied - result.duplicates);
    metrics.addMetric('AppEventDuplicates', MetricUnit.Count, result.duplicates);

    const now = platform.clock.now().getTime();
    if (now - lastForgetMs >= FORGET_EVERY_MS) {
      lastForgetMs = now;
      try {
        await store.forgetEventIdsBefore(now - EVENT_ID_DEDUPE_WINDOW_MS, FORGET_LIMIT);
      } catch (error) {
        // The counts are committed; forgetting is housekeeping that the next batch retries.
        logger.warn('could not forget old event ids', error as Error);
      }
    }
  },
);
