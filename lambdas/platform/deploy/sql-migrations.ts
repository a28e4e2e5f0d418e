/**
 * Deploy-time custom resource: applies the pending SQL migrations through RDS Proxy with the same
 * `migrate` the local runtime uses, then makes sure the application user exists with the password
 * of its secret and DML on the database (`ensureApplicationUser`). Each capability's migration
 * folder is copied next to the bundle at synth (`<EVENTLINE_MIGRATIONS_DIR>/<namespace>/`); the
 * `Namespaces` property (JSON, the manifest's order) says which and in what order, and the
 * `MigrationsHash` property changes whenever a file does, which makes CloudFormation run this again
 * (as do changes of the application user's secret or privileges, also properties).
 *
 * This function alone logs in as the admin (`DB_SECRET_ARN` is the admin's secret here); it reads
 * the application user's secret (`DB_APP_SECRET_ARN`) only to hand its password to MySQL, and
 * never logs it.
 */
import { EnvNames, requiredEnv } from '../config';
import { usernamePasswordSecret } from '../credentials-secret';
import { ensureApplicationUser } from '../sql/application-user';
import { bundledMigrationSources, currentDatabase, migrate } from '../sql/migrate';
import { closeSqlPool, sqlPool } from '../sql/pool';
import { convergingResource, jsonProperty } from './custom-resource';

export const handler = convergingResource('eventline-sql-migrations', async (properties) => {
  const sources = bundledMigrationSources(jsonProperty<string[]>(properties, 'Namespaces'));
  const appSecretArn = requiredEnv(EnvNames.dbAppSecretArn);
  try {
    const pool = await sqlPool();
    const applied = await migrate(pool, sources);
    // After the migrations, though the database-level grant covers tables made later too.
    const { username, password } = await usernamePasswordSecret(appSecretArn, { forceFetch: true });
    await ensureApplicationUser(pool, { user: username, password, database: await currentDatabase(pool) });
    return { Applied: applied.join(',') || 'none', ApplicationUser: username };
  } finally {
    await closeSqlPool();
  }
});
