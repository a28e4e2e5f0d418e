/**
 * One contract for the reminders store, run against MySQL (a fresh migrated database on the local
 * MariaDB) and the in-memory adapter of the embedded backend: the owner's reminders, the two
 * projections (accounts' addresses, happenings) and the dispatcher's claims — including claims
 * made at the same time from two connections pools (MySQL) never taking one reminder twice.
 */
import { randomUUID } from 'node:crypto';
import { localServices } from '../../lambdas/platform/config';
import { createPool, type Pool } from '../../lambdas/platform/sql/pool';
import { InMemoryReminderRepository } from '../../lambdas/reminders/adapters/in-memory-reminder-repository';
import { MySqlReminderRepository } from '../../lambdas/reminders/adapters/mysql-reminder-repository';
import { type HappeningSnapshot, MAX_REASON_LENGTH, type Reminder } from '../../lambdas/reminders/domain/reminder';
import type { ReminderContext, ReminderRepository } from '../../lambdas/reminders/domain/repository';
import { temporaryDatabase } from '../support/mariadb';

const T0 = Date.UTC(2031, 2, 1, 10, 0, 0, 123);
const MIN = 60_000;
const LEASE = 30_000;

interface Subject {
  /** The store under test. */
  readonly repository: ReminderRepository;
  /** A second handle on the same store (MySQL: another pool, so claims truly run side by side). */
  readonly other: ReminderRepository;
  readonly reset: () => Promise<void>;
  readonly close: () => Promise<void>;
}

const happening = (overrides: Partial<HappeningSnapshot> = {}): HappeningSnapshot => ({
  id: randomUUID(),
  version: 1,
  deleted: false,
  title: 'Kraków meetup',
  startsAtMs: T0 + 24 * 60 * MIN,
  endsAtMs: T0 + 26 * 60 * MIN,
  timezone: 'Europe/Warsaw',
  placeName: 'Rynek Główny 1',
  ...overrides,
});

const reminderFor = (username: string, h: HappeningSnapshot, overrides: Partial<Reminder> = {}): Reminder => ({
  id: randomUUID(),
  username,
  happeningId: h.id,
  remindAtMs: T0 + 10 * MIN,
  email: `${username.trim().toLowerCase() || 'x'}@example.com`,
  status: 'scheduled',
  version: 1,
  startsAtWhenMadeMs: h.startsAtMs,
  claimedAtMs: null,
  requestedAtMs: null,
  reason: null,
  createdAtMs: T0,
  updatedAtMs: T0,
  ...overrides,
});

