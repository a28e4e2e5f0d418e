import type { DecodedRecord } from '../../platform/kafka/decode';
// The minute buckets and key order are the tag aggregates' own: one definition of each.
import { compareText, MINUTE_MS, minuteOf } from './aggregates';
import type { AppEventRecord } from './app-events';

export { compareText, MINUTE_MS, minuteOf };

/** How long an event id is remembered to drop resent copies (by the first copy's receive time). */
export const EVENT_ID_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** What counting needs of an accepted event, with its place in the log (for exactly-once). */
export interface CountableAppEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly appId: string;
  readonly eventId: string;
  readonly type: string;
  /** The event's own time: it is counted in that minute. */
  readonly timeMs: number;
  readonly receivedAtMs: number;
}

export interface AppEventMinuteCount {
  readonly appId: string;
  readonly type: string;
  readonly minuteMs: number;
  readonly count: number;
}

export interface AppEventCountResult {
  /** Records new to the consumer group (by offset). */
  readonly applied: number;
  /** Records the group had applied before (a Kafka redelivery). */
  readonly skipped: number;
  /** Of the applied records, events whose id had been counted already (a client resend). */
  readonly duplicates: number;
}

/**
 * Event counts per (app, type, minute) — the port. MySQL (`app_event_minutes`, `app_event_ids`,
 * migration 0004) in AWS and with services, in memory embedded; one contract suite
 * (test/contract/app-event-aggregates.contract.test.ts) for both.
 *
 * Exactly once, twice over: a record whose offset the consumer group has applied is skipped
 * (offsets stored in the same transaction as the counts), and an event whose (app, event_id)
 * was counted within the dedupe window is not counted again.
 */
export interface AppEventAggregateStore {
  count(consumerGroup: string, events: readonly CountableAppEvent[]): Promise<AppEventCountResult>;
  /** Minute counts of one app with `fromMs <= minute < toMs`, by type then minute. */
  minuteCounts(appId: string, fromMs: number, toMs: number): Promise<AppEventMinuteCount[]>;
  /** Forgets event ids first received before `cutoffMs` (at most `limit`); returns how many. */
  forgetEventIdsBefore(cutoffMs: number, limit: number): Promise<number>;
}

export function countableEvent(record: DecodedRecord<AppEventRecord>): CountableAppEvent {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    appId: record.value.app_id,
    eventId: record.value.event_id,
    type: record.value.type,
    timeMs: Date.parse(record.value.time),
    receivedAtMs: Date.parse(record.value.received_at),
  };
}

/** `(app, event_id)` as one map key; the NUL cannot occur in either part. */
export function eventKey(event: { appId: string; eventId: string }): string {
  return `${event.appId}\u0000${event.eventId}`;
}

/** Sums counts per (app, type, minute), in key order (so SQL writes lock rows in one order). */
export function minuteIncrements(events: readonly CountableAppEvent[]): AppEventMinuteCount[] {
  const byKey = new Map<string, AppEventMinuteCount>();
  for (const event of events) {
    const minuteMs = minuteOf(event.timeMs);
    const key = JSON.stringify([event.appId, event.type, minuteMs]);
    const current = byKey.get(key);
    byKey.set(key, { appId: event.appId, type: event.type, minuteMs, count: (current?.count ?? 0) + 1 });
  }
  return [...byKey.values()].sort(
    (a, b) => compareText(a.appId, b.appId) || compareText(a.type, b.type) || a.minuteMs - b.minuteMs,
  );
}
