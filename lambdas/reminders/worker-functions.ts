import { accountEventsTopic } from '../accounts/contract';
import { happeningChangesTopic } from '../happenings/contract';
import { mailOutcomesTopic, mailRequestsTopic } from '../mail/contract';
import { deadLetterTopic } from '../platform/declarations';
import type { FunctionSpec, KafkaSubscriptionSpec, TopicSpec } from '../platform/manifest-types';

/**
 * The reminders functions no route reaches (the dispatcher and the three consumers), apart from
 * manifest.ts so that their handlers import only this: the manifest also holds the routes, whose
 * zod schemas are built when the module loads, which these functions never use.
 */
const capability = 'reminders';

/**
 * A projection consumer's subscription. The accounts and happenings projections retry a failing
 * batch without end (holding the partition; the OffsetLag alarm says so): skipping a batch could
 * skip an account's deletion or a happening's delete, and then mail someone who asked for none.
 * Poison records are dead-lettered by the wrapper, so only a store outage fails a batch.
 */
function projection(topic: TopicSpec, consumerGroup: string): KafkaSubscriptionSpec {
  return {
    topic: topic.name,
    consumerGroup,
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    retryAttempts: -1,
    deadLetter: false,
    startingPosition: 'TRIM_HORIZON',
  };
}

const consumer = { memoryMb: 256, timeoutSeconds: 60, uses: ['sql', 'bus'], produces: [deadLetterTopic.name] } as const;

/** The dispatcher and the consumers, as manifest.ts lists them among `remindersFunctions`. */
export const remindersWorkerFunctions = {
  dispatch: {
    name: 'reminders-dispatch-due',
    capability,
    description:
      'Every minute, for 65 s (runs overlap): claims due reminders (FOR UPDATE SKIP LOCKED), asks for their mails (one request id per reminder version), marks them requested.',
    entry: 'lambdas/reminders/handlers/dispatch-due.ts',
    memoryMb: 256,
    // The run's window (65 s by default, REMINDERS_DISPATCH_WINDOW_SECONDS) ends well before this,
    // and below the Duration alarm's 80 % of it (72 s).
    timeoutSeconds: 90,
    schedules: [
      {
        name: 'reminders-dispatch',
        expression: 'rate(1 minute)',
        description: 'Dispatch due reminders for the next 65 s (each run overlaps the next)',
      },
    ],
    uses: ['sql', 'bus'],
    produces: [mailRequestsTopic.name],
    metrics: ['RemindersRequested', 'ReminderDispatchLag', 'RemindersCancelled', 'ReminderRequestsRefused'],
  },
  projectAccounts: {
    ...consumer,
    name: 'reminders-project-accounts',
    capability,
    description:
      "Keeps each account's addresses from accounts.events (retargets reminders whose address went away); a deletion removes the account's reminders.",
    entry: 'lambdas/reminders/handlers/project-accounts.ts',
    subscriptions: [projection(accountEventsTopic, 'reminders-accounts')],
  },
  projectHappenings: {
    ...consumer,
    name: 'reminders-project-happenings',
    capability,
    description:
      "Keeps each happening's title, times, time zone and place from happenings.changes, by version; a delete cancels its scheduled reminders.",
    entry: 'lambdas/reminders/handlers/project-happenings.ts',
    subscriptions: [projection(happeningChangesTopic, 'reminders-happenings')],
    metrics: ['RemindersCancelled'],
  },
  recordOutcomes: {
    ...consumer,
    name: 'reminders-record-outcomes',
    capability,
    description: "Records what became of each reminder's mail (sent, failed with the reason, uncertain) from mail.outcomes.",
    entry: 'lambdas/reminders/handlers/record-outcomes.ts',
    // Idempotent per outcome: after 10 retries a batch's offsets may go to the on-failure queue.
    subscriptions: [
      {
        topic: mailOutcomesTopic.name,
        consumerGroup: 'reminders-mail-outcomes',
        batchSize: 100,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 10,
        deadLetter: true,
        startingPosition: 'TRIM_HORIZON',
      },
    ],
    metrics: ['RemindersSent', 'ReminderMailFailures', 'ReminderMailsUncertain'],
  },
} satisfies Record<string, FunctionSpec>;
