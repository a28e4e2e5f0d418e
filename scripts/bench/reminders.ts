/**
 * Reminders timeliness: BENCH_REMINDERS reminders (default 1000) of BENCH_REMINDER_USERS accounts
 * (default 20), due evenly over BENCH_REMINDER_SPREAD_SECONDS (default 120), on the services
 * backend (`npm start` with its own database and topic prefix): the dispatcher runs as in AWS,
 * every minute for a 65 s window (runs overlap), claiming from MariaDB and asking for the mails
 * over Kafka; the mail consumer sends them to the SES emulator. BENCH_REMINDER_WINDOW_SECONDS sets
 * another window (e.g. 55: runs with a 5 s gap between them). Everything is created through the API first
 * (sign-ups, the local admin's happening, the reminders); then, per reminder, from the stores:
 *
 *   requested − remindAt    when the dispatcher handed the mail request over (reminders.requested_at)
 *   to SES − remindAt       when the mail sender took it to SES (mail_ledger.claimed_at), and when
 *                           SES had accepted it (mail_ledger.updated_at)
 *
 * The promise is "never before remindAt, at most 60 s after": every figure must be >= 0 and the
 * largest under 60 s; the outbox must hold exactly one mail per reminder.
 *
 *   npm run bench -- reminders
 */
import type { RowDataPacket } from 'mysql2/promise';
import { startRuntimeProcess } from '../local-runtime/spawn-runtime';
import { benchMain, cleanUpSubject, envNumber, newRunId, openSubjectPool, servicesSubject, sleep } from './bench-env';
import { HttpClient, parseJson } from './http-client';
import { type LatencySummary, summarize } from './stats';

const REMINDERS = envNumber('BENCH_REMINDERS', 1000);
const USERS = envNumber('BENCH_REMINDER_USERS', 20);
const SPREAD_SECONDS = envNumber('BENCH_REMINDER_SPREAD_SECONDS', 120);
/** The promise: handed over at most this long after remindAt. */
const BUDGET_MS = 60_000;
const PASSWORD = 'Bench-reminders-1';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read by the benchmark
type Json = any;

/** Runs `work` over `items` with at most `concurrency` at once. */
async function inParallel<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i] as T, i);
      }
    }),
  );
  return results;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
/** One figure line: percentiles of `samples` (ms), the smallest (never negative), and the largest against the budget. */
const line = (label: string, samples: readonly number[], s: LatencySummary) =>
  `${label.padEnd(28)} p50 ${seconds(s.p50Ms).padStart(8)}  p99 ${seconds(s.p99Ms).padStart(8)}  max ${seconds(s.maxMs).padStart(8)}  min ${seconds(
    samples.length === 0 ? Number.NaN : Math.min(...samples),
  ).padStart(8)}  (n=${s.count})  max/budget ×${(s.maxMs / BUDGET_MS).toFixed(3)}`;

