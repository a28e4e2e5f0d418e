/**
 * The dispatcher on MySQL (MariaDB), in real time: two runs at once over two connection pools
 * (as two overlapping scheduled invocations would be) request every due reminder exactly once,
 * never before its remindAt and within a poll after it; a run that died after claiming has its
 * reminders requested by the next run once the lease is over, with the same request id.
 */
import { randomUUID } from 'node:crypto';
import type { MailRequest } from '../../lambdas/mail/contract';
import type { Clock } from '../../lambdas/platform/clock/clock';
import { localServices } from '../../lambdas/platform/config';
import { createPool, type Pool } from '../../lambdas/platform/sql/pool';
import { MySqlReminderRepository } from '../../lambdas/reminders/adapters/mysql-reminder-repository';
import { type DispatchSettings, dispatchDue } from '../../lambdas/reminders/domain/dispatch';
import { mailRequestIdOf } from '../../lambdas/reminders/domain/reminder';
import { temporaryDatabase } from '../support/mariadb';

const settings = (windowMs: number): DispatchSettings => ({ windowMs, pollMs: 1000, batchSize: 5, leaseMs: 30_000 });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('reminders dispatcher on MySQL', () => {
  let db: Awaited<ReturnType<typeof temporaryDatabase>>;
  let second: Pool;
  let one: MySqlReminderRepository;
  let two: MySqlReminderRepository;
  const happeningId = randomUUID();
  beforeAll(async () => {
    db = await temporaryDatabase('reminders_dispatch');
    const { host, port, user, password } = localServices().mysql;
    second = createPool({ host, port, user, password, database: db.name, connectionLimit: 4 });
    one = new MySqlReminderRepository(db.pool);
    two = new MySqlReminderRepository(second);
    const now = Date.now();
    await one.applyAddresses('ann', ['ann@example.com'], now);
    await one.applyHappening(
      {
        id: happeningId,
        version: 1,
        deleted: false,
        title: 'Kraków meetup',
        startsAtMs: now + 86_400_000,
        endsAtMs: now + 90_000_000,
        timezone: 'Europe/Warsaw',
        placeName: 'Rynek Główny 1',
      },
      now,
    );
  });
  afterAll(async () => {
    await second?.end();
    await db?.drop();
  });

  async function schedule(remindAtMs: number) {
    const nowMs = Date.now();
    return one.create('ann', happeningId, () => ({
      id: randomUUID(),
      username: 'ann',
      happeningId,
      remindAtMs,
      email: 'ann@example.com',
      status: 'scheduled',
      version: 1,
      startsAtWhenMadeMs: nowMs + 86_400_000,
      claimedAtMs: null,
      requestedAtMs: null,
      reason: null,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    }));
  }

  it('two runs at once request every due reminder exactly once, never before remindAt, within a poll after', async () => {
    const start = Date.now() + 500;
    const due = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const r = await schedule(start + (i % 20) * 100);
      due.set(mailRequestIdOf(r), r.remindAtMs);
    }
    const requested: { requestId: string; atMs: number; run: number }[] = [];
    const run = (repository: MySqlReminderRepository, n: number) =>
      dispatchDue(
        {
          repository,
          requestMail: async (request: MailRequest) => {
            requested.push({ requestId: request.requestId, atMs: Date.now(), run: n });
          },
          clock: { now: () => new Date() },
          sleep,
        },
        settings(4000),
      );
    const [a, b] = await Promise.all([run(one, 1), run(two, 2)]);
    expect(a.requested + b.requested).toBe(60);
    expect(requested.map((r) => r.requestId).sort()).toEqual([...due.keys()].sort());
    for (const { requestId, atMs } of requested) {
      const remindAtMs = due.get(requestId) as number;
      expect(atMs).toBeGreaterThanOrEqual(remindAtMs);
      expect(atMs - remindAtMs).toBeLessThan(1000);
    }
    // Both runs took part (each claimed some), neither took what the other held.
    expect(new Set(requested.map((r) => r.run))).toEqual(new Set([1, 2]));
    expect((await one.list('ann', 100)).items.every((r) => r.status === 'requested')).toBe(true);
  }, 30_000);

  it("requests a dead run's claim once after the lease, with the same request id", async () => {
    const r = await schedule(Date.now() + 50);
    await sleep(100);
    const claim = await one.claimDue(Date.now(), 30_000, 10);
    expect(claim.reminders.map((c) => c.reminder.id)).toEqual([r.id]);
    const requested: string[] = [];
    const ports = (clock: Clock) => ({
      repository: two,
      requestMail: async (request: MailRequest) => {
        requested.push(request.requestId);
      },
      clock,
      sleep,
    });
    // Within the lease: nobody takes it.
    await dispatchDue(ports({ now: () => new Date() }), settings(1200));
    expect(requested).toEqual([]);
    // After it (the clock of a run 31 s later): taken again, asked for once.
    await dispatchDue(ports({ now: () => new Date(Date.now() + 31_000) }), settings(1200));
    expect(requested).toEqual([mailRequestIdOf(r)]);
    expect(await one.get('ann', r.id)).toMatchObject({ status: 'requested' });
  }, 30_000);
});
