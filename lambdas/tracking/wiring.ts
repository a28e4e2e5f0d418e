import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryAggregateStore } from './adapters/in-memory-aggregate-store';
import { InMemoryUserTagStore } from './adapters/in-memory-user-tag-store';
import { APP_EVENT_TABLES, MySqlMinuteRollup } from './adapters/mysql-aggregate-rollup';
import { MySqlAggregateStore } from './adapters/mysql-aggregate-store';
import { MySqlAppEventMinuteCounts } from './adapters/mysql-app-event-aggregate-counts';
import { MySqlUserTagStore } from './adapters/mysql-user-tag-store';
import type { AggregateStore } from './domain/aggregates';
import type { AppEventMinuteCounts } from './domain/ingest-metrics';
import type { MinuteRollup } from './domain/retention';
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

let aggregates: Promise<AggregateStore> | undefined;

/** The tag aggregates for this container: MySQL in AWS and with services, in memory embedded. */
export function aggregateStore(): Promise<AggregateStore> {
  aggregates ??=
    platform.backend() === 'embedded'
      ? Promise.resolve(new InMemoryAggregateStore())
      : sqlPool().then((pool) => new MySqlAggregateStore(pool));
  return aggregates;
}

/** Roll-up and retention of the app-event minute counts (app_event_minutes → app_event_hours). */
export async function appEventMinuteRollup(): Promise<MinuteRollup> {
  if (platform.backend() === 'embedded') return embeddedAppEventMinutes();
  return new MySqlMinuteRollup(await sqlPool(), APP_EVENT_TABLES);
}

/** App events per app and minute, for the ingest metrics. */
export async function appEventMinuteCounts(): Promise<AppEventMinuteCounts> {
  if (platform.backend() === 'embedded') return embeddedAppEventMinutes();
  return new MySqlAppEventMinuteCounts(await sqlPool());
}

/** The embedded backend keeps app-event counts in the app-events store's memory. */
async function embeddedAppEventMinutes(): Promise<MinuteRollup & AppEventMinuteCounts> {
  const { inMemoryAppEventAggregates } = await import('./app-events-wiring');
  return inMemoryAppEventAggregates();
}
