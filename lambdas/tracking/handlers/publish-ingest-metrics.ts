import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../platform/observability';
import { scheduledJob } from '../../platform/scheduled-job';
import { type IngestCounts, ingestCounts } from '../domain/ingest-metrics';
import { aggregateStore, appEventMinuteCounts } from '../wiring';
import { trackingWorkerFunctions } from '../worker-functions';

/**
 * Scheduled every minute (tracking-ingest-metrics): the last complete minute's ingest counts as
 * CloudWatch metrics, `TagsIngested` by `action` and `EventsIngested` by `app_id` (at most 20
 * apps, the rest as `(other)`), stamped with the minute they count. Each dimension value is its
 * own EMF document (`singleMetric`), since one document shares its dimensions across metrics.
 */
export const handler = scheduledJob(trackingWorkerFunctions.publishIngestMetrics, async (invocation) => {
  const now = Date.parse(invocation.scheduledTime);
  const counts = await ingestCounts(await aggregateStore(), await appEventMinuteCounts(), Number.isNaN(now) ? Date.now() : now);
  publish(counts);
  return { minute: counts.minute, tags: counts.tags, events: counts.events };
});

function publish(counts: IngestCounts): void {
  for (const [action, n] of Object.entries(counts.tags)) {
    const single = metrics.singleMetric();
    single.setTimestamp(counts.minuteMs);
    single.addDimension('action', action);
    single.addMetric('TagsIngested', MetricUnit.Count, n);
  }
  for (const { appId, count } of counts.events) {
    const single = metrics.singleMetric();
    single.setTimestamp(counts.minuteMs);
    single.addDimension('app_id', appId);
    single.addMetric('EventsIngested', MetricUnit.Count, count);
  }
}
