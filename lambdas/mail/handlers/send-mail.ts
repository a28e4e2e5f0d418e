import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { Unavailable } from '../../platform/errors';
import type { PoisonRecord } from '../../platform/kafka/decode';
import { logger, metrics } from '../../platform/observability';
import { deadLetterRecords, topicConsumer } from '../../platform/topic-consumer';
import { platform } from '../../platform/wiring';
import { type MailOutcome, type MailRequest, mailRequestSchema, publishOutcomes } from '../domain/mail-request';
import { outcomeOf, type SendResult, sendOnce } from '../domain/send-mail';
import { mailFunctions } from '../manifest';
import { mailSender } from '../wiring';

/** Metrics and logs of one request's result; addresses are never logged. */
function report(request: MailRequest, result: SendResult): void {
  const about = { requestId: request.requestId, template: request.template };
  if (result.kind === 'sent' || result.kind === 'failed' || result.kind === 'uncertain') {
    if (!result.first) {
      metrics.addMetric('MailDuplicates', MetricUnit.Count, 1);
      return;
    }
  }
  switch (result.kind) {
    case 'sent':
      metrics.addMetric('MailSent', MetricUnit.Count, 1);
      if (result.latencyMs !== undefined) metrics.addMetric('MailSendLatency', MetricUnit.Milliseconds, result.latencyMs);
      return;
    case 'failed':
      metrics.addMetric('MailFailed', MetricUnit.Count, 1);
      logger.warn('mail refused for good: recorded as failed', { ...about, reason: result.reason });
      return;
    case 'uncertain':
      metrics.addMetric('MailUncertain', MetricUnit.Count, 1);
      logger.warn('mail may or may not have been sent: recorded as uncertain, not sent again', {
        ...about,
        reason: result.reason,
      });
      return;
  }
}

/**
 * Consumer of mail.requests (group mail-sender): renders and sends each requested mail at most
 * once per request id (the mail ledger), publishes every settled request's outcome to
 * mail.outcomes and dead-letters requests SES refused for good. When SES is throttling or down
 * the batch fails and is retried: what was sent is skipped then, the rest is sent.
 */
export const handler = topicConsumer(mailFunctions.sendMail, mailRequestSchema, async (records, { consumer }) => {
  const sender = await mailSender();
  const outcomes = new Map<string, MailOutcome>();
  const refused: { record: PoisonRecord; reason: string }[] = [];
  let inFlight = 0;
  let retry: { error: unknown } | undefined;
  for (const record of records) {
    const result = await sendOnce(record.value, sender);
    if (result.kind === 'not-sent') {
      // SES will not take mails now: the rest of the batch waits for the retry too.
      retry = { error: result.error };
      break;
    }
    if (result.kind === 'in-flight') inFlight++;
    if (result.kind === 'failed') refused.push({ record, reason: result.reason });
    const outcome = outcomeOf(record.value, result);
    if (outcome) outcomes.set(outcome.requestId, outcome);
    report(record.value, result);
  }
  // Published again whenever a settled request is delivered again, so a lost publish is made good.
  await deadLetterRecords(consumer, refused);
  await publishOutcomes(await platform.bus(), [...outcomes.values()]);
  if (retry) throw retry.error;
  if (inFlight > 0) {
    throw new Unavailable(`${inFlight} mail request(s) are claimed by a send that may still be under way: retry after the lease`);
  }
});
