import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../platform/observability';
import { scheduledJob } from '../../platform/scheduled-job';
import { platform } from '../../platform/wiring';
import { relayPending } from '../domain/outbox';
import { purgeTombstones } from '../domain/projection';
import { happeningsFunctions } from '../manifest';
import { happeningChangesTopic } from '../topics';
import { happeningRepository, projectionIndex } from '../wiring';

/**
 * Scheduled every minute (happenings-outbox-relay): publishes every change record still pending
 * in the outbox (its writer's relay failed, or the writer stopped between commit and publish),
 * oldest first, marking each published once Kafka acknowledged it; removes records published a
 * week ago; reports the backlog. At the top of each hour it also purges old tombstones from the
 * search index (see domain/projection.ts). A failed publish fails the run: the records stay
 * pending for the next.
 */
export const handler = scheduledJob(happeningsFunctions.relayOutbox, async (invocation) => {
  const now = () => platform.clock.now();
  const summary = await relayPending(await happeningRepository(), await platform.bus(), happeningChangesTopic.name, now);
  const { pending, oldestPendingAt } = summary.backlog;
  const oldestSeconds = oldestPendingAt ? Math.max(0, (now().getTime() - Date.parse(oldestPendingAt)) / 1000) : 0;
  metrics.addMetric('OutboxRecordsRelayed', MetricUnit.Count, summary.relayed);
  metrics.addMetric('OutboxBacklog', MetricUnit.Count, pending);
  metrics.addMetric('OutboxOldestPendingSeconds', MetricUnit.Seconds, oldestSeconds);

  const scheduled = new Date(invocation.scheduledTime);
  const hourly = Number.isNaN(scheduled.getTime()) || scheduled.getUTCMinutes() === 0;
  const tombstonesPurged = hourly ? await purgeTombstones(await projectionIndex(), now()) : 0;
  if (hourly) metrics.addMetric('TombstonesPurged', MetricUnit.Count, tombstonesPurged);
  return { relayed: summary.relayed, purged: summary.purged, pending, oldestPendingSeconds: oldestSeconds, tombstonesPurged };
});
