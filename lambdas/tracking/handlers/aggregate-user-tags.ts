import { IDENTITY_HEADER } from '../../platform/bus/event-bus';
import { topicConsumer } from '../../platform/topic-consumer';
import type { AggregatableTag } from '../domain/aggregates';
import { tagTimeMs, userTagSchema } from '../domain/user-tag';
import { aggregateStore } from '../wiring';
import { trackingWorkerFunctions } from '../worker-functions';

/**
 * Consumer of tracking.user-tags (group tracking-tag-aggregates): adds each tag to the minute
 * aggregates of every filter combination, in the minute of the tag's own time. Exactly once:
 * the increments and this group's offsets commit in one transaction, so a redelivered batch
 * (whole or in part) changes nothing; and a tag its client resent (same identity, in the record's
 * header) counts once.
 */
export const handler = topicConsumer(trackingWorkerFunctions.aggregateTags, userTagSchema, async (records, { subscription }) => {
  const tags: AggregatableTag[] = records.map((record) => ({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    identity: record.headers[IDENTITY_HEADER],
    action: record.value.action,
    origin: record.value.origin,
    brandId: record.value.product_info.brand_id,
    categoryId: record.value.product_info.category_id,
    price: record.value.product_info.price,
    timeMs: tagTimeMs(record.value),
  }));
  // The offsets committed with the increments are this function's own consumer group's.
  await (await aggregateStore()).addTags(subscription.consumerGroup, tags);
});
