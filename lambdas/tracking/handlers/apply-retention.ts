import { scheduledJob } from '../../platform/scheduled-job';
import { applyRollupRetention } from '../domain/retention';
import { trimExpiredTags } from '../domain/user-profile';
import { aggregateStore, appEventMinuteRollup, userTagStore } from '../wiring';

/**
 * Scheduled (tracking-retention): keeps 24 h of logical time (newest data minus 24 h) of profile
 * tags and minute aggregates. Minute aggregates (tags, and app-event counts) older than that are
 * first rolled up into hour buckets, kept 30 days. Each table measures "now" by its own newest
 * data. The parts run to completion independently; if any failed, the run then fails (Errors
 * alarm, scheduler retry) — every part is safe to run again.
 */
export const handler = scheduledJob('applyRetention', async () => {
  const [profileTags, tagAggregates, appEventCounts] = await Promise.allSettled([
    userTagStore().then(trimExpiredTags),
    aggregateStore().then((store) => applyRollupRetention(store)),
    appEventMinuteRollup().then((rollup) => applyRollupRetention(rollup)),
  ]);
  for (const part of [profileTags, tagAggregates, appEventCounts]) if (part.status === 'rejected') throw part.reason;
  return {
    profileTags: (profileTags as PromiseFulfilledResult<unknown>).value,
    tagAggregates: (tagAggregates as PromiseFulfilledResult<unknown>).value,
    appEventCounts: (appEventCounts as PromiseFulfilledResult<unknown>).value,
  };
});
