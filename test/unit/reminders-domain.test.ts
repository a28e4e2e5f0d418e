/**
 * The reminders domain on the in-memory store: input rules (instants, addresses, the happening,
 * the per-account bound), who sees what, the projections' rules, the mail a reminder asks for,
 * cursors, and the dispatcher's loop in virtual time (never before remindAt, within a poll after
 * it, reminders made during a run, crashed runs' claims, failures).
 */
import { randomUUID } from 'node:crypto';
import type { MailRequest } from '../../lambdas/mail/contract';
import { DomainError, InvalidInput, Unavailable } from '../../lambdas/platform/errors';
import { InMemoryReminderRepository } from '../../lambdas/reminders/adapters/in-memory-reminder-repository';
import {
  CLAIM_LEASE_MS,
  DEFAULT_WINDOW_SECONDS,
  type DispatchSettings,
  dispatchDue,
  dispatchSettings,
  reminderMail,
} from '../../lambdas/reminders/domain/dispatch';
import { applyAccountEvents, applyHappeningChanges, recordOutcomes } from '../../lambdas/reminders/domain/projections';
import {
  type HappeningSnapshot,
  MAX_SCHEDULED_PER_ACCOUNT,
  mailRequestIdOf,
  parseInstant,
  parseMailRequestId,
  type Reminder,
  viewOf,
} from '../../lambdas/reminders/domain/reminder';
import {
  addressesOf,
  createReminder,
  decodeCursor,
  deleteReminder,
  encodeCursor,
  getReminder,
  type Owner,
  updateReminder,
} from '../../lambdas/reminders/domain/reminders';
import type { ReminderRepository } from '../../lambdas/reminders/domain/repository';

const NOW = new Date('2031-03-01T10:00:00.000Z');
const T = NOW.getTime();
const MIN = 60_000;
const ann: Owner = { username: 'ann', sub: 'sub-ann' };
const bob: Owner = { username: 'bob', sub: 'sub-bob' };

const happening = (overrides: Partial<HappeningSnapshot> = {}): HappeningSnapshot => ({
  id: randomUUID(),
  version: 1,
  deleted: false,
  title: 'Kraków meetup',
  startsAtMs: T + 24 * 60 * MIN,
  endsAtMs: T + 26 * 60 * MIN,
  timezone: 'Europe/Warsaw',
  placeName: 'Rynek Główny 1',
  ...overrides,
});

/** The kind of a domain error a promise rejects with. */
async function kindOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.kind : `other: ${(error as Error).message}`;
  }
}

async function setUp() {
  const repo = new InMemoryReminderRepository();
  const h = happening();
  await repo.applyHappening(h, T);
  await repo.applyAddresses('ann', ['ann@example.com', 'work@example.com'], T);
  await repo.applyAddresses('bob', ['bob@example.com'], T);
  return { repo, h };
}

describe('instants', () => {
  it.each([
    ['2031-03-01T10:00:00Z', Date.UTC(2031, 2, 1, 10)],
    ['2031-03-01T12:00:00+02:00', Date.UTC(2031, 2, 1, 10)],
    ['2031-03-01T10:00Z', Date.UTC(2031, 2, 1, 10)],
    ['2031-03-01T10:00:00.5Z', Date.UTC(2031, 2, 1, 10, 0, 0, 500)],
  ])('reads %s', (text, ms) => expect(parseInstant(text)).toBe(ms));

  it.each([
    ['2031-03-01T10:00:00', 'offset'],
    ['2031-03-01', 'offset'],
    ['2031-02-30T10:00:00Z', 'calendar'],
    ['2031-03-01T24:00:00Z', 'calendar'],
    ['2031-03-01T10:00:00.1234Z', 'offset'],
    ['2031-03-01T10:00:00+24:00', 'out of range'],
    ['1999-12-31T23:59:59Z', '2000 until 2199'],
    ['2200-01-01T00:00:00Z', '2000 until 2199'],
  ])('refuses %s', (text, why) => expect(String(parseInstant(text))).toContain(why));
});

describe('mail request ids', () => {
  it('name the reminder and its version, and are read back', () => {
    const id = randomUUID();
    expect(mailRequestIdOf({ id, version: 3 })).toBe(`reminder/${id}/3`);
    expect(parseMailRequestId(`reminder/${id}/3`)).toEqual({ id, version: 3 });
    for (const other of [
      `welcome/${id}`,
      `reminder/${id}`,
      `reminder/${id}/0`,
      `reminder/${id}/x`,
      `reminder/${id.toUpperCase()}/1`,
    ]) {
      expect(parseMailRequestId(other)).toBeUndefined();
    }
  });
});

