import { deadLetterTopic } from '../platform/declarations';
import type { CapabilityManifest, FunctionSpec } from '../platform/manifest-types';
import { mailOutcomesTopic, mailRequestsTopic } from './topics';

const capability = 'mail';

/** Each function once, by name: the handler takes its own entry (`topicConsumer(mailFunctions.sendMail, …)`). */
export const mailFunctions = {
  sendMail: {
    name: 'mail-send-mail',
    capability,
    description: 'Sends requested mails (welcome, reminder) through SES at most once per request id, and publishes each outcome.',
    entry: 'lambdas/mail/handlers/send-mail.ts',
    memoryMb: 256,
    timeoutSeconds: 30,
    // Small batches: each record is one SES call. A failing batch is retried 10 times with
    // backoff and then goes to the on-failure queue: the ledger makes a replay harmless.
    subscriptions: [
      {
        topic: mailRequestsTopic.name,
        consumerGroup: 'mail-sender',
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        retryAttempts: 10,
        deadLetter: true,
        startingPosition: 'TRIM_HORIZON',
      },
    ],
    uses: ['sql', 'bus', 'mail'],
    produces: [mailOutcomesTopic.name, deadLetterTopic.name],
    metrics: ['MailSent', 'MailFailed', 'MailUncertain', 'MailDuplicates', 'MailSendLatency'],
  },
} satisfies Record<string, FunctionSpec>;

/**
 * How long a claim may stay `sending` before it is taken for a send whose invocation died: twice
 * the function's timeout, after which no invocation can still be running it (Lambda stops it),
 * and short enough that the batch's own retries (10, with backoff) come back after it.
 */
export const SEND_LEASE_MS = 2 * mailFunctions.sendMail.timeoutSeconds * 1000;

const sender = mailFunctions.sendMail;
const group = sender.subscriptions[0].consumerGroup;

/** The mail capability: mail requests in, mails out through SES once each, outcomes back. */
export const mailManifest: CapabilityManifest = {
  capability,
  topics: [mailRequestsTopic, mailOutcomesTopic],
  functions: Object.values(mailFunctions),
  sqlMigrations: 'lambdas/mail/migrations',
  searchIndexes: [],
  dashboard: {
    title: 'Mail',
    widgets: [
      {
        title: 'Mails per minute',
        metrics: [
          { kind: 'custom', metricName: 'MailSent', label: 'sent' },
          { kind: 'custom', metricName: 'MailFailed', label: 'failed (refused for good)' },
          { kind: 'custom', metricName: 'MailUncertain', label: 'uncertain (not sent again)' },
          { kind: 'custom', metricName: 'MailDuplicates', label: 'duplicate requests skipped' },
        ],
      },
      {
        title: 'Send latency (ms)',
        metrics: [
          { kind: 'function', function: sender.name, metricName: 'Duration', statistic: 'p99', label: 'batch p99' },
          { kind: 'custom', metricName: 'MailSendLatency', statistic: 'Average', label: 'SES send, average' },
          { kind: 'custom', metricName: 'MailSendLatency', statistic: 'Maximum', label: 'SES send, slowest' },
        ],
      },
      { title: 'Mail consumer lag (records)', metrics: [{ kind: 'offsetLag', function: sender.name, label: group }] },
      {
        title: 'Mail dead letters',
        metrics: [
          { kind: 'deadLetterQueue', consumerGroup: group, label: 'on-failure queue depth' },
          { kind: 'custom', metricName: 'RecordsDeadLettered', label: 'records dead-lettered (per minute)' },
        ],
      },
    ],
  },
};
