import { accountEventsTopic } from '../accounts/contract';
import { happeningChangesTopic } from '../happenings/contract';
import { mailOutcomesTopic, mailRequestsTopic } from '../mail/contract';
import { deadLetterTopic } from '../platform/declarations';
import type { CapabilityManifest, FunctionSpec, KafkaSubscriptionSpec, TopicSpec } from '../platform/manifest-types';
import { createReminderRoute, deleteReminderRoute, getReminderRoute, listRemindersRoute, updateReminderRoute } from './routes';

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

/** Each function once, by name: handlers take their own entry. */
export const remindersFunctions = {
  myReminders: {
    name: 'reminders-my-reminders',
    capability,
    description: "POST, GET /v1/reminders and GET, PATCH, DELETE /v1/reminders/{id}: the signed-in user's own reminders.",
    entry: 'lambdas/reminders/handlers/my-reminders.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    routes: [createReminderRoute, listRemindersRoute, getReminderRoute, updateReminderRoute, deleteReminderRoute],
    // identity: the primary address of an account the addresses projection has not heard of.
    uses: ['sql', 'identity'],
  },
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

const f = remindersFunctions;
const answers = (route: { operation: string }, statusClass: '2xx' | '4xx' | '5xx') => `${route.operation}${statusClass}`;
const outcomesGroup = f.recordOutcomes.subscriptions[0]!.consumerGroup;

/** The reminders capability: users' reminder mails about happenings, dispatched on time. */
export const remindersManifest: CapabilityManifest = {
  capability,
  functions: Object.values(remindersFunctions),
  sqlMigrations: 'lambdas/reminders/migrations',
  searchIndexes: [],
  dashboard: {
    title: 'Reminders',
    widgets: [
      {
        title: 'Reminders (per minute)',
        metrics: [
          { kind: 'custom', metricName: answers(createReminderRoute, '2xx'), label: 'created' },
          { kind: 'custom', metricName: 'RemindersRequested', label: 'mails requested' },
          { kind: 'custom', metricName: 'RemindersSent', label: 'sent' },
          { kind: 'custom', metricName: 'ReminderMailFailures', label: 'mail failures' },
          { kind: 'custom', metricName: 'ReminderMailsUncertain', label: 'uncertain' },
          { kind: 'custom', metricName: 'RemindersCancelled', label: 'cancelled (happening deleted)' },
        ],
      },
      {
        title: 'Dispatch lag: request time minus remindAt (s)',
        metrics: [
          { kind: 'custom', metricName: 'ReminderDispatchLag', statistic: 'Maximum', label: 'slowest' },
          { kind: 'custom', metricName: 'ReminderDispatchLag', statistic: 'Average', label: 'average' },
        ],
      },
      {
        title: 'Reminders API',
        metrics: [
          { kind: 'function', function: f.myReminders.name, metricName: 'Duration', statistic: 'p99', label: 'p99 (ms)' },
          { kind: 'custom', metricName: answers(createReminderRoute, '4xx'), label: 'create refused (4xx)' },
          { kind: 'custom', metricName: answers(createReminderRoute, '5xx'), label: 'create failed (5xx, incl. 503)' },
          { kind: 'custom', metricName: answers(updateReminderRoute, '2xx'), label: 'changed' },
          { kind: 'custom', metricName: answers(deleteReminderRoute, '2xx'), label: 'deleted' },
        ],
      },
      {
        title: 'Dispatcher and consumers',
        metrics: [
          { kind: 'function', function: f.dispatch.name, metricName: 'Errors', statistic: 'Sum', label: 'dispatcher errors' },
          { kind: 'custom', metricName: 'dispatchDueRuns', label: 'dispatcher runs' },
          { kind: 'offsetLag', function: f.projectAccounts.name, label: 'accounts projection lag' },
          { kind: 'offsetLag', function: f.projectHappenings.name, label: 'happenings projection lag' },
          { kind: 'offsetLag', function: f.recordOutcomes.name, label: 'outcomes lag' },
          { kind: 'deadLetterQueue', consumerGroup: outcomesGroup, label: 'outcomes on-failure queue' },
        ],
      },
    ],
  },
};