describe("the account's addresses", () => {
  it('are unavailable (retry shortly) while unknown, gone for the deleted user, the list otherwise', () => {
    const unknown = (() => {
      try {
        addressesOf(undefined, ann);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toBeInstanceOf(Unavailable);
    expect((unknown as Unavailable).retryAfterSeconds).toBeGreaterThan(0);
    const deleted = { username: 'ann', addresses: [], deletedSub: 'sub-ann', atMs: T };
    expect(() => addressesOf(deleted, ann)).toThrow('no longer exists');
    // A new account of the same name whose addresses are on their way.
    expect(() => addressesOf(deleted, { username: 'ann', sub: 'sub-new' })).toThrow(Unavailable);
    const reused = { ...deleted, addresses: ['new@example.com'] };
    expect(addressesOf(reused, { username: 'ann', sub: 'sub-new' })).toEqual(['new@example.com']);
    expect(() => addressesOf(reused, ann)).toThrow('no longer exists');
  });
});

describe('creating a reminder', () => {
  it("goes to the primary address by default, or to another of the account's (any case)", async () => {
    const { repo, h } = await setUp();
    const first = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID);
    expect(first).toMatchObject({ username: 'ann', email: 'ann@example.com', status: 'scheduled', version: 1 });
    expect(first.startsAtWhenMadeMs).toBe(h.startsAtMs);
    const second = await createReminder(
      repo,
      ann,
      { happeningId: h.id, remindAtMs: T + MIN, email: ' WORK@Example.com ' },
      NOW,
      randomUUID,
    );
    expect(second.email).toBe('work@example.com');
    expect(viewOf(second)).toEqual({
      id: second.id,
      happeningId: h.id,
      remindAt: new Date(T + MIN).toISOString(),
      email: 'work@example.com',
      status: 'scheduled',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
  });

  it("refuses an address that is not the account's, a past time and a time after the happening, naming each field", async () => {
    const { repo, h } = await setUp();
    const attempt = createReminder(repo, ann, { happeningId: h.id, remindAtMs: T, email: 'bob@example.com' }, NOW, randomUUID);
    await expect(attempt).rejects.toBeInstanceOf(InvalidInput);
    const error = (await attempt.catch((e) => e)) as InvalidInput;
    expect(error.problems.map((p) => p.path)).toEqual(['body.remindAt', 'body.email']);
    const late = (await createReminder(repo, ann, { happeningId: h.id, remindAtMs: h.endsAtMs + 1 }, NOW, randomUUID).catch(
      (e) => e,
    )) as InvalidInput;
    expect(late.problems[0]?.message).toContain('before the happening ends');
    expect(await kindOf(createReminder(repo, ann, { happeningId: h.id, remindAtMs: h.endsAtMs }, NOW, randomUUID))).toBe(
      'resolved',
    );
  });

  it('answers not found for an unknown or deleted happening, unavailable while the addresses are unknown', async () => {
    const { repo, h } = await setUp();
    expect(await kindOf(createReminder(repo, ann, { happeningId: randomUUID(), remindAtMs: T + MIN }, NOW, randomUUID))).toBe(
      'not-found',
    );
    const gone = happening();
    await repo.applyHappening({ ...gone, version: 2, deleted: true }, T);
    expect(await kindOf(createReminder(repo, ann, { happeningId: gone.id, remindAtMs: T + MIN }, NOW, randomUUID))).toBe(
      'not-found',
    );
    const newcomer = { username: 'cy', sub: 'sub-cy' };
    expect(await kindOf(createReminder(repo, newcomer, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID))).toBe(
      'unavailable',
    );
    await repo.applyAccountDeleted('bob', 'sub-bob', T + 1);
    expect(await kindOf(createReminder(repo, bob, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID))).toBe(
      'not-found',
    );
  });

  it(`bounds an account's scheduled reminders at ${MAX_SCHEDULED_PER_ACCOUNT}`, async () => {
    const { repo, h } = await setUp();
    for (let i = 0; i < MAX_SCHEDULED_PER_ACCOUNT; i++) {
      await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + MIN + i }, NOW, randomUUID);
    }
    expect(await kindOf(createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID))).toBe('conflict');
    expect(await kindOf(createReminder(repo, bob, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID))).toBe('resolved');
  });
});

describe('reading, changing and deleting', () => {
  it("shows a reminder to its owner only; someone else's is not found", async () => {
    const { repo, h } = await setUp();
    const mine = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID);
    expect(await getReminder(repo, ann, mine.id)).toEqual(mine);
    expect(await kindOf(getReminder(repo, bob, mine.id))).toBe('not-found');
    expect(await kindOf(updateReminder(repo, bob, mine.id, { remindAtMs: T + 2 * MIN }, NOW))).toBe('not-found');
    expect(await kindOf(deleteReminder(repo, bob, mine.id))).toBe('not-found');
    await deleteReminder(repo, ann, mine.id);
    expect(await kindOf(getReminder(repo, ann, mine.id))).toBe('not-found');
  });

  it('reschedules and retargets a scheduled reminder, one version on; refuses once it is no longer scheduled', async () => {
    const { repo, h } = await setUp();
    const mine = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID);
    const later = new Date(T + 1000);
    const changed = await updateReminder(repo, ann, mine.id, { remindAtMs: T + 5 * MIN, email: 'work@example.com' }, later);
    expect(changed).toMatchObject({ remindAtMs: T + 5 * MIN, email: 'work@example.com', version: 2, updatedAtMs: T + 1000 });
    const onlyEmail = await updateReminder(repo, ann, mine.id, { email: 'ann@example.com' }, later);
    expect(onlyEmail).toMatchObject({ remindAtMs: T + 5 * MIN, email: 'ann@example.com', version: 3 });
    expect(await kindOf(updateReminder(repo, ann, mine.id, { email: 'x@example.com' }, later))).toBe('invalid');
    expect(await kindOf(updateReminder(repo, ann, mine.id, { remindAtMs: T }, later))).toBe('invalid');
    await repo.claimDue(T + 6 * MIN, CLAIM_LEASE_MS, 10);
    expect(await kindOf(updateReminder(repo, ann, mine.id, { remindAtMs: T + 7 * MIN }, later))).toBe('conflict');
  });
});

