/**
 * One contract for an account's secondary addresses, run against MySQL (a fresh migrated
 * database on the local MariaDB) and the in-memory adapter of the embedded backend.
 */
import { InMemoryAccountEmails } from '../../lambdas/accounts/adapters/in-memory-account-emails';
import { MySqlAccountEmails } from '../../lambdas/accounts/adapters/mysql-account-emails';
import type { AccountEmails } from '../../lambdas/accounts/domain/account-emails';
import { temporaryDatabase } from '../support/mariadb';

function describeAccountEmails(name: string, setup: () => Promise<{ emails: AccountEmails; cleanup: () => Promise<void> }>) {
  describe(`account emails: ${name}`, () => {
    let emails: AccountEmails;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ emails, cleanup } = await setup());
    });
    afterAll(() => cleanup?.());

    const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

    it('lists addresses in the order they were added; a second add changes nothing and says so', async () => {
      expect(await emails.list('ann')).toEqual([]);
      expect(await emails.add('ann', 'b@example.com', at(1))).toBe(true);
      expect(await emails.add('ann', 'a@example.com', at(2))).toBe(true);
      expect(await emails.add('ann', 'b@example.com', at(3))).toBe(false);
      expect(await emails.list('ann')).toEqual(['b@example.com', 'a@example.com']);
    });

    it('keeps accounts apart, trailing spaces and case included', async () => {
      await emails.add('bob', 'x@example.com', at(1));
      await emails.add('bob ', 'y@example.com', at(1));
      await emails.add('Bob', 'z@example.com', at(1));
      expect(await emails.list('bob')).toEqual(['x@example.com']);
      expect(await emails.list('bob ')).toEqual(['y@example.com']);
      expect(await emails.list('Bob')).toEqual(['z@example.com']);
    });

    it('removes one address (false when absent), and all of an account', async () => {
      await emails.add('cy', 'one@example.com', at(1));
      await emails.add('cy', 'two@example.com', at(2));
      expect(await emails.remove('cy', 'one@example.com')).toBe(true);
      expect(await emails.remove('cy', 'one@example.com')).toBe(false);
      expect(await emails.list('cy')).toEqual(['two@example.com']);
      await emails.removeAll('cy');
      expect(await emails.list('cy')).toEqual([]);
      await expect(emails.removeAll('nobody')).resolves.toBeUndefined();
    });
  });
}

describeAccountEmails('in memory', async () => ({ emails: new InMemoryAccountEmails(), cleanup: async () => {} }));
describeAccountEmails('MySQL', async () => {
  const db = await temporaryDatabase('account_emails');
  return { emails: new MySqlAccountEmails(db.pool), cleanup: db.drop };
});
