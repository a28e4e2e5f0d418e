import { accountEventSchema } from '../../accounts/contract';
import { topicConsumer } from '../../platform/topic-consumer';
import { forgetAccounts } from '../domain/people';
import { peopleFunctions } from '../manifest';
import { peoplePorts } from '../wiring';

/**
 * Consumer of accounts.events (group people-forget-accounts): an account's `deleted` event
 * deletes its profile (a tombstone on `people`, like DELETE /v1/people/{username}). Other events
 * are not people's business. Redelivery publishes another tombstone: harmless.
 */
export const handler = topicConsumer(peopleFunctions.forgetAccounts, accountEventSchema, async (records) => {
  await forgetAccounts(
    peoplePorts(),
    records.flatMap((record) => (record.value.type === 'deleted' ? [record.value.username] : [])),
  );
});
