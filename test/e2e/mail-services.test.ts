/**
 * The mail consumer on the services backend: the MySQL ledger on the local MariaDB, outcomes on
 * the local Kafka, mails through the SES emulator (aws-ses-v2-local on 127.0.0.1:8005). A batch
 * delivered twice (and a record twice within it) sends one mail, as the emulator's store shows.
 * Own database and topic prefix: this run shares MariaDB and Kafka with nobody.
 */
import { randomBytes } from 'node:crypto';

const run = randomBytes(4).toString('hex');
const prefix = `mail-${run}.`;
const database = `eventline_t_mail_${run}`;
process.env.EVENTLINE_BACKEND = 'services';
process.env.EVENTLINE_TOPIC_PREFIX = prefix;
process.env.EVENTLINE_MYSQL_DATABASE = database;

import mysql from 'mysql2/promise';
import type { MailOutcome, MailRequest } from '../../lambdas/mail/domain/mail-request';
import { handler } from '../../lambdas/mail/handlers/send-mail';
import { mailOutcomesTopic, mailRequestsTopic } from '../../lambdas/mail/topics';
import { LOCAL_MAIL_FROM, mailLedger } from '../../lambdas/mail/wiring';
import { migrationSources } from '../../lambdas/manifest';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { ensureTopics } from '../../lambdas/platform/bus/kafka-topics';
import { localServices } from '../../lambdas/platform/config';
import { deadLetterTopic } from '../../lambdas/platform/declarations';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import type { OutboxEntry } from '../../lambdas/platform/mailer/mailer';
import { migrate } from '../../lambdas/platform/sql/migrate';
import { sqlPool } from '../../lambdas/platform/sql/pool';
import { platform } from '../../lambdas/platform/wiring';
import { localAdminRoutes } from '../../scripts/local-runtime/admin-routes';
import type { LocalScheduler } from '../../scripts/local-runtime/scheduler';
import { lambdaContext } from '../support/apigw';

jest.setTimeout(120_000);

const topics = [mailOutcomesTopic, deadLetterTopic].map((t) => ({ ...t, name: prefix + t.name }));
const sesEndpoint = localServices().sesEndpoint;
const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };

interface EmulatorEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly text?: string; readonly html?: string };
}

async function emulatorMailsTo(address: string): Promise<EmulatorEmail[]> {
  const response = await fetch(`${sesEndpoint}/store`);
  const store = (await response.json()) as { emails: EmulatorEmail[] };
  return store.emails.filter((email) => email.destination.to.includes(address));
}

/** Waits for the first outcome of `requestId` on the (prefixed) outcomes topic. */
async function outcomeOf(requestId: string): Promise<MailOutcome> {
  const bus = await platform.localBus();
  let found: MailOutcome | undefined;
  const subscription = await bus.subscribe({
    groupId: `test-${run}-${Math.random()}`,
    topic: mailOutcomesTopic.name,
    fromBeginning: true,
    maxBatchSize: 100,
    maxWaitMs: 100,
    onBatch: async (records) => {
      for (const r of records) {
        const outcome = JSON.parse(r.value!.toString()) as MailOutcome;
        if (outcome.requestId === requestId) found ??= outcome;
      }
    },
  });
  try {
    for (let waited = 0; !found && waited < 60_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await subscription.stop();
  }
  if (!found) throw new Error(`no outcome of ${requestId} on ${prefix}${mailOutcomesTopic.name} within a minute`);
  return found;
}

beforeAll(async () => {
  try {
    const health = await fetch(`${sesEndpoint}/health-check`);
    if (!health.ok) throw new Error(`health check answered ${health.status}`);
  } catch (error) {
    throw new Error(
      `the SES emulator is not reachable at ${sesEndpoint}; run \`npm run services:up\` (${(error as Error).message})`,
    );
  }
  await migrate(await sqlPool(), migrationSources);
  await ensureTopics(createLocalKafka(), topics);
});

afterAll(async () => {
  await platform.close();
  const admin = createLocalKafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: topics.map((t) => t.name) }).catch(() => undefined);
  await admin.disconnect();
  const { host, port, user, password } = localServices().mysql;
  const connection = await mysql.createConnection({ host, port, user, password });
  await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
  await connection.end();
});

describe('mail-send-mail consumer (services: MariaDB, Kafka, SES emulator)', () => {
  it('sends a welcome mail once through SES even when its batch is delivered twice', async () => {
    const username = `svc-${run}`;
    const request: MailRequest = {
      requestId: `welcome/${username}`,
      template: 'welcome',
      to: `${username}@example.com`,
      ref: { kind: 'account', id: username },
      data: { username },
    };
    const record: ConsumedRecord = {
      topic: prefix + mailRequestsTopic.name,
      partition: 0,
      offset: '7',
      timestamp: Date.now(),
      key: Buffer.from(request.requestId),
      value: Buffer.from(JSON.stringify(request)),
      headers: {},
    };
    const batch = toMskEvent([record, record], source);
    await handler(batch, lambdaContext);
    await handler(batch, lambdaContext);

    const mails = await emulatorMailsTo(request.to);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: LOCAL_MAIL_FROM, subject: `Welcome to Eventline, ${username}` });
    expect(mails[0]!.body.text).toContain(`Hello ${username},`);
    expect(mails[0]!.body.html).toContain(`<p>Hello ${username},</p>`);

    // The ledger in MariaDB holds SES's message id; the outcome on Kafka says the same.
    const entry = await (await mailLedger()).get(request.requestId);
    expect(entry).toMatchObject({ status: 'sent', messageId: mails[0]!.messageId });
    expect(await outcomeOf(request.requestId)).toEqual({
      requestId: request.requestId,
      ref: { kind: 'account', id: username },
      status: 'sent',
      messageId: mails[0]!.messageId,
    });

    // GET /__local/outbox reads the emulator's store in this backend.
    const scheduler: LocalScheduler = { run: () => Promise.reject(new Error('none')), nextRuns: () => new Map(), stop: () => {} };
    const answer = await localAdminRoutes(scheduler)('GET', ['outbox']);
    expect(answer?.statusCode).toBe(200);
    const outbox = (JSON.parse(answer!.body.toString()) as OutboxEntry[]).filter((m) => m.to.includes(request.to));
    expect(outbox).toEqual([
      {
        messageId: mails[0]!.messageId,
        from: LOCAL_MAIL_FROM,
        to: [request.to],
        subject: `Welcome to Eventline, ${username}`,
        text: mails[0]!.body.text,
        html: mails[0]!.body.html,
        sentAt: expect.any(String),
      },
    ]);
  });
});
