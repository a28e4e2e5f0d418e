/**
 * The functions' database user on the real local MariaDB (`npm run services:up`): the
 * SQL-migrations custom resource creates it with `ensureApplicationUser` (DML on one database,
 * nothing else). Here a throwaway user with a random name and password gets a throwaway database,
 * and the test logs in as that user to see what it may and may not do. A sibling database whose
 * name differs only where the first has a `_` (a wildcard in GRANT) stays closed to it. User and
 * databases are dropped afterwards. Fails (does not skip) when MariaDB is not reachable.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { localServices } from '../../lambdas/platform/config';
import { handler } from '../../lambdas/platform/deploy/sql-migrations';
import { applicationUserHost, ensureApplicationUser } from '../../lambdas/platform/sql/application-user';
import { migrationsDirEnv } from '../../lambdas/platform/sql/migrate';

const server = (() => {
  const { host, port, user, password } = localServices().mysql;
  return { host, port, user, password };
})();
const run = randomBytes(4).toString('hex');
const database = `eventline_t_appuser_${run}`;
/** Matches `database` if the grant's `_` were a wildcard. */
const sibling = `eventlineXt_appuser_${run}`;
const user = `eventline_app_${run}`;
const firstPassword = `First-${randomBytes(12).toString('hex')}`;
const createdUsers = [user];
let admin: mysql.Connection;

const asUser = (password: string, options: { database?: string } = {}) =>
  mysql.createConnection({ host: server.host, port: server.port, user, password, database, ...options });

beforeAll(async () => {
  try {
    admin = await mysql.createConnection({ ...server, connectTimeout: 5000 });
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${server.host}:${server.port}; run \`npm run services:up\` (${(error as Error).message})`,
    );
  }
  for (const name of [database, sibling]) {
    await admin.query(`CREATE DATABASE ${mysql.escapeId(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.query(`CREATE TABLE ${mysql.escapeId(name)}.things (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL)`);
  }
  await ensureApplicationUser(admin, { user, password: firstPassword, database });
});

afterAll(async () => {
  if (!admin) return;
  for (const name of createdUsers) await admin.query('DROP USER IF EXISTS ?@?', [name, applicationUserHost]);
  for (const name of [database, sibling]) await admin.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(name)}`);
  await admin.end();
});

type Outcome = [statement: string, result: 'ok' | `ER_${string}`];

/**
 * Runs each statement on the connection, in order, and expects what each one gave: `ok`, or the
 * MySQL error code it was refused with. Compared all at once, so a failure shows every statement.
 */
async function expectOutcomes(connection: mysql.Connection, expected: readonly Outcome[]): Promise<void> {
  const results: [string, string][] = [];
  for (const [sql] of expected) {
    try {
      await connection.query(sql);
      results.push([sql, 'ok']);
    } catch (error) {
      results.push([sql, (error as { code?: string }).code ?? String(error)]);
    }
  }
  expect(results).toEqual(expected);
}

/** Logs in as the user with `password`, runs `use`, and logs out. */
async function asUserDoing(password: string, use: (connection: mysql.Connection) => Promise<void>): Promise<void> {
  const connection = await asUser(password);
  try {
    await use(connection);
  } finally {
    await connection.end();
  }
}

