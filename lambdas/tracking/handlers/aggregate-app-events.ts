import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { manifest } from '../../manifest';
import { logger, metrics } from '../../platform/observability';
import { topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { appEventAggregates } from '../app-events-wiring';
import { countableEvent, EVENT_ID_DEDUPE_WINDOW_MS } from '../domain/app-event-aggregates';
import { appEventRecordSchema } from '../domain/app-events';

/** The group whose offsets are stored with the counts: this function's subscription in the manifest. */
const CONSUMER_GROUP = (() => {
  const group = manifest.functions.find((fn) => fn.name === 'tracking-aggregate-app-events')?.subscriptions?.[0]?.consumerGroup;
  if (!group) throw new Error('tracking-aggregate-app-events has no subscription in the manifest');
  return group;
})();

/** Old event ids are forgotten at most this often per container, a bounded slice at a time. */
const FORGET_EVERY_MS = 60_000;
const FORGET_LIMIT = 10_000;
let lastForgetMs = 0;

/**
 * Consumer of tracking.app-events (group tracking-app-event-aggregates): counts events per app,
 * type and minute exactly once — offsets in the same transaction as the counts, and each
 * (app, event_id) counted once within the dedupe window.
 */
export const handler = topicConsumer({ operation: 'aggregateAppEvents', schema: appEventRecordSchema }, async (records) => {
  const store = await appEventAggregates();
  const result = await store.count(CONSUMER_GROUP, records.map(countableEvent));
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
});
