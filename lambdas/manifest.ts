import path from 'node:path';
import { accountsManifest } from './accounts/manifest';
import { happeningsManifest } from './happenings/manifest';
import { mailManifest } from './mail/manifest';
import { peopleManifest } from './people/manifest';
import { platformDeclarations } from './platform/declarations';
import { composeManifest } from './platform/manifest-types';
import type { MigrationSource } from './platform/sql/migrate';
import { remindersManifest } from './reminders/manifest';
import { trackingManifest } from './tracking/manifest';

/**
 * Eventline's one manifest: the platform's declarations and every capability's own manifest,
 * composed and validated. The CDK app and the local runtime are both generated from this value
 * (see docs/ARCHITECTURE.md, "Adding a capability"). The order of capabilities is the order in
 * which their SQL migrations apply.
 */
export const manifest = composeManifest(platformDeclarations, [
  trackingManifest,
  mailManifest,
  accountsManifest,
  happeningsManifest,
  remindersManifest,
  peopleManifest,
]);

/** The manifest's migration folders as absolute paths, for what runs from source (scripts, tests, `npm start`). */
export const migrationSources: readonly MigrationSource[] = manifest.migrations.map(({ namespace, directory }) => ({
  namespace,
  directory: path.resolve(__dirname, '..', directory),
}));