describe('cursors', () => {
  it('round-trip a position and refuse anything else', () => {
    const position = { remindAtMs: T, id: randomUUID() };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    for (const bad of [
      '',
      'not base64!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from('[1.5,"x"]').toString('base64url'),
    ]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });
});

describe('projections', () => {
  it('keep addresses in event order, and a deletion removes the reminders', async () => {
    const { repo, h } = await setUp();
    const r = await createReminder(
      repo,
      ann,
      { happeningId: h.id, remindAtMs: T + MIN, email: 'work@example.com' },
      NOW,
      randomUUID,
    );
    const at = (ms: number) => new Date(T + ms).toISOString();
    const summary = await applyAccountEvents(repo, [
      { type: 'addresses', username: 'ann', addresses: ['ANN@example.com'], at: at(10) },
      { type: 'addresses', username: 'ann', addresses: ['stale@example.com'], at: at(5) },
    ]);
    expect(summary).toEqual({ applied: 1, ignored: 1, retargeted: 1, removed: 0 });
    expect((await repo.account('ann'))?.addresses).toEqual(['ann@example.com']);
    expect((await getReminder(repo, ann, r.id)).email).toBe('ann@example.com');
    expect(await applyAccountEvents(repo, [{ type: 'deleted', username: 'ann', sub: 'sub-ann', at: at(20) }])).toMatchObject({
      removed: 1,
    });
  });

  it('keep the newest happening version of a batch; a delete cancels the scheduled reminders', async () => {
    const { repo, h } = await setUp();
    const r = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID);
    const record = (version: number, deleted = false) => ({
      id: h.id,
      version,
      deleted,
      title: `v${version}`,
      startsAt: new Date(h.startsAtMs).toISOString(),
      endsAt: new Date(h.endsAtMs).toISOString(),
      timezone: h.timezone,
      placeName: h.placeName,
    });
    expect(await applyHappeningChanges(repo, [record(3, true), record(2)], NOW)).toEqual({
      applied: 1,
      ignored: 1,
      cancelled: 1,
    });
    expect(await getReminder(repo, ann, r.id)).toMatchObject({ status: 'cancelled' });
    expect(await applyHappeningChanges(repo, [record(2)], NOW)).toEqual({ applied: 0, ignored: 1, cancelled: 0 });
  });

  it("record reminder mails' outcomes, and nothing of other mails", async () => {
    const { repo, h } = await setUp();
    const r = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + MIN }, NOW, randomUUID);
    const claim = await repo.claimDue(T + MIN, CLAIM_LEASE_MS, 10);
    await repo.markRequested([r.id], claim.claimedAtMs, T + MIN);
    const summary = await recordOutcomes(
      repo,
      [
        { requestId: 'welcome/sub-ann', ref: { kind: 'account', id: 'ann' }, status: 'sent' },
        { requestId: mailRequestIdOf(r), ref: { kind: 'reminder', id: randomUUID() }, status: 'sent' },
        { requestId: mailRequestIdOf({ ...r, version: 2 }), ref: { kind: 'reminder', id: r.id }, status: 'sent' },
        { requestId: mailRequestIdOf(r), ref: { kind: 'reminder', id: r.id }, status: 'failed', reason: 'MessageRejected' },
      ],
      NOW,
    );
    expect(summary).toEqual({ sent: 0, failed: 1, uncertain: 0, ignored: 3 });
    expect(await getReminder(repo, ann, r.id)).toMatchObject({ status: 'failed', reason: 'MessageRejected' });
  });
});

