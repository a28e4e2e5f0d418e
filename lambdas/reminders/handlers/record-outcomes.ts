import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { mailOutcomeSchema } from '../../mail/contract';
import { metrics } from '../../platform/observability';
import { topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { recordOutcomes } from '../domain/projections';
import { reminderRepository } from '../wiring';
import { remindersWorkerFunctions } from '../worker-functions';

/**
 * Consumer of mail.outcomes (group reminders-mail-outcomes): marks each reminder whose mail
 * settled `sent`, `failed` (with the reason) or `uncertain`. Outcomes of other mails (ref kind
 * other than `reminder`) and of older versions change nothing; a redelivered outcome neither.
 */
export const handler = topicConsumer(remindersWorkerFunctions.recordOutcomes, mailOutcomeSchema, async (records) => {
  const summary = await recordOutcomes(
    await reminderRepository(),
    records.map((record) => record.value),
    platform.clock.now(),
  );
  if (summary.sent > 0) metrics.addMetric('RemindersSent', MetricUnit.Count, summary.sent);
  if (summary.failed > 0) metrics.addMetric('ReminderMailFailures', MetricUnit.Count, summary.failed);
  if (summary.uncertain > 0) metrics.addMetric('ReminderMailsUncertain', MetricUnit.Count, summary.uncertain);
});
