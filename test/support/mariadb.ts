import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { migrationSources } from '../../lambdas/manifest';
import { localServices } from '../../lambdas/platform/config';
import { migrate } from '../../lambdas/platform/sql/migrate';
import { createDatabaseIfMissing, createPool, type Pool } from '../../lambdas/platform/sql/pool';

/**
 * A fresh, migrated database on the local MariaDB for one test file, dropped by `drop()`.
 * Connecting fails (and so the test fails) when MariaDB is not running: nothing is skipped.
 */
export async function temporaryDatabase(label: string): Promise<{ pool: Pool; name: string; drop: () => Promise<void> }> {
  const { host, port, user, password } = localServices().mysql;
  const name = `eventline_t_${label}_${randomBytes(4).toString('hex')}`;
  await createDatabaseIfMissing({ host, port, user, password }, name);
  const pool = createPool({ host, port, user, password, database: name, connectionLimit: 4 });
  await migrate(pool, migrationSources);
  return {
    pool,
    name,
    drop: async () => {
      await pool.end();
      const connection = await mysql.createConnection({ host, port, user, password });
      await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(name)}`);
      await connection.end();
    },
  };
}