describe('the mail of a reminder', () => {
  it("carries the happening's current title, start, zone and place, and movedFrom only when it moved", () => {
    const h = happening();
    const reminder: Reminder = {
      id: randomUUID(),
      username: 'ann',
      happeningId: h.id,
      remindAtMs: T,
      email: 'ann@example.com',
      status: 'dispatching',
      version: 2,
      startsAtWhenMadeMs: h.startsAtMs,
      claimedAtMs: T,
      requestedAtMs: null,
      reason: null,
      createdAtMs: T,
      updatedAtMs: T,
    };
    expect(reminderMail(reminder, h)).toEqual({
      requestId: `reminder/${reminder.id}/2`,
      template: 'reminder',
      to: 'ann@example.com',
      ref: { kind: 'reminder', id: reminder.id },
      data: {
        title: 'Kraków meetup',
        startsAt: new Date(h.startsAtMs).toISOString(),
        timeZone: 'Europe/Warsaw',
        place: 'Rynek Główny 1',
      },
    });
    const moved = { ...h, version: 2, title: 'Kraków meetup (moved)', startsAtMs: h.startsAtMs + 60 * MIN };
    expect(reminderMail(reminder, moved).data).toEqual({
      title: 'Kraków meetup (moved)',
      startsAt: new Date(moved.startsAtMs).toISOString(),
      timeZone: 'Europe/Warsaw',
      place: 'Rynek Główny 1',
      movedFrom: new Date(h.startsAtMs).toISOString(),
    });
  });
});

describe('dispatch settings', () => {
  it(`run ${DEFAULT_WINDOW_SECONDS} s by default, as the environment says, never past the limit`, () => {
    expect(dispatchSettings({}, 78_000)).toMatchObject({ windowMs: DEFAULT_WINDOW_SECONDS * 1000, pollMs: 1000 });
    expect(dispatchSettings({ REMINDERS_DISPATCH_WINDOW_SECONDS: '2.5' }, 78_000).windowMs).toBe(2500);
    expect(dispatchSettings({ REMINDERS_DISPATCH_WINDOW_SECONDS: '600' }, 78_000).windowMs).toBe(78_000);
    for (const bad of ['0', '-1', 'soon']) {
      expect(() => dispatchSettings({ REMINDERS_DISPATCH_WINDOW_SECONDS: bad }, 78_000)).toThrow('positive number');
    }
  });
});

/** Virtual time: sleeping moves the clock; `at` runs a step when the clock passes a time. */
class VirtualTime {
  private steps: { atMs: number; run: () => Promise<void> }[] = [];
  constructor(public nowMs: number) {}
  readonly clock = { now: () => new Date(this.nowMs) };
  at(atMs: number, run: () => Promise<void>): void {
    this.steps.push({ atMs, run });
  }
  readonly sleep = async (ms: number): Promise<void> => {
    this.nowMs += ms;
    const due = this.steps.filter((s) => s.atMs <= this.nowMs);
    this.steps = this.steps.filter((s) => s.atMs > this.nowMs);
    for (const step of due) await step.run();
  };
}

