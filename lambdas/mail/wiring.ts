import { EnvNames } from '../platform/config';
import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryMailLedger } from './adapters/in-memory-mail-ledger';
import { MySqlMailLedger } from './adapters/mysql-mail-ledger';
import type { MailLedger } from './domain/mail-ledger';
import type { MailSender } from './domain/send-mail';
import { SEND_LEASE_MS } from './manifest';

/** The sender when `MAIL_FROM` is not set (locally; the CDK app always sets it). */
export const LOCAL_MAIL_FROM = 'eventline@example.com';

export function mailFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env[EnvNames.mailFrom] || LOCAL_MAIL_FROM;
}

let ledger: Promise<MailLedger> | undefined;

/** The mail ledger for this container: MySQL in AWS and with services, in memory embedded. */
export function mailLedger(): Promise<MailLedger> {
  ledger ??=
    platform.backend() === 'embedded'
      ? Promise.resolve(new InMemoryMailLedger())
      : sqlPool().then((pool) => new MySqlMailLedger(pool));
  // A failed start (database down) must not poison the container for good.
  ledger.catch(() => {
    ledger = undefined;
  });
  return ledger;
}

/** Everything a send needs: the ledger, the platform's mailer (SES, the emulator or the outbox), the sender address. */
export async function mailSender(): Promise<MailSender> {
  return {
    ledger: await mailLedger(),
    mailer: await platform.mailer(),
    clock: platform.clock,
    from: mailFrom(),
    leaseMs: SEND_LEASE_MS,
  };
}
