import { sqlPool } from '../platform/sql/pool';
import { platform } from '../platform/wiring';
import { InMemoryAppEventAggregates } from './adapters/in-memory-app-event-aggregates';
import { InMemoryAppRegistry } from './adapters/in-memory-app-registry';
import { MySqlAppEventAggregates } from './adapters/mysql-app-event-aggregates';
import { MySqlAppRegistry } from './adapters/mysql-app-registry';
import type { AppEventAggregateStore } from './domain/app-event-aggregates';
import { type AppRegistry, appIdSchema, registerAppKey } from './domain/app-registry';
import { ingestKeyFrom } from './domain/ingest-key';

/**
 * The embedded backend's demo app: `npm start` (embedded) seeds it so the game demo works with
 * nothing installed. The key is well known on purpose — embedded data lives in memory of a
 * process that listens on 127.0.0.1 — and is never used by the services or aws backends, whose
 * keys come from `scripts/admin/create-app.ts`. Override both with the variables below.
 */
export const DemoAppEnv = { appId: 'EVENTLINE_DEMO_APP_ID', key: 'EVENTLINE_DEMO_APP_KEY' } as const;
export const EMBEDDED_DEMO_APP_ID = 'demo-game';
export const EMBEDDED_DEMO_APP_KEY = 'elk_00000000000de300_local-embedded-demo-key-not-a-secret-000000';

let registry: Promise<AppRegistry> | undefined;

/** Apps and their ingest keys for this container: MySQL in AWS and with services, in memory embedded. */
export function appRegistry(): Promise<AppRegistry> {
  registry ??=
    platform.backend() === 'embedded' ? seededEmbeddedRegistry() : sqlPool().then((pool) => new MySqlAppRegistry(pool));
  return registry;
}

async function seededEmbeddedRegistry(env: NodeJS.ProcessEnv = process.env): Promise<AppRegistry> {
  const appId = env[DemoAppEnv.appId] || EMBEDDED_DEMO_APP_ID;
  if (!appIdSchema.safeParse(appId).success)
    throw new Error(`${DemoAppEnv.appId} must be 1-64 lowercase letters, digits or dashes`);
  // ingestKeyFrom never echoes the key in its error.
  const key = ingestKeyFrom(env[DemoAppEnv.key] || EMBEDDED_DEMO_APP_KEY);
  const seeded = new InMemoryAppRegistry();
  await registerAppKey(seeded, appId, 'Embedded demo app', key, platform.clock.now());
  return seeded;
}

let embeddedAggregates: InMemoryAppEventAggregates | undefined;
let aggregates: Promise<AppEventAggregateStore> | undefined;

/** App-event minute counts for this container: MySQL in AWS and with services, in memory embedded. */
export function appEventAggregates(): Promise<AppEventAggregateStore> {
  aggregates ??=
    platform.backend() === 'embedded'
      ? Promise.resolve(inMemoryAppEventAggregates())
      : sqlPool().then((pool) => new MySqlAppEventAggregates(pool));
  return aggregates;
}

/**
 * The embedded backend's app-event counts (the one `appEventAggregates()` returns there); also
 * the embedded minute/hour tables for the roll-up job and the ingest metrics.
 */
export function inMemoryAppEventAggregates(): InMemoryAppEventAggregates {
  embeddedAggregates ??= new InMemoryAppEventAggregates();
  return embeddedAggregates;
}
