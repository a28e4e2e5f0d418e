/**
 * Deploy-time custom resource: applies the pending SQL migrations through RDS Proxy with the same
 * `migrate` the local runtime uses. The migration files are copied next to the bundle at synth
 * (EVENTLINE_MIGRATIONS_DIR points there); the `MigrationsHash` property changes whenever a file
 * does, which makes CloudFormation run this again.
 */
import { migrate } from '../sql/migrate';
import { closeSqlPool, sqlPool } from '../sql/pool';
import { convergingResource } from './custom-resource';

export const handler = convergingResource('eventline-sql-migrations', async () => {
  try {
    const applied = await migrate(await sqlPool());
    return { Applied: applied.join(',') || 'none' };
  } finally {
    await closeSqlPool();
  }
});
