import type { CapabilityManifest, FunctionSpec } from '../platform/manifest-types';
import { createReminderRoute, deleteReminderRoute, getReminderRoute, listRemindersRoute, updateReminderRoute } from './routes';
import { remindersWorkerFunctions } from './worker-functions';

const capability = 'reminders';

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
  ...remindersWorkerFunctions,
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
