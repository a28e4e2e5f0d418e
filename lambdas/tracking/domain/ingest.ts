import type { EventBus } from '../../platform/bus/event-bus';
import { Problems } from '../../platform/http/problem';
import { logger } from '../../platform/observability';
import type { UserTag } from './user-tag';

/**
 * Appends a validated tag to the log, keyed by cookie so one cookie's tags stay in order in one
 * partition. The raw body is what travels: stores keep the tag exactly as sent. A log that
 * cannot take the record is a 503, never a silent success.
 */
export async function publishUserTag(bus: EventBus, topic: string, tag: UserTag, rawBody: string): Promise<void> {
  try {
    await bus.publish(topic, [{ key: tag.cookie, value: rawBody }]);
  } catch (error) {
    logger.error('a user tag could not be published', error as Error);
    throw Problems.unavailable('the tag could not be stored, retry later');
  }
}
