import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { happeningChangeSchema } from '../../happenings/contract';
import { metrics } from '../../platform/observability';
import { topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { applyHappeningChanges } from '../domain/projections';
import { reminderRepository } from '../wiring';
import { remindersWorkerFunctions } from '../worker-functions';

const isTime = (text: string) => !Number.isNaN(Date.parse(text));

/** A change this projection can keep (what its columns hold); anything else is dead-lettered. */
const keptChange = happeningChangeSchema.refine(
  (change) =>
    change.id.length <= 64 &&
    change.title.length <= 300 &&
    change.placeName.length <= 500 &&
    /^[\x21-\x7e]{1,64}$/.test(change.timezone) &&
    isTime(change.startsAt) &&
    isTime(change.endsAt),
  'id at most 64, title at most 300, place at most 500 characters; an ASCII time zone name; startsAt and endsAt times',
);

/**
 * Consumer of happenings.changes (group reminders-happenings): keeps the newest version of each
 * happening's title, times, time zone and place (what a reminder mail says); a delete cancels
 * the happening's scheduled reminders. By version, so order and redelivery do not matter.
 */
export const handler = topicConsumer(remindersWorkerFunctions.projectHappenings, keptChange, async (records) => {
  const summary = await applyHappeningChanges(
    await reminderRepository(),
    records.map((record) => record.value),
    platform.clock.now(),
  );
  if (summary.cancelled > 0) metrics.addMetric('RemindersCancelled', MetricUnit.Count, summary.cancelled);
});
