import type { EventBus } from '../../platform/bus/event-bus';
import { minifiedJson } from '../../platform/json-text';
import type { UserTag } from './user-tag';

/**
 * Appends a validated tag to the log, keyed by cookie so one cookie's tags stay in order in one
 * partition. The raw body is what travels, without its insignificant whitespace: stores keep
 * every token of the tag exactly as sent (key order, number spelling, string escapes), and a tag
 * padded with whitespace cannot inflate a profile answer past the platform's response limit. A
 * log that cannot take the record throws the bus's `Unavailable` (a 503), never a silent success.
 */
export async function publishUserTag(bus: EventBus, topic: string, tag: UserTag, rawBody: string): Promise<void> {
  await bus.publish(topic, [{ key: tag.cookie, value: minifiedJson(rawBody) }]);
}
