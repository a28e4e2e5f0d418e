import { deadLetterRecords, topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { EnsuredIndexes, indexAppEvents } from '../domain/app-event-indexing';
import { appEventRecordSchema } from '../domain/app-events';
import { trackingWorkerFunctions } from '../worker-functions';

const indexes = new EnsuredIndexes();

/**
 * Consumer of tracking.app-events (group tracking-app-event-index): indexes each event into its
 * app's search index with the event_id as document id, so copies of an event are one document.
 * Documents the index refuses for good are dead-lettered; transient failures fail the batch.
 */
export const handler = topicConsumer(
  trackingWorkerFunctions.indexAppEvents,
  appEventRecordSchema,
  async (records, { consumer }) => {
    const { refused } = await indexAppEvents(await platform.search(), indexes, records);
    await deadLetterRecords(consumer, refused);
  },
);