function describeReminderRepository(name: string, open: () => Promise<Subject>) {
  describe(`ReminderRepository contract: ${name}`, () => {
    let subject: Subject;
    let repo: ReminderRepository;
    beforeAll(async () => {
      subject = await open();
    });
    beforeEach(async () => {
      await subject.reset();
      repo = subject.repository;
    });
    afterAll(() => subject?.close());

    /** An account with addresses and a happening, and a stored reminder of it. */
    async function stored(username: string, h = happening(), overrides: Partial<Reminder> = {}): Promise<Reminder> {
      if (!(await repo.account(username))) await repo.applyAddresses(username, [`${username}@example.com`], T0);
      if (!(await repo.happening(h.id))) await repo.applyHappening(h, T0);
      return repo.create(username, h.id, () => reminderFor(username, h, overrides));
    }

    describe('accounts projection', () => {
      it('keeps the addresses of the newest event; an older one changes nothing', async () => {
        expect(await repo.account('ann')).toBeUndefined();
        expect(await repo.applyAddresses('ann', ['ann@example.com', 'work@example.com'], T0 + 10)).toEqual({
          applied: true,
          retargeted: 0,
        });
        expect(await repo.applyAddresses('ann', ['old@example.com'], T0 + 5)).toEqual({ applied: false, retargeted: 0 });
        expect(await repo.applyAddresses('ann', ['ann@example.com', 'work@example.com'], T0 + 10)).toMatchObject({
          applied: true,
        });
        expect(await repo.account('ann')).toEqual({
          username: 'ann',
          addresses: ['ann@example.com', 'work@example.com'],
          deletedSub: null,
          atMs: T0 + 10,
        });
      });

      it('keeps accounts apart, trailing spaces and case included', async () => {
        await repo.applyAddresses('bob', ['a@example.com'], T0);
        await repo.applyAddresses('bob ', ['b@example.com'], T0);
        await repo.applyAddresses('Bob', ['c@example.com'], T0);
        expect((await repo.account('bob'))?.addresses).toEqual(['a@example.com']);
        expect((await repo.account('bob '))?.addresses).toEqual(['b@example.com']);
        expect((await repo.account('Bob'))?.addresses).toEqual(['c@example.com']);
      });

      it("a deletion removes the account's reminders (every status) and addresses, and remembers the sub", async () => {
        const h = happening();
        const a = await stored('cy', h);
        const b = await stored('cy', h, { status: 'sent' });
        const other = await stored('cy2', h);
        expect(await repo.applyAccountDeleted('cy', 'sub-cy', T0 + 100)).toEqual({ applied: true, removed: 2 });
        expect(await repo.get('cy', a.id)).toBeUndefined();
        expect(await repo.get('cy', b.id)).toBeUndefined();
        expect(await repo.get('cy2', other.id)).toEqual(other);
        expect(await repo.account('cy')).toEqual({ username: 'cy', addresses: [], deletedSub: 'sub-cy', atMs: T0 + 100 });
        // A late, older addresses event does not bring the addresses back.
        expect(await repo.applyAddresses('cy', ['cy@example.com'], T0 + 50)).toMatchObject({ applied: false });
        // A new account of the same name (a newer event) has addresses again; the old sub stays known.
        await repo.applyAddresses('cy', ['new@example.com'], T0 + 200);
        expect(await repo.account('cy')).toEqual({
          username: 'cy',
          addresses: ['new@example.com'],
          deletedSub: 'sub-cy',
          atMs: T0 + 200,
        });
        expect(await repo.applyAccountDeleted('cy', 'sub-old', T0 + 150)).toEqual({ applied: false, removed: 0 });
      });

      it('retargets scheduled reminders whose address the account gave up to the primary, one version on', async () => {
        await repo.applyAddresses('dee', ['dee@example.com', 'work@example.com'], T0);
        const h = happening();
        const toWork = await stored('dee', h, { email: 'work@example.com' });
        const toPrimary = await stored('dee', h, { email: 'dee@example.com' });
        const sent = await stored('dee', h, { email: 'work@example.com', status: 'sent' });
        expect(await repo.applyAddresses('dee', ['new@example.com'], T0 + 10)).toEqual({ applied: true, retargeted: 2 });
        expect(await repo.get('dee', toWork.id)).toMatchObject({ email: 'new@example.com', version: 2, updatedAtMs: T0 + 10 });
        expect(await repo.get('dee', toPrimary.id)).toMatchObject({ email: 'new@example.com', version: 2 });
        expect(await repo.get('dee', sent.id)).toEqual(sent);
        expect(await repo.applyAddresses('dee', ['new@example.com', 'work@example.com'], T0 + 20)).toEqual({
          applied: true,
          retargeted: 0,
        });
      });
    });

    describe('happenings projection', () => {
      it('keeps the newest version, whatever order they come in', async () => {
        const v1 = happening();
        expect(await repo.applyHappening(v1, T0)).toEqual({ applied: true, cancelled: 0 });
        expect(await repo.applyHappening(v1, T0)).toEqual({ applied: false, cancelled: 0 });
        const v3 = { ...v1, version: 3, title: 'Moved meetup', startsAtMs: v1.startsAtMs + 60 * MIN };
        expect(await repo.applyHappening(v3, T0)).toMatchObject({ applied: true });
        expect(await repo.applyHappening({ ...v1, version: 2, title: 'stale' }, T0)).toMatchObject({ applied: false });
        expect(await repo.happening(v1.id)).toEqual(v3);
        expect(await repo.happening(randomUUID())).toBeUndefined();
      });

      it("a delete cancels the happening's scheduled reminders only, and stays (an older change cannot undo it)", async () => {
        const h = happening();
        const scheduled = await stored('eve', h);
        const requested = await stored('eve', h, { status: 'requested' });
        const elsewhere = await stored('eve', happening());
        const deleted = { ...h, version: 2, deleted: true };
        expect(await repo.applyHappening(deleted, T0 + 5)).toEqual({ applied: true, cancelled: 1 });
        expect(await repo.get('eve', scheduled.id)).toMatchObject({
          status: 'cancelled',
          reason: 'the happening was deleted',
          updatedAtMs: T0 + 5,
        });
        expect(await repo.get('eve', requested.id)).toEqual(requested);
        expect(await repo.get('eve', elsewhere.id)).toEqual(elsewhere);
        expect(await repo.applyHappening({ ...h, version: 1 }, T0 + 6)).toMatchObject({ applied: false });
        expect(await repo.happening(h.id)).toEqual(deleted);
      });
    });

    describe("the owner's reminders", () => {
      it('creates with what build decided from the account, the happening and the scheduled count', async () => {
        const h = happening();
        await repo.applyAddresses('fay', ['fay@example.com'], T0);
        await repo.applyHappening(h, T0);
        const contexts: ReminderContext[] = [];
        const first = await repo.create('fay', h.id, (context) => {
          contexts.push(context);
          return reminderFor('fay', h);
        });
        await repo.create('fay', h.id, (context) => {
          contexts.push(context);
          return reminderFor('fay', h, { status: 'sent' });
        });
        await repo.create('fay', h.id, (context) => {
          contexts.push(context);
          return reminderFor('fay', h);
        });
        expect(contexts.map((c) => c.scheduledCount)).toEqual([0, 1, 1]);
        expect(contexts[0]).toEqual({
          account: { username: 'fay', addresses: ['fay@example.com'], deletedSub: null, atMs: T0 },
          happening: h,
          scheduledCount: 0,
        });
        expect(await repo.get('fay', first.id)).toEqual(first);
        const unknown = randomUUID();
        await repo.create('nobody', unknown, (context) => {
          expect(context).toEqual({ account: undefined, happening: undefined, scheduledCount: 0 });
          return reminderFor('nobody', happening({ id: unknown }));
        });
      });

      it('stores nothing when build throws', async () => {
        const h = happening();
        await repo.applyHappening(h, T0);
        await expect(
          repo.create('gus', h.id, () => {
            throw new Error('refused');
          }),
        ).rejects.toThrow('refused');
        expect((await repo.list('gus', 10)).items).toEqual([]);
      });

      it("answers a reminder to its owner only: someone else's is not there, for get, update and delete", async () => {
        const mine = await stored('hal');
        expect(await repo.get('hal', mine.id)).toEqual(mine);
        expect(await repo.get('ida', mine.id)).toBeUndefined();
        expect(await repo.get('hal ', mine.id)).toBeUndefined();
        expect(await repo.get('Hal', mine.id)).toBeUndefined();
        expect(await repo.update('ida', mine.id, (r) => ({ ...r, email: 'x@example.com' }))).toBeUndefined();
        expect(await repo.delete('ida', mine.id)).toBe(false);
        expect(await repo.get('hal', mine.id)).toEqual(mine);
        expect(await repo.delete('hal', mine.id)).toBe(true);
        expect(await repo.delete('hal', mine.id)).toBe(false);
        expect(await repo.get('hal', mine.id)).toBeUndefined();
      });

      it('updates with what change decided, given the current reminder and its context', async () => {
        const mine = await stored('jo');
        const updated = await repo.update('jo', mine.id, (current, context) => {
          expect(current).toEqual(mine);
          expect(context.account?.addresses).toEqual(['jo@example.com']);
          expect(context.happening?.id).toBe(mine.happeningId);
          expect(context.scheduledCount).toBe(1);
          return { ...current, remindAtMs: current.remindAtMs + MIN, email: 'jo2@example.com', version: 2, updatedAtMs: T0 + 1 };
        });
        expect(updated).toMatchObject({ remindAtMs: mine.remindAtMs + MIN, email: 'jo2@example.com', version: 2 });
        expect(await repo.get('jo', mine.id)).toEqual(updated);
        expect(await repo.update('jo', randomUUID(), (r) => r)).toBeUndefined();
        await expect(
          repo.update('jo', mine.id, () => {
            throw new Error('no');
          }),
        ).rejects.toThrow('no');
        expect(await repo.get('jo', mine.id)).toEqual(updated);
      });

      it('lists by remindAt, then id, in pages that resume exactly after the last item', async () => {
        const h = happening();
        const made: Reminder[] = [];
        for (const minutes of [30, 10, 20, 10, 40, 10]) made.push(await stored('kim', h, { remindAtMs: T0 + minutes * MIN }));
        await stored('kim2', h);
        const expected = [...made].sort((a, b) => a.remindAtMs - b.remindAtMs || (a.id < b.id ? -1 : 1));
        const seen: Reminder[] = [];
        let page = await repo.list('kim', 4);
        seen.push(...page.items);
        expect(page.next).toEqual({ remindAtMs: page.items[3]?.remindAtMs, id: page.items[3]?.id });
        page = await repo.list('kim', 4, page.next);
        seen.push(...page.items);
        expect(page.next).toBeUndefined();
        expect(seen).toEqual(expected);
        expect((await repo.list('kim', 6)).next).toBeUndefined();
        expect((await repo.list('nobody', 5)).items).toEqual([]);
      });
    });

    describe('dispatch claims', () => {
      it('claims scheduled reminders due by now (remindAt <= now), oldest first, at most the limit', async () => {
        const h = happening();
        const late = await stored('lu', h, { remindAtMs: T0 + 2 * MIN });
        const early = await stored('lu', h, { remindAtMs: T0 + MIN });
        const exactlyNow = await stored('lu', h, { remindAtMs: T0 + 3 * MIN });
        const future = await stored('lu', h, { remindAtMs: T0 + 3 * MIN + 1 });
        await stored('lu', h, { remindAtMs: T0, status: 'sent' });
        expect(await repo.nextDueAt()).toBe(T0 + MIN);

        const now = T0 + 3 * MIN;
        const first = await repo.claimDue(now, LEASE, 2);
        expect(first.claimedAtMs).toBe(now);
        expect(first.reminders.map((c) => c.reminder.id)).toEqual([early.id, late.id]);
        expect(first.reminders[0]).toEqual({
          reminder: { ...early, status: 'dispatching', claimedAtMs: now, updatedAtMs: now },
          happening: h,
        });
        const second = await repo.claimDue(now, LEASE, 10);
        expect(second.reminders.map((c) => c.reminder.id)).toEqual([exactlyNow.id]);
        expect((await repo.claimDue(now, LEASE, 10)).reminders).toEqual([]);
        expect(await repo.nextDueAt()).toBe(future.remindAtMs);
        expect(await repo.get('lu', future.id)).toEqual(future);
      });

      it('hands the happening as known at the claim, or none when the projection lacks it', async () => {
        const h = happening();
        const r = await stored('max', h);
        await repo.applyHappening({ ...h, version: 2, title: 'Renamed', startsAtMs: h.startsAtMs + MIN }, T0);
        const orphan = await repo.create('max', randomUUID(), () => reminderFor('max', happening()));
        const claim = await repo.claimDue(T0 + 10 * MIN, LEASE, 10);
        const byId = new Map(claim.reminders.map((c) => [c.reminder.id, c]));
        expect(byId.get(r.id)?.happening).toMatchObject({ version: 2, title: 'Renamed' });
        expect(byId.get(orphan.id)?.happening).toBeUndefined();
      });

      it('marks requested only what this claim still holds; an outcome that came first stays', async () => {
        const h = happening();
        const a = await stored('ned', h);
        const b = await stored('ned', h);
        const claim = await repo.claimDue(T0 + 10 * MIN, LEASE, 10);
        await repo.recordOutcome(b.id, 1, 'sent', null, T0 + 10 * MIN + 5);
        await repo.markRequested([a.id, b.id], claim.claimedAtMs + 1, T0 + 10 * MIN + 9); // not this claim
        expect(await repo.get('ned', a.id)).toMatchObject({ status: 'dispatching', requestedAtMs: null });
        await repo.markRequested([a.id, b.id], claim.claimedAtMs, T0 + 10 * MIN + 10);
        expect(await repo.get('ned', a.id)).toMatchObject({ status: 'requested', requestedAtMs: T0 + 10 * MIN + 10 });
        expect(await repo.get('ned', b.id)).toMatchObject({ status: 'sent', requestedAtMs: T0 + 10 * MIN + 10 });
      });

      it('takes a claim older than the lease again (its run died), and only then', async () => {
        const r = await stored('ola');
        const now = T0 + 10 * MIN;
        const first = await repo.claimDue(now, LEASE, 10);
        expect(first.reminders).toHaveLength(1);
        expect((await repo.claimDue(now + LEASE - 1, LEASE, 10)).reminders).toEqual([]);
        const again = await repo.claimDue(now + LEASE, LEASE, 10);
        expect(again.reminders.map((c) => c.reminder)).toEqual([
          { ...r, status: 'dispatching', claimedAtMs: now + LEASE, updatedAtMs: now + LEASE },
        ]);
        // The first run, late, cannot mark what is now the second's.
        await repo.markRequested([r.id], first.claimedAtMs, now + LEASE + 1);
        expect(await repo.get('ola', r.id)).toMatchObject({ status: 'dispatching', claimedAtMs: now + LEASE });
        await repo.markRequested([r.id], again.claimedAtMs, now + LEASE + 2);
        expect(await repo.get('ola', r.id)).toMatchObject({ status: 'requested' });
        expect((await repo.claimDue(now + 10 * LEASE, LEASE, 10)).reminders).toEqual([]);
      });

      it('gives a claim back (scheduled again) and settles claims failed or cancelled with a bounded reason', async () => {
        const h = happening();
        const [a, b, c] = [await stored('pat', h), await stored('pat', h), await stored('pat', h)];
        const claim = await repo.claimDue(T0 + 10 * MIN, LEASE, 10);
        const at = T0 + 10 * MIN + 1;
        await repo.release([a.id], claim.claimedAtMs, at);
        await repo.settleClaimed([b.id], claim.claimedAtMs, 'failed', `refused: ${'ż'.repeat(2000)}`, at);
        await repo.settleClaimed([c.id], claim.claimedAtMs, 'cancelled', 'the happening was deleted', at);
        expect(await repo.get('pat', a.id)).toEqual({ ...a, updatedAtMs: at });
        const failed = await repo.get('pat', b.id);
        expect(failed).toMatchObject({ status: 'failed' });
        expect(failed?.reason).toHaveLength(MAX_REASON_LENGTH);
        expect(await repo.get('pat', c.id)).toMatchObject({ status: 'cancelled', reason: 'the happening was deleted' });
        // A release or settlement of a claim that is not held changes nothing.
        await repo.release([b.id], claim.claimedAtMs, at + 1);
        expect(await repo.get('pat', b.id)).toEqual(failed);
        expect((await repo.claimDue(T0 + 10 * MIN, LEASE, 10)).reminders.map((x) => x.reminder.id)).toEqual([a.id]);
      });

      it('records outcomes by version: sent and failed are final, a certain answer replaces uncertain', async () => {
        const h = happening();
        const [a, b, c] = [await stored('quin', h), await stored('quin', h), await stored('quin', h)];
        const claim = await repo.claimDue(T0 + 10 * MIN, LEASE, 10);
        await repo.markRequested([a.id, b.id, c.id], claim.claimedAtMs, T0 + 10 * MIN);
        const at = T0 + 11 * MIN;
        expect(await repo.recordOutcome(a.id, 2, 'sent', null, at)).toBe(false);
        expect(await repo.recordOutcome(a.id, 1, 'sent', null, at)).toBe(true);
        expect(await repo.recordOutcome(a.id, 1, 'sent', null, at)).toBe(false);
        expect(await repo.recordOutcome(a.id, 1, 'uncertain', 'late', at)).toBe(false);
        expect(await repo.get('quin', a.id)).toMatchObject({ status: 'sent', reason: null });
        expect(await repo.recordOutcome(b.id, 1, 'failed', 'MessageRejected: no such mailbox', at)).toBe(true);
        expect(await repo.recordOutcome(b.id, 1, 'sent', null, at)).toBe(false);
        expect(await repo.get('quin', b.id)).toMatchObject({ status: 'failed', reason: 'MessageRejected: no such mailbox' });
        expect(await repo.recordOutcome(c.id, 1, 'uncertain', 'connection reset', at)).toBe(true);
        expect(await repo.recordOutcome(c.id, 1, 'uncertain', 'again', at)).toBe(false);
        expect(await repo.get('quin', c.id)).toMatchObject({ status: 'uncertain', reason: 'connection reset' });
        expect(await repo.recordOutcome(c.id, 1, 'sent', null, at)).toBe(true);
        expect(await repo.get('quin', c.id)).toMatchObject({ status: 'sent', reason: null });
        expect(await repo.recordOutcome(randomUUID(), 1, 'sent', null, at)).toBe(false);
      });

      it('never hands one reminder to two claims running at the same time', async () => {
        const h = happening();
        const ids = new Set<string>();
        for (let i = 0; i < 120; i++) ids.add((await stored(`race${i % 7}`, h, { remindAtMs: T0 + (i % 13) * 1000 })).id);
        const now = T0 + 10 * MIN;
        const claimed: string[] = [];
        // Two claimers (two pools on MySQL), each claiming again and again until nothing is left.
        const claimer = async (repository: ReminderRepository) => {
          for (;;) {
            const claim = await repository.claimDue(now, LEASE, 7);
            if (claim.reminders.length === 0) return;
            claimed.push(...claim.reminders.map((c) => c.reminder.id));
          }
        };
        await Promise.all([
          claimer(subject.repository),
          claimer(subject.other),
          claimer(subject.repository),
          claimer(subject.other),
        ]);
        expect(claimed).toHaveLength(ids.size);
        expect(new Set(claimed)).toEqual(ids);
      });
    });
  });
}

describeReminderRepository('in memory', async () => {
  let repository = new InMemoryReminderRepository();
  const subject = {
    get repository() {
      return repository;
    },
    get other() {
      return repository;
    },
    reset: async () => {
      repository = new InMemoryReminderRepository();
    },
    close: async () => {},
  };
  return subject;
});

describeReminderRepository('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('reminders');
  const { host, port, user, password } = localServices().mysql;
  const second: Pool = createPool({ host, port, user, password, database: db.name, connectionLimit: 4 });
  return {
    repository: new MySqlReminderRepository(db.pool),
    other: new MySqlReminderRepository(second),
    reset: async () => {
      for (const table of ['reminders', 'reminder_accounts', 'reminder_happenings']) await db.pool.query(`DELETE FROM ${table}`);
    },
    close: async () => {
      await second.end();
      await db.drop();
    },
  };
});
