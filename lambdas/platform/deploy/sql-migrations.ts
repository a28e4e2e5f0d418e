/**
 * Deploy-time custom resource: applies the pending SQL migrations through RDS Proxy with the same
 * `migrate` the local runtime uses. Each capability's migration folder is copied next to the
 * bundle at synth (`<EVENTLINE_MIGRATIONS_DIR>/<namespace>/`); the `Namespaces` property (JSON,
 * the manifest's order) says which and in what order, and the `MigrationsHash` property changes
 * whenever a file does, which makes CloudFormation run this again.
 */
import { bundledMigrationSources, migrate } from '../sql/migrate';
import { closeSqlPool, sqlPool } from '../sql/pool';
import { convergingResource, jsonProperty } from './custom-resource';

export const handler = convergingResource('eventline-sql-migrations', async (properties) => {
  const sources = bundledMigrationSources(jsonProperty<string[]>(properties, 'Namespaces'));
  try {
    const applied = await migrate(await sqlPool(), sources);
    return { Applied: applied.join(',') || 'none' };
  } finally {
    await closeSqlPool();
  }
});
