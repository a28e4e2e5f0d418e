import * as z from 'zod';
import { accountEventSchema } from '../../accounts/contract';
import { logger } from '../../platform/observability';
import { topicConsumer } from '../../platform/topic-consumer';
import { applyAccountEvents } from '../domain/projections';
import { reminderRepository } from '../wiring';
import { remindersWorkerFunctions } from '../worker-functions';

/** An account event this projection can keep (what the columns hold); anything else is dead-lettered. */
const keptAccountEvent = accountEventSchema
  .refine((event) => !Number.isNaN(Date.parse(event.at)), 'at must be a time')
  .refine(
    (event) =>
      event.username.length <= 128 &&
      (event.type !== 'addresses' ||
        (event.addresses.length <= 20 && event.addresses.every((a) => z.email().max(254).safeParse(a.trim()).success))),
    'username at most 128 characters; at most 20 addresses, each an email',
  );

/**
 * Consumer of accounts.events (group reminders-accounts): keeps every account's addresses (the
 * ones a reminder may go to) and, on `deleted`, removes the account's reminders and addresses.
 * Events apply in partition order and an older one changes nothing, so redelivery is harmless.
 */
export const handler = topicConsumer(remindersWorkerFunctions.projectAccounts, keptAccountEvent, async (records) => {
  const summary = await applyAccountEvents(
    await reminderRepository(),
    records.map((record) => record.value),
  );
  if (summary.removed > 0 || summary.retargeted > 0) logger.info('account events applied', { ...summary });
});
