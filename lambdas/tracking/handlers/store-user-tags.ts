import { IDENTITY_HEADER } from '../../platform/bus/event-bus';
import { topicConsumer } from '../../platform/topic-consumer';
import { TAGS_KEPT_PER_ACTION } from '../domain/user-profile';
import { tagTimeMs, userTagSchema } from '../domain/user-tag';
import type { StoredUserTag } from '../domain/user-tag-store';
import { userTagStore } from '../wiring';
import { trackingWorkerFunctions } from '../worker-functions';

/**
 * Consumer of tracking.user-tags (group tracking-profile-store): stores each tag, as sent, in
 * the per-cookie profile store. Idempotent by log position and by the tag's identity (record
 * header), so neither a redelivery nor a client's resend stores a tag twice.
 */
export const handler = topicConsumer(trackingWorkerFunctions.storeProfiles, userTagSchema, async (records) => {
  const tags: StoredUserTag[] = records.map((record) => ({
    cookie: record.value.cookie,
    action: record.value.action,
    timeMs: tagTimeMs(record.value),
    raw: Buffer.from(record.rawValue, 'base64').toString('utf8'),
    identity: record.headers[IDENTITY_HEADER],
    position: { topic: record.topic, partition: record.partition, offset: String(record.offset) },
  }));
  await (await userTagStore()).append(tags, TAGS_KEPT_PER_ACTION);
});
