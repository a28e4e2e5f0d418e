/**
 * `npm start`: the whole API on http://127.0.0.1:3000 (PORT overrides), every route, consumer and
 * schedule of the manifest, invoked with Lambda's own event shapes.
 *
 *   npm start                              embedded: nothing installed, in-process bus and stores
 *   EVENTLINE_BACKEND=services npm start   the real local services (npm run services:up)
 *   npm start -- --verbose                 also a line per consumer batch, and the handlers' logs
 *   npm start -- --quiet                   warnings and errors only (EVENTLINE_LOG_LEVEL: error|warn|info|debug)
 *
 * Prints a line containing `ready` once it accepts requests; by default at most one line per
 * request after that (scripts/local-runtime/runtime-logger.ts).
 */
// First: the log level and the handlers' Powertools settings, before any handler module loads.
import './local-runtime/local-env';
import { manifest } from '../lambdas/manifest';
import { currentBackend } from '../lambdas/platform/config';
import { ensureLocalAdmin } from '../lambdas/platform/identity/local-admin';
import { platform } from '../lambdas/platform/wiring';
import { createConsoleRuntimeLogger, startLocalRuntime } from './local-runtime';
import { runtimeLogLevelOf } from './local-runtime/log-settings';
import { prepareLocalServices } from './local-runtime/prepare-services';

/** The local admin's password: EVENTLINE_ADMIN_PASSWORD, or a well-known local default (printed, never a secret). */
const ADMIN_PASSWORD_ENV = 'EVENTLINE_ADMIN_PASSWORD';
const DEFAULT_LOCAL_ADMIN_PASSWORD = 'Local-admin-password-1';

function localAdminPassword(): string {
  return process.env[ADMIN_PASSWORD_ENV] || DEFAULT_LOCAL_ADMIN_PASSWORD;
}

async function main(): Promise<void> {
  const backend = currentBackend();
  if (backend === 'aws') throw new Error('EVENTLINE_BACKEND=aws is for deployed functions; use embedded or services');
  if (backend === 'services') await prepareLocalServices(manifest, (line) => console.log(line));
  platform.configureEmbedded({ topics: manifest.topics });
  const identity = await platform.identity();
  await ensureLocalAdmin(identity, localAdminPassword());
  const logger = createConsoleRuntimeLogger(runtimeLogLevelOf([], process.env));
  const runtime = await startLocalRuntime({
    manifest,
    port: Number(process.env.PORT ?? 3000),
    host: process.env.EVENTLINE_HOST,
    subscriber: await platform.localBus(),
    userPool: () => identity.verification(),
    logger,
  });
  const password = process.env[ADMIN_PASSWORD_ENV]
    ? `the password in ${ADMIN_PASSWORD_ENV}`
    : `password ${DEFAULT_LOCAL_ADMIN_PASSWORD}`;
  logger.flush(); // the start-up summary first, then the two lines printed at every level
  console.log(`local admin: username admin, ${password} (POST /v1/sessions)`);
  console.log(`Eventline local runtime (${backend} backend) ready on ${runtime.url}`);

  const shutdown = async () => {
    await runtime.stop();
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error(`Eventline local runtime failed to start: ${(error as Error).message}`);
  process.exit(1);
});
