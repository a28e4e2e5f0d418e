/**
 * Ingest counts of the last complete minute, read from the minute aggregates (not counted again
 * on the hot path): tags per action from the all-"any" tag aggregate rows, app events per app from
 * the app-event minute counts. The scheduled job publishes them as CloudWatch metrics.
 *
 * Counts are by the events' own time, so tags that arrive after the job ran are not in it; the
 * metric is a near-real-time view, the aggregates stay the truth.
 */
import { type AggregateStore, ANY, MINUTE_MS, minuteOf } from './aggregates';
import { ACTIONS, type Action } from './user-tag';

/** App-event counts per app of one minute (summed over types). */
export interface AppEventMinuteCounts {
  perApp(minuteMs: number): Promise<Map<string, bigint>>;
}

/** More apps than this are published as the top ones plus one `(other)` entry: bounded dimensions. */
export const MAX_APP_DIMENSIONS = 20;
export const OTHER_APPS = '(other)';

export interface IngestCounts {
  /** The minute counted (its start, ISO 8601 UTC). */
  readonly minute: string;
  readonly minuteMs: number;
  readonly tags: Readonly<Record<Action, number>>;
  /** Per app, largest first, at most MAX_APP_DIMENSIONS entries (the rest summed as `(other)`). */
  readonly events: readonly { readonly appId: string; readonly count: number }[];
}

/** The minute before the one `nowMs` falls in: the newest minute that is over. */
export function lastCompleteMinute(nowMs: number): number {
  return minuteOf(nowMs) - MINUTE_MS;
}

export async function ingestCounts(
  tagAggregates: AggregateStore,
  appEvents: AppEventMinuteCounts,
  nowMs: number,
  maxApps = MAX_APP_DIMENSIONS,
): Promise<IngestCounts> {
  const minuteMs = lastCompleteMinute(nowMs);
  const range = { fromMs: minuteMs, toMs: minuteMs + MINUTE_MS };
  const [perAction, perApp] = await Promise.all([
    Promise.all(
      ACTIONS.map(async (action) => {
        const totals = await tagAggregates.minuteTotals({ action, origin: ANY, brandId: ANY, categoryId: ANY }, range);
        return [action, Number(totals[0]?.count ?? 0n)] as const;
      }),
    ),
    appEvents.perApp(minuteMs),
  ]);
  return {
    minute: new Date(minuteMs).toISOString(),
    minuteMs,
    tags: Object.fromEntries(perAction) as Record<Action, number>,
    events: boundedApps(perApp, maxApps),
  };
}

/** Largest apps first; beyond `maxApps` entries the rest are summed into one `(other)`. */
export function boundedApps(perApp: ReadonlyMap<string, bigint>, maxApps: number): { appId: string; count: number }[] {
  const sorted = [...perApp.entries()]
    .map(([appId, count]) => ({ appId, count: Number(count) }))
    .sort((a, b) => b.count - a.count || (a.appId < b.appId ? -1 : 1));
  if (sorted.length <= maxApps) return sorted;
  const kept = sorted.slice(0, maxApps - 1);
  const other = sorted.slice(maxApps - 1).reduce((sum, app) => sum + app.count, 0);
  return [...kept, { appId: OTHER_APPS, count: other }];
}