describe('ensureApplicationUser', () => {
  it('lets the user read and write rows of its database', async () => {
    await asUserDoing(firstPassword, async (connection) => {
      await expectOutcomes(connection, [
        ["INSERT INTO things (id, label) VALUES (1, 'one'), (2, 'two')", 'ok'],
        ["UPDATE things SET label = 'uno' WHERE id = 1", 'ok'],
        ['DELETE FROM things WHERE id = 2', 'ok'],
        ['SELECT id FROM things WHERE id = 1 FOR UPDATE', 'ok'],
      ]);
      const [rows] = await connection.query<RowDataPacket[]>('SELECT id, label FROM things');
      expect(rows.map((r) => ({ ...r }))).toEqual([{ id: 1, label: 'uno' }]);
    });
  });

  it('refuses schema changes, grants and user management', async () => {
    const own = mysql.escapeId(database);
    await asUserDoing(firstPassword, (connection) =>
      expectOutcomes(connection, [
        ['CREATE TABLE others (id INT PRIMARY KEY)', 'ER_TABLEACCESS_DENIED_ERROR'],
        ['DROP TABLE things', 'ER_TABLEACCESS_DENIED_ERROR'],
        ['ALTER TABLE things ADD COLUMN extra INT', 'ER_TABLEACCESS_DENIED_ERROR'],
        ['CREATE INDEX things_label ON things (label)', 'ER_TABLEACCESS_DENIED_ERROR'],
        ['TRUNCATE TABLE things', 'ER_TABLEACCESS_DENIED_ERROR'],
        [`GRANT SELECT ON ${own}.* TO CURRENT_USER`, 'ER_DBACCESS_DENIED_ERROR'],
        [`GRANT SELECT ON ${own}.things TO CURRENT_USER`, 'ER_TABLEACCESS_DENIED_ERROR'],
        ["CREATE USER 'eventline_never'@'%'", 'ER_SPECIFIC_ACCESS_DENIED_ERROR'],
      ]),
    );
  });

  it('keeps every other database closed, even one its name matches with `_` as a wildcard', async () => {
    const other = mysql.escapeId(sibling);
    await asUserDoing(firstPassword, (connection) =>
      expectOutcomes(connection, [
        [`SELECT * FROM ${other}.things`, 'ER_TABLEACCESS_DENIED_ERROR'],
        [`INSERT INTO ${other}.things (id, label) VALUES (9, 'nine')`, 'ER_TABLEACCESS_DENIED_ERROR'],
        [`USE ${other}`, 'ER_DBACCESS_DENIED_ERROR'],
        ['SELECT * FROM mysql.user', 'ER_TABLEACCESS_DENIED_ERROR'],
        ['CREATE DATABASE eventline_never', 'ER_DBACCESS_DENIED_ERROR'],
      ]),
    );
    await expect(asUser(firstPassword, { database: sibling })).rejects.toMatchObject({ code: 'ER_DBACCESS_DENIED_ERROR' });
  });

  it('converges when run again with a new password: the old one is refused, the new one accepted, the grants unchanged', async () => {
    const grantsBefore = await grantsOf(user);
    const secondPassword = `Second-${randomBytes(12).toString('hex')}`;
    await ensureApplicationUser(admin, { user, password: secondPassword, database });
    await expect(asUser(firstPassword)).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    await asUserDoing(secondPassword, (connection) => expectOutcomes(connection, [['SELECT COUNT(*) FROM things', 'ok']]));
    expect(await grantsOf(user)).toEqual(grantsBefore);
    // Back to the first password for the other tests, whatever order they run in.
    await ensureApplicationUser(admin, { user, password: firstPassword, database });
  });

  it('fails without the password in its error when the caller may not manage users', async () => {
    const password = `Never-logged-${randomBytes(8).toString('hex')}`;
    await asUserDoing(firstPassword, async (connection) => {
      const error = await ensureApplicationUser(connection, { user: `${user}_x`, password, database }).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string; sql?: string },
      );
      expect(error?.code).toBe('ER_SPECIFIC_ACCESS_DENIED_ERROR');
      expect(error?.sql).toBeUndefined();
      expect(`${error?.message}\n${error?.stack}\n${JSON.stringify(error)}`).not.toContain(password);
      expect(error?.message).toContain('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?');
    });
  });
});

async function grantsOf(name: string): Promise<string[]> {
  const [rows] = await admin.query<RowDataPacket[]>('SHOW GRANTS FOR ?@?', [name, applicationUserHost]);
  // The first line carries the password hash, which changes with the password.
  return rows.map((row) => String(Object.values(row)[0])).filter((line) => !line.includes('IDENTIFIED BY'));
}

describe('the SQL-migrations custom resource', () => {
  const variables = [
    'EVENTLINE_BACKEND',
    'EVENTLINE_MYSQL_DATABASE',
    'AWS_REGION',
    'DB_APP_SECRET_ARN',
    migrationsDirEnv,
  ] as const;
  const saved = Object.fromEntries(variables.map((name) => [name, process.env[name]]));
  let bundle: string;

  afterEach(async () => {
    for (const name of variables) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    if (bundle) await rm(bundle, { recursive: true, force: true });
  });

  it('applies the migrations as the admin, then creates the user of DB_APP_SECRET_ARN, who may use the new table', async () => {
    // The bundle's layout: <EVENTLINE_MIGRATIONS_DIR>/<namespace>/NNNN_name.sql.
    bundle = await mkdtemp(path.join(tmpdir(), 'eventline-appuser-'));
    await mkdir(path.join(bundle, 'probe'));
    await writeFile(path.join(bundle, 'probe', '0001_notes.sql'), 'CREATE TABLE IF NOT EXISTS notes (id INT PRIMARY KEY);\n');
    const handlerUser = `eventline_cr_${run}`;
    createdUsers.push(handlerUser);
    const password = `Handler-${randomBytes(12).toString('hex')}`;
    const secretArn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:eventline-test/mysql/app-${run}`;
    // The local root stands for the admin (the services backend's pool); Secrets Manager is mocked.
    Object.assign(process.env, {
      EVENTLINE_BACKEND: 'services',
      EVENTLINE_MYSQL_DATABASE: database,
      AWS_REGION: 'eu-west-1',
      DB_APP_SECRET_ARN: secretArn,
      [migrationsDirEnv]: bundle,
    });
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: handlerUser, password }) });
    const logged: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
    try {
      const result = await handler(createEvent({ Namespaces: JSON.stringify(['probe']) }));
      expect(result.Data).toEqual({ Applied: 'probe/0001_notes', ApplicationUser: handlerUser });
      expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe(secretArn);
    } finally {
      log.mockRestore();
      secrets.restore();
    }
    expect(logged.join('\n')).not.toContain(password);

    const connection = await mysql.createConnection({ ...server, user: handlerUser, password, database });
    try {
      await expectOutcomes(connection, [
        ['INSERT INTO notes (id) VALUES (1)', 'ok'],
        ['DROP TABLE notes', 'ER_TABLEACCESS_DENIED_ERROR'],
      ]);
    } finally {
      await connection.end();
    }
  });
});

function createEvent(properties: Record<string, string>): CloudFormationCustomResourceEvent {
  return {
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Eventline-test-Schema/x',
    RequestId: `request-${run}`,
    LogicalResourceId: 'SqlMigrations',
    ResourceType: 'Custom::EventlineSqlMigrations',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:provider', ...properties },
  };
}
