import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { requestMail } from '../../mail/contract';
import { logger, metrics } from '../../platform/observability';
import { scheduledJob } from '../../platform/scheduled-job';
import { platform } from '../../platform/wiring';
import { dispatchDue, dispatchSettings } from '../domain/dispatch';
import { reminderRepository } from '../wiring';
import { remindersWorkerFunctions } from '../worker-functions';

const fn = remindersWorkerFunctions.dispatch;
/** The run ends at least this long before the function's timeout (the last claim's requests and the summary). */
const TIMEOUT_MARGIN_MS = 12_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Scheduled every minute (reminders-dispatch): for a window of 65 s (REMINDERS_DISPATCH_WINDOW_SECONDS)
 * claims due reminders, asks for their mails and marks them requested (see domain/dispatch.ts).
 * Emits, per reminder, `ReminderDispatchLag` (seconds from remindAt to the request) and counts
 * `RemindersRequested`; metrics are flushed after each claim, so a long run reports as it goes.
 */
export const handler = scheduledJob(fn, async () => {
  const settings = dispatchSettings(process.env, fn.timeoutSeconds * 1000 - TIMEOUT_MARGIN_MS);
  const bus = await platform.bus();
  let unpublished = false;
  const summary = await dispatchDue(
    {
      repository: await reminderRepository(),
      requestMail: (request) => requestMail(bus, request),
      clock: platform.clock,
      sleep,
      onRequested: (_reminder, lagMs) => {
        metrics.addMetric('RemindersRequested', MetricUnit.Count, 1);
        metrics.addMetric('ReminderDispatchLag', MetricUnit.Seconds, lagMs / 1000);
        unpublished = true;
      },
      afterClaim: () => {
        if (unpublished) metrics.publishStoredMetrics();
        unpublished = false;
      },
      onError: (error) => logger.warn('dispatch step failed; backing off and going on', { error: error as Error }),
    },
    settings,
  );
  if (summary.cancelled > 0) metrics.addMetric('RemindersCancelled', MetricUnit.Count, summary.cancelled);
  if (summary.failed > 0) metrics.addMetric('ReminderRequestsRefused', MetricUnit.Count, summary.failed);
  return summary;
});
