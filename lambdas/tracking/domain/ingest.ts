import { createHash } from 'node:crypto';
import { type EventBus, IDENTITY_HEADER } from '../../platform/bus/event-bus';
import { minifiedJson } from '../../platform/json-text';
import type { UserTag } from './user-tag';

/**
 * Appends a validated tag to the log, keyed by cookie so one cookie's tags stay in order in one
 * partition. The raw body is what travels, without its insignificant whitespace: stores keep
 * every token of the tag exactly as sent (key order, number spelling, string escapes), and a tag
 * padded with whitespace cannot inflate a profile answer past the platform's response limit. A
 * log that cannot take the record throws the bus's `Unavailable` (a 503), never a silent success.
 * The record carries the tag's identity (`tagIdentity`) in its `eventline-identity` header.
 */
export async function publishUserTag(bus: EventBus, topic: string, tag: UserTag, rawBody: string): Promise<void> {
  await bus.publish(topic, [
    { key: tag.cookie, value: minifiedJson(rawBody), headers: { [IDENTITY_HEADER]: tagIdentity(rawBody) } },
  ]);
}

/**
 * A tag's identity: the sha-256 (lowercase hex) of its body exactly as sent, as UTF-8 bytes
 * (whitespace, key order and number spelling included). A client that resends a tag it got no
 * answer to sends the same bytes, so both copies have one identity and count once; two requests
 * with byte-identical bodies (same cookie, same time to the millisecond, same everything) are one
 * event. Computed once, at ingest; consumers read it from the record's header.
 */
export function tagIdentity(rawBody: string): string {
  return createHash('sha256').update(rawBody, 'utf8').digest('hex');
}
