import type { IndexDefinition, SearchFilter, SearchIndex } from '../../platform/search/search-index';
import { APP_ID_PATTERN } from './app-registry';

/**
 * Where app and game events live in the search index: one index per app, `app-events-<appId>`,
 * document id = the event's `event_id` (a replayed or resent event overwrites itself).
 *
 * Retention: the local OpenSearch (integ-test zip) has no ISM plugin, so retention is our own
 * scheduled job: `appEventRetentionFilter(now)` applied with `SearchIndex.deleteWhere` to
 * `appEventIndexPattern` (every app's index in one delete-by-query) removes events whose `time`
 * is older than `appEventRetentionDays`. Same code locally and in AWS, testable against both
 * adapters. Long-term counts per type stay in the SQL minute/hour aggregates.
 */

/** App ids as the admin command creates them (lower case, so they are valid index names). */
export const appIdPattern = APP_ID_PATTERN;

export const appEventIndexPrefix = 'app-events-';

/** Matches every app's event index (and nothing else: other indices never use this prefix). */
export const appEventIndexPattern = `${appEventIndexPrefix}*`;

/** Raw events are searchable for this many days of event time. */
export const appEventRetentionDays = 90;

export function isAppId(value: string): boolean {
  return appIdPattern.test(value);
}

/** The search index of one app. Throws on an id that is not an app id (never builds a pattern). */
export function appEventIndexName(appId: string): string {
  if (!isAppId(appId)) throw new Error(`not an app id: ${JSON.stringify(appId)} (expected ${appIdPattern})`);
  return `${appEventIndexPrefix}${appId}`;
}

/** A property value as the ingest API accepts it: flat scalars only. */
export type AppEventPropertyValue = string | number | boolean;

/** One event as indexed (the `_source`). */
export interface AppEventDocument {
  readonly event_id: string;
  readonly app_id: string;
  readonly type: string;
  readonly user_id: string;
  /** When it happened (client's time, or the receive time when the client sent none), ISO-8601. */
  readonly time: string;
  /** When Eventline accepted it, ISO-8601. */
  readonly received_at: string;
  readonly properties: Readonly<Record<string, AppEventPropertyValue>>;
}

export const appEventFields = {
  event_id: 'keyword',
  app_id: 'keyword',
  type: 'keyword',
  user_id: 'keyword',
  time: 'date',
  received_at: 'date',
} as const;

/**
 * The index of one app. `properties` is free-form: each property is indexed by the type of the
 * first value the app sent for it (strings and booleans keyword, numbers double; see
 * IndexDefinition.dynamicObjects). Create it before the first write (ensureIndex is idempotent).
 */
export function appEventIndexDefinition(appId: string): IndexDefinition {
  return { name: appEventIndexName(appId), fields: appEventFields, dynamicObjects: ['properties'] };
}

/** Filter selecting the events that retention deletes: event time older than the retention. */
export function appEventRetentionFilter(now: Date, retentionDays = appEventRetentionDays): SearchFilter {
  const cutoff = new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000);
  return { range: { field: 'time', lt: cutoff.toISOString() } };
}

/**
 * The retention job's work: deletes every app's events older than the retention, answers how
 * many. Meant for a scheduled function (idempotent; a missed run is caught up by the next).
 */
export async function applyAppEventRetention(
  search: SearchIndex,
  now: Date,
  retentionDays = appEventRetentionDays,
): Promise<{ deleted: number }> {
  const deleted = await search.deleteWhere(appEventIndexPattern, [appEventRetentionFilter(now, retentionDays)]);
  return { deleted };
}
