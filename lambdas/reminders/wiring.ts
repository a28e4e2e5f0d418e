import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryReminderRepository } from './adapters/in-memory-reminder-repository';
import { MySqlReminderRepository } from './adapters/mysql-reminder-repository';
import type { ReminderRepository } from './domain/repository';

let repository: Promise<ReminderRepository> | undefined;

/** The reminders store for this container: MySQL in AWS and with services, in memory embedded. */
export function reminderRepository(): Promise<ReminderRepository> {
  repository ??=
    platform.backend() === 'embedded'
      ? Promise.resolve(new InMemoryReminderRepository())
      : sqlPool().then((pool) => new MySqlReminderRepository(pool));
  // A failed start (database down) is not remembered: the next call tries again.
  repository.catch(() => {
    repository = undefined;
  });
  return repository;
}
