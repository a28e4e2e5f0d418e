/**
 * The database user every function logs in as: data (DML) on one database, nothing else. The
 * SQL-migrations custom resource (lambdas/platform/deploy/sql-migrations.ts) runs this as the
 * admin after the migrations, so tables a migration just created are covered by the
 * database-level grant; functions never connect as the admin.
 *
 * - Idempotent and converging: the user is created if missing, and its password is set to the
 *   given one every run, so a password changed by hand, or by a rotation the secret does not know
 *   about, comes back to the secret's on the next run.
 * - Authentication plugin: plain `IDENTIFIED BY`, the server's default. On MySQL 8.4 (RDS) that is
 *   caching_sha2_password (mysql_native_password is not even loaded by default there), which the
 *   RDS Proxy's client authentication also uses; on MariaDB 10.11 (local) it is
 *   mysql_native_password. Naming a plugin would tie the statement to one of the two servers.
 * - Privileges: SELECT, INSERT, UPDATE, DELETE on `<database>.*`. No DDL (CREATE, ALTER, DROP,
 *   INDEX, REFERENCES), no GRANT OPTION, nothing on other databases. `SELECT … FOR UPDATE` and
 *   `LOCK IN SHARE MODE` need only SELECT plus UPDATE/DELETE, which the grant holds.
 * - Nothing here logs, and an error never carries the password (see `withoutPassword`).
 *
 * No AWS here: the caller reads the password (a Secrets Manager secret in AWS) and passes it in.
 */
import type { Connection } from 'mysql2/promise';

/** Everything the application user may do, on its one database. */
export const applicationUserPrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/** Any host: clients reach MySQL only through RDS Proxy, whose addresses are not fixed. */
export const applicationUserHost = '%';

export interface ApplicationUser {
  readonly user: string;
  readonly password: string;
  /** The one database the user may read and write. */
  readonly database: string;
}

/** What `ensureApplicationUser` needs of a connection or pool (mysql2/promise). */
export type UserAdministration = Pick<Connection, 'query' | 'escapeId'>;

/**
 * Creates the user if it does not exist, sets its password, and grants it DML on the database.
 * Runs as a user with CREATE USER and the granted privileges WITH GRANT OPTION (the RDS admin).
 */
export async function ensureApplicationUser(connection: UserAdministration, target: ApplicationUser): Promise<void> {
  const { user, password, database } = target;
  if (!user || !password || !database) throw new Error('the application user needs a user name, a password and a database');
  const account = [user, applicationUserHost];
  // User, host and password are string literals in these statements, so mysql2's client-side `?`
  // substitution quotes them (`'eventline_app'@'%'`); `??` would make backquoted identifiers,
  // which CREATE USER does not take for the password.
  const statements: [string, unknown[]][] = [
    ['CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [...account, password]],
    ['ALTER USER ?@? IDENTIFIED BY ?', [...account, password]],
    [`GRANT ${applicationUserPrivileges.join(', ')} ON ${grantedDatabase(connection, database)}.* TO ?@?`, account],
  ];
  for (const [sql, values] of statements) {
    try {
      await connection.query(sql, values);
    } catch (error) {
      throw withoutPassword(error, sql, password);
    }
  }
}

/**
 * The database of a database-level GRANT, quoted as an identifier. In `GRANT … ON db.*` MySQL and
 * MariaDB read `_` and `%` as wildcards (a grant on `event_line` would also open `eventXline`),
 * so both are escaped to match only this database; with MySQL's `partial_revokes` on, where they
 * are literal anyway, the escaped form means the same.
 */
export function grantedDatabase(connection: Pick<Connection, 'escapeId'>, database: string): string {
  return connection.escapeId(database.replace(/[\\_%]/g, (c) => `\\${c}`));
}

/**
 * A plain Error in place of mysql2's, whose `sql` field holds the statement with the password
 * substituted (and whose message may quote part of it): the statement's text with placeholders,
 * the server's code and number, and the server's message with any occurrence of the password
 * masked.
 */
function withoutPassword(error: unknown, sql: string, password: string): Error {
  const { code, errno, sqlMessage, message } = (error ?? {}) as {
    code?: string;
    errno?: number;
    sqlMessage?: string;
    message?: string;
  };
  const reason = (sqlMessage ?? message ?? String(error)).split(password).join('***');
  const failed = new Error(`${sql} failed: ${code ?? 'error'} ${errno ?? ''} ${reason}`.replace(/ {2,}/g, ' '));
  return Object.assign(failed, { code, errno });
}
