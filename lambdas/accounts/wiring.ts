import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryAccountEmails } from './adapters/in-memory-account-emails';
import { MySqlAccountEmails } from './adapters/mysql-account-emails';
import type { AccountEmails } from './domain/account-emails';
import type { AccountPorts } from './domain/accounts';
import { SignInLimiter } from './domain/sign-in-limits';

let emails: Promise<AccountEmails> | undefined;

/** Secondary addresses for this container: MySQL in AWS and with services, in memory embedded. */
export function accountEmails(): Promise<AccountEmails> {
  emails ??=
    platform.backend() === 'embedded'
      ? Promise.resolve(new InMemoryAccountEmails())
      : sqlPool().then((pool) => new MySqlAccountEmails(pool));
  return emails;
}

export async function accountPorts(): Promise<AccountPorts> {
  const [identity, accountEmailStore, bus] = await Promise.all([platform.identity(), accountEmails(), platform.bus()]);
  return { identity, emails: accountEmailStore, bus, clock: platform.clock };
}

let limiter: Promise<SignInLimiter> | undefined;

export function signInLimiter(): Promise<SignInLimiter> {
  limiter ??= platform.cache().then((cache) => new SignInLimiter(cache));
  return limiter;
}
