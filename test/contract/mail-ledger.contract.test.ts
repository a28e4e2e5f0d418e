import { InMemoryMailLedger } from '../../lambdas/mail/adapters/in-memory-mail-ledger';
import { MySqlMailLedger } from '../../lambdas/mail/adapters/mysql-mail-ledger';
import { MAX_REASON_LENGTH, type MailLedger } from '../../lambdas/mail/domain/mail-ledger';
import { temporaryDatabase } from '../support/mariadb';

const T0 = new Date('2024-03-01T10:00:00.123Z');
const LEASE = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
let next = 0;
const request = (prefix = 'welcome') => ({ requestId: `${prefix}/${next++}`, template: 'welcome' });

/** One behaviour, two adapters: the MySQL ledger and the embedded one must agree. */
function describeMailLedger(name: string, open: () => Promise<{ ledger: MailLedger; close: () => Promise<void> }>) {
  describe(`MailLedger contract: ${name}`, () => {
    let ledger: MailLedger;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ ledger, close } = await open());
    });
    afterAll(async () => close());

    it('claims a new request once: it is then sending, claimed at that time', async () => {
      const r = request();
      expect(await ledger.claim(r, T0, LEASE)).toEqual({ kind: 'claimed' });
      expect(await ledger.get(r.requestId)).toEqual({
        requestId: r.requestId,
        template: 'welcome',
        status: 'sending',
        messageId: null,
        reason: null,
        claimedAt: T0,
        updatedAt: T0,
      });
      const again = await ledger.claim(r, at(1000), LEASE);
      expect(again).toMatchObject({ kind: 'in-flight', entry: { status: 'sending', claimedAt: T0 } });
      expect(await ledger.get('nobody')).toBeUndefined();
    });

    it('records a send and never lets the request be claimed again', async () => {
      const r = request();
      await ledger.claim(r, T0, LEASE);
      const sent = await ledger.settle(r.requestId, { status: 'sent', messageId: 'm-1' }, at(200));
      expect(sent).toMatchObject({ status: 'sent', messageId: 'm-1', reason: null, claimedAt: T0, updatedAt: at(200) });
      for (const when of [at(1), at(10 * LEASE)]) {
        expect(await ledger.claim(r, when, LEASE)).toEqual({ kind: 'settled', entry: sent });
      }
      // A settled row stays as it is: a later failure or uncertainty does not rewrite it.
      expect(await ledger.settle(r.requestId, { status: 'failed', reason: 'late' }, at(300))).toEqual(sent);
      await ledger.release(r.requestId);
      expect(await ledger.get(r.requestId)).toEqual(sent);
    });

    it('records a refusal with its reason, cut to the column', async () => {
      const r = request();
      await ledger.claim(r, T0, LEASE);
      const reason = `MessageRejected: ${'ż'.repeat(2000)}`;
      const failed = await ledger.settle(r.requestId, { status: 'failed', reason }, at(5));
      expect(failed).toMatchObject({ status: 'failed', messageId: null });
      expect(failed.reason).toHaveLength(MAX_REASON_LENGTH);
      expect(failed.reason!.startsWith('MessageRejected: żżż')).toBe(true);
      expect(await ledger.claim(r, at(10 * LEASE), LEASE)).toEqual({ kind: 'settled', entry: failed });
      expect(await ledger.settle(r.requestId, { status: 'sent', messageId: 'm' }, at(6))).toEqual(failed);
    });

    it('turns a claim older than the lease uncertain, once, and never hands it out again', async () => {
      const r = request();
      await ledger.claim(r, T0, LEASE);
      expect(await ledger.claim(r, at(LEASE - 1), LEASE)).toMatchObject({ kind: 'in-flight' });
      const expired = await ledger.claim(r, at(LEASE), LEASE);
      expect(expired).toMatchObject({ kind: 'expired', entry: { status: 'uncertain', claimedAt: T0, updatedAt: at(LEASE) } });
      if (expired.kind !== 'expired') throw new Error('not expired');
      expect(expired.entry.reason).toContain(T0.toISOString());
      expect(await ledger.claim(r, at(LEASE + 1), LEASE)).toEqual({ kind: 'settled', entry: expired.entry });
      // The send was not released: giving the claim back now changes nothing.
      await ledger.release(r.requestId);
      expect(await ledger.get(r.requestId)).toEqual(expired.entry);
    });

    it('lets a late, certain answer settle an uncertain request', async () => {
      const r = request();
      await ledger.claim(r, T0, LEASE);
      await ledger.claim(r, at(LEASE), LEASE);
      expect(await ledger.settle(r.requestId, { status: 'sent', messageId: 'late' }, at(LEASE + 5))).toMatchObject({
        status: 'sent',
        messageId: 'late',
        reason: null,
      });
    });

    it('records an uncertain send with its reason', async () => {
      const r = request();
      await ledger.claim(r, T0, LEASE);
      const uncertain = await ledger.settle(r.requestId, { status: 'uncertain', reason: 'connection reset' }, at(9));
      expect(uncertain).toMatchObject({ status: 'uncertain', reason: 'connection reset', messageId: null });
      expect(await ledger.claim(r, at(1), LEASE)).toEqual({ kind: 'settled', entry: uncertain });
    });

    it('gives a released claim back: the next claim is a fresh one', async () => {
      const r = request();
      await ledger.claim(r, T0, LEASE);
      await ledger.release(r.requestId);
      expect(await ledger.get(r.requestId)).toBeUndefined();
      expect(await ledger.claim(r, at(5), LEASE)).toEqual({ kind: 'claimed' });
      expect((await ledger.get(r.requestId))?.claimedAt).toEqual(at(5));
    });

    it('keeps request ids apart that differ only in trailing whitespace or case', async () => {
      const ids = ['welcome/ada', 'welcome/ada ', 'welcome/ada\t', 'welcome/Ada', 'welcome/ADA '];
      for (const [i, requestId] of ids.entries()) {
        expect(await ledger.claim({ requestId, template: 'welcome' }, T0, LEASE)).toEqual({ kind: 'claimed' });
        await ledger.settle(requestId, { status: 'sent', messageId: `m-${i}` }, T0);
      }
      for (const [i, requestId] of ids.entries()) {
        expect(await ledger.get(requestId)).toMatchObject({ requestId, messageId: `m-${i}` });
      }
      expect(await ledger.get('welcome/ada  ')).toBeUndefined();
    });

    it('keeps unicode request ids as they are', async () => {
      const requestId = 'reminder/żółw-🐢/2024-03-01T17:00:00.000Z';
      await ledger.claim({ requestId, template: 'reminder' }, T0, LEASE);
      expect(await ledger.get(requestId)).toMatchObject({ requestId, template: 'reminder', status: 'sending' });
    });

    it('lets only one of two racing claims through', async () => {
      const r = request('race');
      const claims = await Promise.all([ledger.claim(r, T0, LEASE), ledger.claim(r, T0, LEASE)]);
      expect(claims.map((c) => c.kind).sort()).toEqual(['claimed', 'in-flight']);
    });

    it('lets only one of two racing claims expire a stale send', async () => {
      const r = request('race');
      await ledger.claim(r, T0, LEASE);
      const claims = await Promise.all([ledger.claim(r, at(LEASE), LEASE), ledger.claim(r, at(LEASE), LEASE)]);
      expect(claims.map((c) => c.kind).sort()).toEqual(['expired', 'settled']);
    });
  });
}

describeMailLedger('in memory', async () => ({ ledger: new InMemoryMailLedger(), close: async () => {} }));
describeMailLedger('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('mail');
  return { ledger: new MySqlMailLedger(db.pool), close: db.drop };
});
