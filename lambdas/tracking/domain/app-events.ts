import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { EventBus, OutgoingRecord } from '../../platform/bus/event-bus';
import { isCalendarValid } from '../../platform/calendar';
import { appIdSchema } from './app-registry';

/**
 * App and game events (`POST /v1/apps/{appId}/events`). A batch is validated event by event:
 * good events are accepted, bad ones rejected with a reason, and the answer lists every event's
 * fate by index (as the AWS Game Analytics Pipeline does), so one bad event never costs a
 * client its whole batch.
 */

export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_BATCH_BYTES = 1024 * 1024;
export const MAX_PROPERTIES = 50;
export const MAX_PROPERTY_TEXT = 1024;
/** An event may claim a time at most this far ahead of the server's clock (clock skew). */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;
/** …and at most this far back (what the search index keeps; older would be deleted at once). */
export const MAX_EVENT_AGE_MS = 90 * 24 * 60 * 60 * 1000;

/** Event types: `purchase_sword`, `join_guild`; they are metric dimensions and SQL keys. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]{0,127}$/;
/** Property names become search fields (`properties.<name>`): no dots, no spaces. */
export const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Event ids are document ids and SQL keys: 1-128 URL-safe characters (a UUID fits). */
export const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** ISO-8601 with a `Z` or a numeric offset, seconds required, fractions optional. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const propertyValue = z.union([z.string().max(MAX_PROPERTY_TEXT), z.number(), z.boolean()], {
  error: 'must be a string, a number or a boolean',
});

/** One event as a client sends it. Closed: an unknown field is a mistake worth reporting. */
export const incomingAppEventSchema = z.strictObject({
  event_id: z.string().regex(EVENT_ID, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -').optional(),
  type: z.string().regex(EVENT_TYPE, 'must be lower_snake_case, starting with a letter, at most 128 characters'),
  user_id: z.string().min(1).max(256),
  time: z.string().regex(ISO_TIME, 'must be an ISO-8601 time with Z or an offset, e.g. 2024-05-01T10:00:00.000Z').optional(),
  properties: z
    .record(z.string().regex(PROPERTY_NAME, 'property names must be letters, digits or _, starting with a letter'), propertyValue)
    .refine((value) => Object.keys(value).length <= MAX_PROPERTIES, `at most ${MAX_PROPERTIES} properties`)
    .default({}),
});

export type IncomingAppEvent = z.infer<typeof incomingAppEventSchema>;

/** The request body: `{"events": [ ... ]}` with 1-500 events (each checked on its own). */
export const appEventBatchSchema = z.strictObject({
  events: z
    .array(z.unknown(), { error: 'must be an array of events' })
    .min(1, 'must hold at least one event')
    .max(MAX_EVENTS_PER_BATCH, `must hold at most ${MAX_EVENTS_PER_BATCH} events`),
});

export type PropertyValue = string | number | boolean;

/** One accepted event, as it travels on `tracking.app-events` (the record's value, JSON). */
export interface AppEventRecord {
  readonly app_id: string;
  readonly event_id: string;
  readonly type: string;
  readonly user_id: string;
  /** When it happened (the client's time, or the receive time), ISO-8601 UTC with milliseconds. */
  readonly time: string;
  /** When Eventline accepted it, ISO-8601 UTC with milliseconds. */
  readonly received_at: string;
  readonly properties: Readonly<Record<string, PropertyValue>>;
}

const isoUtc = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 time');

/** What consumers accept from the topic; anything else is dead-lettered. */
export const appEventRecordSchema = z.object({
  app_id: appIdSchema,
  event_id: z.string().regex(EVENT_ID),
  type: z.string().regex(EVENT_TYPE),
  user_id: z.string().min(1).max(256),
  time: isoUtc,
  received_at: isoUtc,
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

export type EventResult =
  | { readonly index: number; readonly event_id: string; readonly status: 'accepted' }
  | { readonly index: number; readonly event_id?: string; readonly status: 'rejected'; readonly reason: string };

export interface BatchOutcome {
  readonly accepted: number;
  readonly rejected: number;
  readonly results: readonly EventResult[];
}

/** Kafka key: one user's events of one app stay in order in one partition. */
export function appEventKey(appId: string, userId: string): string {
  return `${appId}/${userId}`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${key}: is not allowed`);
      const path = issue.path.map(String).join('.');
      // A bad property name: say what names may look like rather than zod's "Invalid key".
      const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return [`${path || '(event)'}: ${message}`];
    })
    .join('; ');
}

/** The time an event is counted at: its own, or the receive time; `string` = why it is refused. */
function eventTime(event: IncomingAppEvent, receivedAt: Date): Date | string {
  if (event.time === undefined) return receivedAt;
  const ms = Date.parse(event.time);
  if (Number.isNaN(ms) || !isCalendarValid(event.time)) return 'time: is not a real date';
  if (ms > receivedAt.getTime() + MAX_FUTURE_SKEW_MS) return 'time: is more than 24 hours in the future';
  if (ms < receivedAt.getTime() - MAX_EVENT_AGE_MS) return 'time: is more than 90 days in the past';
  return new Date(ms);
}

/**
 * Validates each event of a batch on its own and shapes the accepted ones into topic records.
 * An event without `event_id` gets a random UUID here, so every downstream copy (search
 * document, aggregate dedupe) agrees on one id however often Kafka delivers it.
 */
export function prepareBatch(
  appId: string,
  events: readonly unknown[],
  receivedAt: Date,
  newEventId: () => string = randomUUID,
): { records: OutgoingRecord[]; outcome: BatchOutcome } {
  const records: OutgoingRecord[] = [];
  const results: EventResult[] = [];
  const received = receivedAt.toISOString();
  events.forEach((raw, index) => {
    const claimedId = typeof raw === 'object' && raw !== null ? (raw as { event_id?: unknown }).event_id : undefined;
    const reportedId = typeof claimedId === 'string' && EVENT_ID.test(claimedId) ? { event_id: claimedId } : {};
    const parsed = incomingAppEventSchema.safeParse(raw);
    if (!parsed.success) {
      results.push({ index, ...reportedId, status: 'rejected', reason: describeIssues(parsed.error) });
      return;
    }
    const time = eventTime(parsed.data, receivedAt);
    if (typeof time === 'string') {
      results.push({ index, ...reportedId, status: 'rejected', reason: time });
      return;
    }
    const record: AppEventRecord = {
      app_id: appId,
      event_id: parsed.data.event_id ?? newEventId(),
      type: parsed.data.type,
      user_id: parsed.data.user_id,
      time: time.toISOString(),
      received_at: received,
      properties: parsed.data.properties,
    };
    records.push({ key: appEventKey(appId, record.user_id), value: JSON.stringify(record) });
    results.push({ index, event_id: record.event_id, status: 'accepted' });
  });
  const accepted = records.length;
  return { records, outcome: { accepted, rejected: results.length - accepted, results } };
}

/**
 * Publishes the accepted events; resolves once Kafka has all of them (acks=all). If the log
 * cannot take them the whole request is a 503 and nothing is claimed accepted: the client
 * resends the batch, and the event ids keep the resend from counting twice.
 */
export async function publishAppEvents(bus: EventBus, topic: string, records: readonly OutgoingRecord[]): Promise<void> {
  if (records.length === 0) return;
  await bus.publish(topic, records);
}
