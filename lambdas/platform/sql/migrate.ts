/**
 * Versioned SQL migrations, one folder per namespace (a capability owns its own folder):
 * `NNNN_description.sql` files, applied in the order the sources are given and, within a source,
 * in version order, each once, recorded in `schema_migrations` under `(namespace, version)`.
 * Migration ids are `<namespace>/NNNN_description`. Runs on MariaDB 10.11 (local) and MySQL 8.4 (RDS).
 *
 * - Concurrent runs are safe: the whole run holds a named `GET_LOCK` for the database, and the
 *   applied set is read after the lock is taken, so a second runner finds nothing left to do.
 * - An applied migration whose file changed is an error (edit history with a new file instead).
 * - DDL commits implicitly in MySQL, so a migration that fails half-way is not rolled back and is
 *   not recorded: write migrations idempotently (`CREATE TABLE IF NOT EXISTS`, ...) so a re-run
 *   after a fix can pass the statements that already took effect.
 * - Applied versions that have no file (a newer deployment ran first) are left alone.
 * - Databases migrated before namespaces existed keep working: the old `schema_migrations`
 *   (version as the key) gains a namespace column, and each old row is given the namespace whose
 *   migration has the same version, name and checksum (see `upgradeLegacyTable`).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { splitSqlStatements } from './split-statements';

/** Env override for the root of the bundled migration folders (`<root>/<namespace>/`). */
export const migrationsDirEnv = 'EVENTLINE_MIGRATIONS_DIR';

const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const namespacePattern = /^[a-z][a-z0-9-]{0,63}$/;
const lockTimeoutSeconds = 120;

/** A folder of migrations and the namespace they are recorded under. */
export interface MigrationSource {
  readonly namespace: string;
  readonly directory: string;
}

export interface Migration {
  readonly namespace: string;
  readonly version: number;
  /** The description part of the file name, e.g. `user_tags`. */
  readonly name: string;
  /** `<namespace>/<file name without .sql>`, e.g. `tracking/0001_user_tags`; what `migrate` returns. */
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
 * The sources as bundled by the CDK app: `<EVENTLINE_MIGRATIONS_DIR>/<namespace>/` for each
 * namespace, in the order given (the deploy custom resource passes the manifest's order).
 */
export function bundledMigrationSources(namespaces: readonly string[], env: NodeJS.ProcessEnv = process.env): MigrationSource[] {
  const root = env[migrationsDirEnv];
  if (!root) throw new Error(`${migrationsDirEnv} is not set`);
  return namespaces.map((namespace) => ({ namespace, directory: path.join(root, namespace) }));
}

/** The migrations of one source in version order; other `.sql` names and duplicates are errors. */
export async function readMigrations(source: MigrationSource): Promise<Migration[]> {
  const { namespace, directory } = source;
  if (!namespacePattern.test(namespace)) throw new Error(`migration namespace "${namespace}" is not lower-kebab-case`);
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
    migrations.push({ namespace, version, name: match[2] as string, id: `${namespace}/${file.slice(0, -4)}`, sql, checksum });
  }
  return migrations;
}

/** Every migration of every source, in application order; a namespace given twice is an error. */
export async function readAllMigrations(sources: readonly MigrationSource[]): Promise<Migration[]> {
  const namespaces = new Set<string>();
  const all: Migration[] = [];
  for (const source of sources) {
    if (namespaces.has(source.namespace)) throw new Error(`migration namespace ${source.namespace} is given twice`);
    namespaces.add(source.namespace);
    all.push(...(await readMigrations(source)));
  }
  return all;
}

interface AppliedRow extends RowDataPacket {
  namespace: string;
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies the pending migrations of `sources` to the pool's database, in order. Returns the ids
 * (`tracking/0001_user_tags`, ...) it applied; `[]` when the database was up to date.
 */
export async function migrate(pool: Pool, sources: readonly MigrationSource[]): Promise<string[]> {
  const migrations = await readAllMigrations(sources);
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

/** The database the pool's connections select (`DATABASE()`); an error when they select none. */
export async function currentDatabase(connection: Pick<Pool, 'query'>): Promise<string> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT DATABASE() AS db');
  const database = rows[0]?.db as string | null | undefined;
  if (!database) throw new Error('migrations and the application user need a pool whose connections select a database');
  return database;
}

async function lockNameOf(connection: PoolConnection): Promise<string> {
  const database = await currentDatabase(connection);
  // GET_LOCK names are server-wide and at most 64 characters in MySQL: one lock per database.
  return `eventline-migrate:${createHash('sha1').update(database).digest('hex')}`;
}

async function acquireLock(connection: PoolConnection, lockName: string): Promise<void> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [lockName, lockTimeoutSeconds]);
  if (Number(rows[0]?.acquired) !== 1) {
    throw new Error(`another migration run held the lock for more than ${lockTimeoutSeconds}s`);
  }
}

const keyOf = (namespace: string, version: number) => `${namespace}/${version}`;

async function applyPending(connection: PoolConnection, migrations: readonly Migration[]): Promise<string[]> {
  await connection.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      namespace VARCHAR(64) NOT NULL,
      version INT NOT NULL,
      name VARCHAR(255) NOT NULL,
      checksum CHAR(64) NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (namespace, version)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  await upgradeLegacyTable(connection, migrations);
  const [rows] = await connection.query<AppliedRow[]>('SELECT namespace, version, name, checksum FROM schema_migrations');
  const applied = new Map(rows.map((row) => [keyOf(row.namespace, Number(row.version)), row]));

  const changed = migrations
    .filter((migration) => {
      const row = applied.get(keyOf(migration.namespace, migration.version));
      return row !== undefined && row.checksum !== migration.checksum;
    })
    .map((migration) => migration.id);
  if (changed.length > 0) throw new MigrationChecksumError(changed);

  const done: string[] = [];
  for (const migration of migrations) {
    if (applied.has(keyOf(migration.namespace, migration.version))) continue;
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
  await connection.query('INSERT INTO schema_migrations (namespace, version, name, checksum) VALUES (?, ?, ?, ?)', [
    migration.namespace,
    migration.version,
    migration.name,
    migration.checksum,
  ]);
}

/**
 * A `schema_migrations` from before namespaces (version as the key) gains the `namespace` column
 * and the composite key; each old row takes the namespace of the migration with the same
 * version, name and checksum. A row that matches none keeps the namespace '' and is left alone,
 * like any applied migration without a file. Runs under the migration lock, once per database.
 */
async function upgradeLegacyTable(connection: PoolConnection, migrations: readonly Migration[]): Promise<void> {
  const [columns] = await connection.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations' AND COLUMN_NAME = 'namespace'`,
  );
  if (Number(columns[0]?.n) > 0) return;
  await connection.query(
    `ALTER TABLE schema_migrations ADD COLUMN namespace VARCHAR(64) NOT NULL DEFAULT '' FIRST,
       DROP PRIMARY KEY, ADD PRIMARY KEY (namespace, version)`,
  );
  for (const m of migrations) {
    await connection.query(
      "UPDATE schema_migrations SET namespace = ? WHERE namespace = '' AND version = ? AND name = ? AND checksum = ?",
      [m.namespace, m.version, m.name, m.checksum],
    );
  }
}
