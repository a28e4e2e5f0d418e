import { scheduledJob } from '../../platform/scheduled-job';
import { APPLIED_IDENTITY_WINDOW_MS } from '../../platform/sql/applied-identities';
import { platform } from '../../platform/wiring';
import { applyAppEventRetention } from '../domain/app-event-index';
import { applyRollupRetention } from '../domain/retention';
import { trimExpiredTags } from '../domain/user-profile';
import { aggregateStore, appEventMinuteRollup, userTagStore } from '../wiring';
import { trackingWorkerFunctions } from '../worker-functions';

/**
 * Scheduled (tracking-retention): keeps 24 h of logical time (newest data minus 24 h) of profile
 * tags and minute aggregates, and 90 days of raw app events in the search index. Minute aggregates (tags, and app-event counts) older than that are
 * first rolled up into hour buckets, kept 30 days. Each table measures "now" by its own newest
 * data. The parts run to completion independently; if any failed, the run then fails (Errors
 * alarm, scheduler retry) — every part is safe to run again.
 */
export const handler = scheduledJob(trackingWorkerFunctions.applyRetention, async () => {
  const parts = {
    profileTags: userTagStore().then(trimExpiredTags),
    tagAggregates: aggregateStore().then((store) => applyRollupRetention(store)),
    // Identities of applied tags, kept for the dedupe window of clock time (resends come soon).
    appliedIdentities: aggregateStore().then((store) =>
      store.forgetIdentitiesBefore(platform.clock.now().getTime() - APPLIED_IDENTITY_WINDOW_MS),
    ),
    appEventCounts: appEventMinuteRollup().then((rollup) => applyRollupRetention(rollup)),
    // Raw app events: 90 days of event time, measured by the clock (events arrive in real time).
    appEvents: platform.search().then((search) => applyAppEventRetention(search, platform.clock.now())),
  };
  const settled = await Promise.allSettled(Object.values(parts));
  const failed = settled.find((part) => part.status === 'rejected');
  if (failed) throw failed.reason;
  return Object.fromEntries(Object.keys(parts).map((name, i) => [name, (settled[i] as PromiseFulfilledResult<unknown>).value]));
});
