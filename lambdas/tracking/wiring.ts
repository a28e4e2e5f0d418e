import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryUserTagStore } from './adapters/in-memory-user-tag-store';
import { MySqlUserTagStore } from './adapters/mysql-user-tag-store';
import type { UserTagStore } from './domain/user-tag-store';

let store: Promise<UserTagStore> | undefined;

/** The profile store for this container: MySQL in AWS and with services, in memory embedded. */
export function userTagStore(): Promise<UserTagStore> {
  store ??=
    platform.backend() === 'embedded'
      ? Promise.resolve(new InMemoryUserTagStore())
      : sqlPool().then((pool) => new MySqlUserTagStore(pool));
  return store;
}
