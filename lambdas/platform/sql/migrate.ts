/**
 * Versioned SQL migrations: `NNNN_description.sql` files applied in version order, each once,
 * recorded in `schema_migrations`. Runs on MariaDB 10.11 (local) and MySQL 8.0 (RDS).
 *
 * - Concurrent runs are safe: the whole run holds a named `GET_LOCK` for the database, and the
 *   applied set is read after the lock is taken, so a second runner finds nothing left to do.
 * - An applied migration whose file changed is an error (edit history with a new file instead).
 * - DDL commits implicitly in MySQL, so a migration that fails half-way is not rolled back and is
 *   not recorded: write migrations idempotently (`CREATE TABLE IF NOT EXISTS`, ...) so a re-run
 *   after a fix can pass the statements that already took effect.
 * - Applied versions that have no file (a newer deployment ran first) are left alone.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { splitSqlStatements } from './split-statements';

/** Env override for the migrations folder (the CDK helper copies it next to the bundle). */
export const migrationsDirEnv = 'EVENTLINE_MIGRATIONS_DIR';

const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const lockTimeoutSeconds = 120;

export interface Migration {
  readonly version: number;
  /** The description part of the file name, e.g. `user_tags`. */
  readonly name: string;
  /** The file name without `.sql`, e.g. `0001_user_tags`; what `migrate` returns. */
  readonly id: string;
  readonly sql: string;
  /** sha256 (hex) of the file with line endings normalised to `\n`. */
  readonly checksum: string;
}

export class MigrationChecksumError extends Error {
  constructor(readonly migrations: readonly string[]) {
    super(
      `applied migrations were changed after they ran: ${migrations.join(', ')}; ` +
        'restore them and put the change in a new migration',
    );
    this.name = 'MigrationChecksumError';
  }
}

/**
 * From source (tsx, jest) `__dirname` is this folder; bundled by esbuild it is the bundle's
 * folder, where the CDK helper copies `migrations/`.
 */
export function defaultMigrationsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env[migrationsDirEnv] || path.join(__dirname, 'migrations');
}

/** The migrations of a folder in version order; other `.sql` names and duplicates are errors. */
export async function readMigrations(directory: string): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  const seen = new Map<number, string>();
  for (const file of files) {
    const match = fileNamePattern.exec(file);
    if (!match) {
      throw new Error(`migration ${file} in ${directory} is not named NNNN_lower_snake_case.sql`);
    }
    const version = Number(match[1]);
    const previous = seen.get(version);
    if (previous) throw new Error(`migrations ${previous} and ${file} share version ${version}`);
    seen.set(version, file);
    const sql = (await readFile(path.join(directory, file), 'utf8')).replace(/\r\n/g, '\n');
    const checksum = createHash('sha256').update(sql, 'utf8').digest('hex');
    migrations.push({ version, name: match[2] as string, id: file.slice(0, -4), sql, checksum });
  }
  return migrations;
}

interface AppliedRow extends RowDataPacket {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies the pending migrations of `directory` to the pool's database, in order. Returns the ids
 * (`0001_user_tags`, ...) it applied; `[]` when the database was up to date.
 */
export async function migrate(pool: Pool, directory: string = defaultMigrationsDirectory()): Promise<string[]> {
  const migrations = await readMigrations(directory);
  const connection = await pool.getConnection();
  // Only a connection that gave its lock back goes back to the pool; ending any other one also
  // ends the lock, which is per session.
  let reusable = false;
  try {
    const lockName = await lockNameOf(connection);
    await acquireLock(connection, lockName);
    try {
      return await applyPending(connection, migrations);
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
      reusable = true;
    }
  } finally {
    if (reusable) connection.release();
    else connection.destroy();
  }
}

async function lockNameOf(connection: PoolConnection): Promise<string> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT DATABASE() AS db');
  const database = rows[0]?.db as string | null | undefined;
  if (!database) throw new Error('migrate needs a pool whose connections select a database');
  // GET_LOCK names are server-wide and at most 64 characters in MySQL: one lock per database.
  return `eventline-migrate:${createHash('sha1').update(database).digest('hex')}`;
}

async function acquireLock(connection: PoolConnection, lockName: string): Promise<void> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [lockName, lockTimeoutSeconds]);
  if (Number(rows[0]?.acquired) !== 1) {
    throw new Error(`another migration run held the lock for more than ${lockTimeoutSeconds}s`);
  }
}

async function applyPending(connection: PoolConnection, migrations: readonly Migration[]): Promise<string[]> {
  await connection.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INT NOT NULL PRIMARY KEY,
      name VARCHAR(255) NOT NULL,
      checksum CHAR(64) NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  const [rows] = await connection.query<AppliedRow[]>('SELECT version, name, checksum FROM schema_migrations');
  const applied = new Map(rows.map((row) => [Number(row.version), row]));

  const changed = migrations
    .filter((migration) => {
      const row = applied.get(migration.version);
      return row !== undefined && row.checksum !== migration.checksum;
    })
    .map((migration) => migration.id);
  if (changed.length > 0) throw new MigrationChecksumError(changed);

  const done: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await applyOne(connection, migration);
    done.push(migration.id);
  }
  return done;
}

async function applyOne(connection: PoolConnection, migration: Migration): Promise<void> {
  const statements = splitSqlStatements(migration.sql);
  for (const [index, statement] of statements.entries()) {
    try {
      await connection.query(statement);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`migration ${migration.id} failed at statement ${index + 1} of ${statements.length}: ${reason}`, {
        cause: error,
      });
    }
  }
  await connection.query('INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)', [
    migration.version,
    migration.name,
    migration.checksum,
  ]);
}