const settings: DispatchSettings = { windowMs: 55_000, pollMs: 1000, batchSize: 3, leaseMs: CLAIM_LEASE_MS };

interface Requested {
  readonly request: MailRequest;
  readonly atMs: number;
}

function recorder(time: VirtualTime) {
  const requested: Requested[] = [];
  return {
    requested,
    requestMail: async (request: MailRequest) => {
      requested.push({ request, atMs: time.nowMs });
    },
  };
}

describe('the dispatcher (virtual time)', () => {
  it('requests each due reminder once, never before its remindAt and at most a poll after, oldest first', async () => {
    const { repo, h } = await setUp();
    const time = new VirtualTime(T);
    const offsets = [0, 1, 250, 999, 1000, 1500, 7000, 7000, 7000, 7000, 7001, 30_000, 54_999];
    const made = new Map<string, number>();
    for (const offset of offsets) {
      const r = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + 1 + offset }, new Date(T), randomUUID);
      made.set(mailRequestIdOf(r), r.remindAtMs);
    }
    const { requested, requestMail } = recorder(time);
    const lags: number[] = [];
    const summary = await dispatchDue(
      { repository: repo, requestMail, clock: time.clock, sleep: time.sleep, onRequested: (_r, lag) => lags.push(lag) },
      settings,
    );
    expect(requested.map((r) => r.request.requestId).sort()).toEqual([...made.keys()].sort());
    for (const { request, atMs } of requested) {
      const remindAtMs = made.get(request.requestId) as number;
      expect(atMs).toBeGreaterThanOrEqual(remindAtMs);
      expect(atMs - remindAtMs).toBeLessThanOrEqual(1);
    }
    expect(lags.every((lag) => lag >= 0 && lag <= 1)).toBe(true);
    expect(summary).toMatchObject({ requested: offsets.length, errors: 0, cancelled: 0 });
    expect((await repo.list('ann', 100)).items.every((r) => r.status === 'requested')).toBe(true);
    expect(time.nowMs - T).toBeGreaterThanOrEqual(settings.windowMs);
  });

  it('sees reminders made and rescheduled during its run within a poll', async () => {
    const { repo, h } = await setUp();
    const time = new VirtualTime(T);
    const early = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + 40_000 }, new Date(T), randomUUID);
    let made: Reminder | undefined;
    time.at(T + 10_500, async () => {
      made = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: time.nowMs + 200 }, time.clock.now(), randomUUID);
      await updateReminder(repo, ann, early.id, { remindAtMs: T + 20_000 }, time.clock.now());
    });
    const { requested, requestMail } = recorder(time);
    await dispatchDue({ repository: repo, requestMail, clock: time.clock, sleep: time.sleep }, settings);
    const byId = new Map(requested.map((r) => [r.request.requestId, r.atMs]));
    const { remindAtMs } = made as Reminder;
    const madeAt = byId.get(mailRequestIdOf(made as Reminder)) as number;
    expect(madeAt).toBeGreaterThanOrEqual(remindAtMs);
    expect(madeAt - remindAtMs).toBeLessThanOrEqual(1000);
    const earlyAt = byId.get(mailRequestIdOf({ id: early.id, version: 2 })) as number;
    expect(earlyAt - (T + 20_000)).toBeGreaterThanOrEqual(0);
    expect(earlyAt - (T + 20_000)).toBeLessThanOrEqual(1000);
    expect(requested).toHaveLength(2);
  });

  it("takes a crashed run's claim after the lease and requests it once, with the same request id", async () => {
    const { repo, h } = await setUp();
    const r = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + 1000 }, new Date(T), randomUUID);
    // A run claimed it at T + 1 s and died before asking for the mail.
    await repo.claimDue(T + 1000, CLAIM_LEASE_MS, 10);
    const time = new VirtualTime(T + 2000);
    const { requested, requestMail } = recorder(time);
    await dispatchDue({ repository: repo, requestMail, clock: time.clock, sleep: time.sleep }, settings);
    expect(requested.map((x) => x.request.requestId)).toEqual([mailRequestIdOf(r)]);
    expect(requested[0]?.atMs).toBeGreaterThanOrEqual(T + 1000 + CLAIM_LEASE_MS);
    expect(requested[0]?.atMs).toBeLessThanOrEqual(T + 1000 + CLAIM_LEASE_MS + 1000);
    expect(await getReminder(repo, ann, r.id)).toMatchObject({ status: 'requested' });
  });

  it('asks again with the same request id when a run died after asking (the mail ledger then mails it once)', async () => {
    const { repo, h } = await setUp();
    const r = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + 1000 }, new Date(T), randomUUID);
    const time = new VirtualTime(T);
    const { requested, requestMail } = recorder(time);
    // The first run asks for the mail, then cannot record it (its store went away, or it died).
    const crashing: ReminderRepository = Object.assign(Object.create(repo), {
      markRequested: async () => {
        throw new Error('connection lost');
      },
    });
    await dispatchDue(
      { repository: crashing, requestMail, clock: time.clock, sleep: time.sleep },
      { ...settings, windowMs: 5000 },
    );
    expect(await getReminder(repo, ann, r.id)).toMatchObject({ status: 'dispatching' });
    await dispatchDue({ repository: repo, requestMail, clock: time.clock, sleep: time.sleep }, { ...settings, windowMs: 40_000 });
    expect(requested.map((x) => x.request.requestId)).toEqual([mailRequestIdOf(r), mailRequestIdOf(r)]);
    expect(await getReminder(repo, ann, r.id)).toMatchObject({ status: 'requested' });
  });

  it('gives claims back when the bus refuses, fails a request the mail refuses, cancels when the happening is gone', async () => {
    const { repo, h } = await setUp();
    const gone = happening();
    await repo.applyHappening(gone, T);
    const ok = await createReminder(repo, ann, { happeningId: h.id, remindAtMs: T + 1000 }, new Date(T), randomUUID);
    const refused = await createReminder(repo, bob, { happeningId: h.id, remindAtMs: T + 1000 }, new Date(T), randomUUID);
    const orphan = await createReminder(repo, ann, { happeningId: gone.id, remindAtMs: T + 1000 }, new Date(T), randomUUID);
    const time = new VirtualTime(T + 1000);
    let busDown = true;
    const requested: string[] = [];
    const requestMail = async (request: MailRequest) => {
      if (request.to === 'bob@example.com')
        throw new InvalidInput('the mail request is invalid', [{ path: 'mail.to', message: 'x' }]);
      if (busDown) throw new Unavailable('Kafka is down');
      requested.push(request.requestId);
    };
    time.at(T + 3500, async () => {
      busDown = false;
    });
    const realClaim = repo.claimDue.bind(repo);
    const claiming: ReminderRepository = Object.assign(Object.create(repo), {
      claimDue: async (nowMs: number, leaseMs: number, limit: number) => {
        const claim = await realClaim(nowMs, leaseMs, limit);
        // The happening's delete arrives between claim and request.
        if (claim.reminders.some((c) => c.reminder.id === orphan.id))
          await repo.applyHappening({ ...gone, version: 2, deleted: true }, nowMs);
        return {
          ...claim,
          reminders: claim.reminders.map((c) =>
            c.reminder.id === orphan.id ? { ...c, happening: { ...gone, deleted: true } } : c,
          ),
        };
      },
    });
    const summary = await dispatchDue(
      { repository: claiming, requestMail, clock: time.clock, sleep: time.sleep },
      { ...settings, windowMs: 10_000 },
    );
    expect(requested).toEqual([mailRequestIdOf(ok)]);
    expect(summary).toMatchObject({ requested: 1, failed: 1, cancelled: 1 });
    expect(summary.errors).toBeGreaterThan(0);
    expect(summary.released).toBeGreaterThan(0);
    expect(await getReminder(repo, ann, ok.id)).toMatchObject({ status: 'requested' });
    expect(await getReminder(repo, bob, refused.id)).toMatchObject({ status: 'failed', reason: 'the mail request is invalid' });
    expect(await getReminder(repo, ann, orphan.id)).toMatchObject({ status: 'cancelled', reason: 'the happening was deleted' });
  });

  it('fails a run in which the store never answered', async () => {
    const { repo } = await setUp();
    const time = new VirtualTime(T);
    const down: ReminderRepository = Object.assign(Object.create(repo), {
      claimDue: async () => {
        throw new Unavailable('database unreachable');
      },
    });
    await expect(
      dispatchDue({ repository: down, requestMail: async () => undefined, clock: time.clock, sleep: time.sleep }, settings),
    ).rejects.toThrow('database unreachable');
  });
});