async function main() {
  const run = newRunId();
  const subject = servicesSubject('reminders', run);
  console.log(
    `reminders: ${REMINDERS} reminders of ${USERS} accounts due over ${SPREAD_SECONDS} s, dispatcher window ${process.env.BENCH_REMINDER_WINDOW_SECONDS ?? 'default (65)'} s, database ${subject.database}; starting the runtime…`,
  );
  const window = process.env.BENCH_REMINDER_WINDOW_SECONDS;
  const runtime = await startRuntimeProcess(
    { ...subject.env, ...(window ? { REMINDERS_DISPATCH_WINDOW_SECONDS: window } : {}) },
    180_000,
  );
  const readyAtMs = Date.now();
  const client = new HttpClient(runtime.url, { maxSockets: 16, timeoutMs: 30_000 });
  const pool = await openSubjectPool(subject, 2);
  const call = async (method: string, path: string, body: unknown, token?: string) => {
    const answer = await client.request(
      method,
      path,
      body === undefined ? '' : JSON.stringify(body),
      token ? { authorization: `Bearer ${token}` } : {},
    );
    return { status: answer.status, body: answer.body ? (parseJson(answer.body) as Json) : undefined, error: answer.error };
  };
  try {
    const admin = await call('POST', '/v1/sessions', { username: 'admin', password: 'Local-admin-password-1' });
    const happening = await call(
      'POST',
      '/v1/happenings',
      {
        title: `Benchmark happening ${run}`,
        description: 'Reminders timeliness benchmark.',
        startsAt: new Date(Date.now() + 6 * 3600_000).toISOString(),
        endsAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
        timezone: 'Europe/Warsaw',
        place: { name: 'Rynek Główny 1', lat: 50.0614, lon: 19.9366 },
        topics: ['benchmark'],
      },
      admin.body.accessToken,
    );
    if (happening.status !== 201) throw new Error(`could not create the happening: ${happening.status}`);
    const happeningId = happening.body.id as string;

    const users = Array.from({ length: USERS }, (_, i) => ({
      username: `bench-rem-${run}-${i}`,
      email: `bench-rem-${run}-${i}@example.com`,
    }));
    const tokens = await inParallel(users, 4, async (user) => {
      const signedUp = await call('POST', '/v1/accounts', { ...user, password: PASSWORD });
      if (signedUp.status !== 201) throw new Error(`sign-up of ${user.username} answered ${signedUp.status}`);
      const session = await call('POST', '/v1/sessions', { username: user.username, password: PASSWORD });
      return session.body.accessToken as string;
    });
    console.log(`${USERS} accounts signed up, the happening created; creating ${REMINDERS} reminders…`);

    // Due from 45 s from now (the creation's budget), evenly over the spread; and not before the
    // runtime's first scheduled dispatcher run (a minute after it started) has begun: in AWS the
    // schedule has been running all along, a run just started is not what is measured here.
    const firstDueMs = Math.max(Date.now() + 45_000, readyAtMs + 65_000);
    const created: { id: string; remindAtMs: number }[] = [];
    let retries = 0;
    const creationStarted = Date.now();
    await inParallel(
      Array.from({ length: REMINDERS }, (_, i) => i),
      16,
      async (i) => {
        const remindAt = new Date(firstDueMs + Math.floor((i * SPREAD_SECONDS * 1000) / REMINDERS)).toISOString();
        const token = tokens[i % USERS] as string;
        for (let attempt = 0; ; attempt++) {
          const made = await call('POST', '/v1/reminders', { happeningId, remindAt }, token);
          if (made.status === 201) {
            created.push({ id: made.body.id, remindAtMs: Date.parse(made.body.remindAt) });
            return;
          }
          // The projections (addresses, the happening) may still be on their way.
          if ((made.status === 503 || made.status === 404) && attempt < 100) {
            retries++;
            await sleep(200);
            continue;
          }
          throw new Error(`creating a reminder answered ${made.status}: ${JSON.stringify(made.body)}`);
        }
      },
    );
    const createdBy = Date.now();
    console.log(
      `${created.length} reminders created in ${seconds(createdBy - creationStarted)} (${retries} retries while the projections caught up); first due in ${seconds(firstDueMs - createdBy)}`,
    );
    if (createdBy > firstDueMs) console.log('warning: creation ended after the first reminder was due');

    // Wait until every reminder has its outcome (or well past the promise).
    const deadline = firstDueMs + SPREAD_SECONDS * 1000 + BUDGET_MS + 60_000;
    let statuses: Record<string, number> = {};
    for (;;) {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM reminders GROUP BY status');
      statuses = Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
      const settled = (statuses.sent ?? 0) + (statuses.failed ?? 0) + (statuses.uncertain ?? 0);
      if (settled >= created.length || Date.now() > deadline) break;
      await sleep(2000);
    }
    console.log(`statuses: ${JSON.stringify(statuses)}`);

    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT r.remind_at, r.requested_at, l.claimed_at AS ses_claimed_at, l.updated_at AS ses_settled_at, l.status AS ledger_status
       FROM reminders r LEFT JOIN mail_ledger l ON l.request_id = CONCAT('reminder/', r.id, '/', r.version)`,
    );
    const lag = (row: RowDataPacket, column: string) =>
      row[column] === null ? undefined : (row[column] as Date).getTime() - (row.remind_at as Date).getTime();
    const collect = (column: string) => rows.map((row) => lag(row, column)).filter((v): v is number => v !== undefined);
    const requested = collect('requested_at');
    const toSes = collect('ses_claimed_at');
    const sesAccepted = collect('ses_settled_at');
    const negative = [...requested, ...toSes, ...sesAccepted].filter((ms) => ms < 0).length;
    const overBudget = toSes.filter((ms) => ms > BUDGET_MS).length;
    const neverMailed = rows.filter((row) => row.ses_settled_at === null).length;

    const outbox = (await (await fetch(`${runtime.url}/__local/outbox`)).json()) as { to: string[]; subject: string }[];
    const mine = outbox.filter((m) => m.subject.startsWith('Reminder:') && m.to.some((to) => to.startsWith(`bench-rem-${run}-`)));

    const figures = {
      requested: summarize(requested),
      toSes: summarize(toSes),
      sesAccepted: summarize(sesAccepted),
    };
    console.log('');
    console.log(line('requested − remindAt', requested, figures.requested));
    console.log(line('taken to SES − remindAt', toSes, figures.toSes));
    console.log(line('accepted by SES − remindAt', sesAccepted, figures.sesAccepted));
    console.log(
      `\nnegative (before remindAt): ${negative}; over the 60 s budget: ${overBudget}; never mailed: ${neverMailed}; mails in the outbox: ${mine.length} for ${created.length} reminders (duplicates: ${Math.max(0, mine.length - created.length)})`,
    );
    return {
      reminders: created.length,
      users: USERS,
      spreadSeconds: SPREAD_SECONDS,
      creationSeconds: (createdBy - creationStarted) / 1000,
      statuses,
      figures,
      negative,
      overBudget,
      neverMailed,
      outboxMails: mine.length,
      budgetMs: BUDGET_MS,
      windowSeconds: window ? Number(window) : 65,
    };
  } finally {
    client.close();
    await pool.end();
    await runtime.stop();
    await cleanUpSubject(subject);
  }
}

benchMain('reminders', main);
