/**
 * The SQL platform against the real local MariaDB (`npm run services:up`): migrations, the
 * transaction helper and the pools. Every run works in its own databases, dropped afterwards.
 * Fails (does not skip) when MariaDB is not reachable.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { migrationSources } from '../../lambdas/manifest';
import { localServices } from '../../lambdas/platform/config';
import { Unavailable } from '../../lambdas/platform/errors';
import {
  bundledMigrationSources,
  MigrationChecksumError,
  migrate,
  migrationsDirEnv,
  readAllMigrations,
  readMigrations,
} from '../../lambdas/platform/sql/migrate';
import {
  awsPoolOptions,
  closeSqlPool,
  createDatabaseIfMissing,
  createPool,
  type Pool,
  sqlPool,
} from '../../lambdas/platform/sql/pool';
import { splitSqlStatements } from '../../lambdas/platform/sql/split-statements';
import { isDeadlock, withTransaction } from '../../lambdas/platform/sql/transaction';
import { unavailableOnConnectionFailure } from '../../lambdas/platform/sql/unavailable';

const server = (() => {
  const { host, port, user, password } = localServices().mysql;
  return { host, port, user, password };
})();
const runId = randomBytes(4).toString('hex');
const createdDatabases: string[] = [];
const openPools: Pool[] = [];
const tempDirs: string[] = [];

async function freshDatabase(label: string): Promise<string> {
  const database = `eventline_test_${runId}_${label}`;
  createdDatabases.push(database);
  await createDatabaseIfMissing(server, database);
  return database;
}

function poolFor(database: string): Pool {
  const pool = createPool({ ...server, database, connectionLimit: 4 });
  openPools.push(pool);
  return pool;
}

/** A migration source named `test` (or `namespace`) in a fresh folder holding `files`. */
async function migrationsIn(files: Record<string, string>, namespace = 'test') {
  return [{ namespace, directory: await migrationsDir(files) }];
}

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'eventline-migrations-'));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(dir, name), sql);
  return dir;
}

async function rowsOf<T extends RowDataPacket>(pool: Pool, sql: string): Promise<T[]> {
  const [rows] = await pool.query<T[]>(sql);
  return rows;
}

beforeAll(async () => {
  try {
    const connection = await mysql.createConnection({ ...server, connectTimeout: 5000 });
    await connection.end();
  } catch (error) {
    throw new Error(
      `MariaDB is not reachable at ${server.host}:${server.port}; run \`npm run services:up\` ` + `(${(error as Error).message})`,
    );
  }
});

afterAll(async () => {
  await Promise.all(openPools.map((pool) => pool.end()));
  const admin = await mysql.createConnection(server);
  for (const database of createdDatabases) {
    await admin.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
  }
  await admin.end();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons only', () => {
    const sql = `-- a comment; not a statement
      CREATE TABLE a (x VARCHAR(10) DEFAULT 'semi;colon' COMMENT 'it''s; fine');
      /* block; comment */ INSERT INTO a VALUES ("dq;uote"), ('back\\';slash');
      # hash comment;
      SELECT \`odd;name\` FROM a;;
      /*!40101 SET NAMES utf8mb4 */`;
    expect(splitSqlStatements(sql)).toEqual([
      "CREATE TABLE a (x VARCHAR(10) DEFAULT 'semi;colon' COMMENT 'it''s; fine')",
      `INSERT INTO a VALUES ("dq;uote"), ('back\\';slash')`,
      'SELECT `odd;name` FROM a',
      '/*!40101 SET NAMES utf8mb4 */',
    ]);
  });

  it('rejects an unterminated quote', () => {
    expect(() => splitSqlStatements("SELECT 'open")).toThrow(/unterminated/);
  });
});

describe('migrate', () => {
  it('finds bundled migrations under the env folder, one subfolder per namespace, in the given order', () => {
    expect(bundledMigrationSources(['tracking', 'accounts'], { [migrationsDirEnv]: '/opt/migrations' })).toEqual([
      { namespace: 'tracking', directory: '/opt/migrations/tracking' },
      { namespace: 'accounts', directory: '/opt/migrations/accounts' },
    ]);
    expect(() => bundledMigrationSources(['tracking'], {})).toThrow(migrationsDirEnv);
  });

  it('applies the project migrations once; a second run is a no-op', async () => {
    const pool = poolFor(await freshDatabase('project'));
    const tracking = migrationSources.find((source) => source.namespace === 'tracking')!;
    const files = (await readdir(tracking.directory)).filter((f) => f.endsWith('.sql'));

    const first = await migrate(pool, migrationSources);
    expect(first).toEqual(expect.arrayContaining(files.map((file) => `tracking/${file.replace(/\.sql$/, '')}`)));
    expect(first).toContain('tracking/0001_user_tags');
    expect(await migrate(pool, migrationSources)).toEqual([]);

    const recorded = await rowsOf<RowDataPacket>(
      pool,
      'SELECT namespace, version, name, checksum, applied_at FROM schema_migrations ORDER BY applied_at, namespace, version',
    );
    const expected = await readAllMigrations(migrationSources);
    expect(recorded.map((row) => [row.namespace, row.version, row.name, row.checksum])).toEqual(
      expected.map((m) => [m.namespace, m.version, m.name, m.checksum]),
    );
    expect(recorded[0]?.applied_at).toBeInstanceOf(Date);
  });

  it('applies namespaces in the given order and keeps their versions apart', async () => {
    const pool = poolFor(await freshDatabase('namespaces'));
    const first = await migrationsIn({ '0001_a.sql': 'CREATE TABLE a (id INT PRIMARY KEY)' }, 'first');
    const second = await migrationsIn(
      { '0001_b.sql': 'CREATE TABLE b (id INT PRIMARY KEY, a INT, FOREIGN KEY (a) REFERENCES a (id))' },
      'second',
    );
    expect(await migrate(pool, [...first, ...second])).toEqual(['first/0001_a', 'second/0001_b']);
    await expect(migrate(pool, [...first, ...first])).rejects.toThrow(/given twice/);
    await expect(readMigrations({ namespace: 'Bad Name', directory: first[0]!.directory })).rejects.toThrow(/kebab/);
  });

  it('upgrades a database migrated before namespaces: old rows join their namespace, nothing re-runs', async () => {
    const pool = poolFor(await freshDatabase('upgrade'));
    const tracking = migrationSources.filter((source) => source.namespace === 'tracking');
    const migrations = await readAllMigrations(tracking);
    // Today's schema as the previous migrator left it: version as the key, no namespace.
    await pool.query(`CREATE TABLE schema_migrations (
        version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum CHAR(64) NOT NULL,
        applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    const old = migrations.slice(0, 3);
    for (const m of old) {
      for (const statement of splitSqlStatements(m.sql)) await pool.query(statement);
      await pool.query('INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        m.checksum,
      ]);
    }
    // One applied row without a file here (a newer deployment's): left alone.
    await pool.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (99, 'from_the_future', REPEAT('0', 64))");

    // The rest of tracking's, then every later capability's, in the manifest's order.
    const others = await readAllMigrations(migrationSources.filter((source) => source.namespace !== 'tracking'));
    const applied = await migrate(pool, migrationSources);
    expect(applied).toEqual([...migrations.slice(3), ...others].map((m) => m.id));
    const rows = await rowsOf<RowDataPacket>(
      pool,
      "SELECT namespace, version FROM schema_migrations WHERE namespace IN ('', 'tracking') ORDER BY namespace, version",
    );
    expect(rows.map((r) => `${r.namespace}/${r.version}`)).toEqual(['/99', ...migrations.map((m) => `tracking/${m.version}`)]);
    expect(await migrate(pool, migrationSources)).toEqual([]);
  });

  it('user_tags keeps tags byte for byte and ignores a replayed Kafka record', async () => {
    const pool = poolFor(await freshDatabase('tags'));
    await migrate(pool, migrationSources);
    // Key order, spacing, escapes and non-ASCII must survive exactly as sent.
    const tag =
      '{"time":"2022-03-01T00:00:00.649Z","cookie":"Ck-ż😀","country":"PL","device":"PC",' +
      '"action":"BUY","origin":"o","product_info":{"product_id":"0123","brand_id":"b",' +
      '"category_id":"c","price":1000}, "extra" : 1.50e2}';
    const insert =
      'INSERT INTO user_tags (topic, source_partition, source_offset, cookie, action, tag_time_ms, tag_json) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE source_offset = source_offset';
    const values = ['user-tags', 3, 42, 'Ck-ż😀', 'BUY', 1646092800649, tag];
    await pool.execute(insert, values);
    await pool.execute(insert, values); // the same record delivered again

    const rows = await rowsOf<RowDataPacket>(pool, 'SELECT cookie, tag_json FROM user_tags');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tag_json).toBe(tag);
    // The cookie is a VARBINARY key (migration 0006): its UTF-8 bytes, exactly.
    expect(rows[0]?.cookie).toEqual(Buffer.from('Ck-ż😀', 'utf8'));
    // Cookies are case-sensitive ids, and trailing spaces count (no PAD SPACE).
    for (const lookAlike of ['ck-ż😀', 'Ck-ż😀 ', 'Ck-ż😀\t']) {
      const [other] = await pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM user_tags WHERE cookie = ?', [lookAlike]);
      expect(Number(other[0]?.n)).toBe(0);
    }
  });

  it('applies multi-statement files in version order and reports each once', async () => {
    const pool = poolFor(await freshDatabase('order'));
    const dir = await migrationsIn({
      '0002_fill.sql': "INSERT INTO t (v) VALUES ('a;b');\nINSERT INTO t (v) VALUES ('c');\n",
      '0001_create.sql': 'CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10));',
    });
    expect(await migrate(pool, dir)).toEqual(['test/0001_create', 'test/0002_fill']);
    expect(await migrate(pool, dir)).toEqual([]);
    const rows = await rowsOf<RowDataPacket>(pool, 'SELECT v FROM t ORDER BY id');
    expect(rows.map((row) => row.v)).toEqual(['a;b', 'c']);

    // A new file later applies only itself.
    await writeFile(path.join(dir[0]!.directory, '0003_more.sql'), "INSERT INTO t (v) VALUES ('d')");
    expect(await migrate(pool, dir)).toEqual(['test/0003_more']);
  });

  it('refuses to run when an applied migration was changed', async () => {
    const pool = poolFor(await freshDatabase('checksum'));
    const dir = await migrationsIn({ '0001_create.sql': 'CREATE TABLE t (id INT PRIMARY KEY)' });
    await migrate(pool, dir);
    await writeFile(path.join(dir[0]!.directory, '0001_create.sql'), 'CREATE TABLE t (id BIGINT PRIMARY KEY)');
    await writeFile(path.join(dir[0]!.directory, '0002_next.sql'), 'CREATE TABLE u (id INT PRIMARY KEY)');

    const run = migrate(pool, dir);
    await expect(run).rejects.toBeInstanceOf(MigrationChecksumError);
    await expect(run).rejects.toThrow(/0001_create/);
    // Nothing after the check ran.
    const tables = await rowsOf<RowDataPacket>(pool, "SHOW TABLES LIKE 'u'");
    expect(tables).toHaveLength(0);
  });

  it('does not record a failing migration and names the failing statement', async () => {
    const pool = poolFor(await freshDatabase('failing'));
    const dir = await migrationsIn({
      '0001_bad.sql': 'CREATE TABLE t (id INT PRIMARY KEY);\nSELEC nonsense;',
    });
    await expect(migrate(pool, dir)).rejects.toThrow(/test\/0001_bad failed at statement 2 of 2/);
    expect(await rowsOf<RowDataPacket>(pool, 'SELECT * FROM schema_migrations')).toHaveLength(0);
  });

  it('rejects badly named and duplicate migration files', async () => {
    await expect(readMigrations((await migrationsIn({ '1_x.sql': 'SELECT 1' }))[0]!)).rejects.toThrow(/NNNN_lower_snake_case/);
    await expect(
      readMigrations((await migrationsIn({ '0001_a.sql': 'SELECT 1', '0001_b.sql': 'SELECT 1' }))[0]!),
    ).rejects.toThrow(/share version 1/);
  });

  it('concurrent runs apply every migration exactly once', async () => {
    const database = await freshDatabase('concurrent');
    const dir = await migrationsIn({
      // A slow first migration keeps the runs overlapping.
      '0001_slow.sql': 'DO SLEEP(0.3);\nCREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY);',
      '0002_row.sql': 'INSERT INTO t () VALUES ()',
      '0003_row.sql': 'INSERT INTO t () VALUES ()',
    });
    // Separate pools, as separate Lambda containers would have.
    const results = await Promise.all([1, 2, 3].map(() => migrate(poolFor(database), dir)));

    expect(results.flat().sort()).toEqual(['test/0001_slow', 'test/0002_row', 'test/0003_row']);
    expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
    const pool = poolFor(database);
    expect(await rowsOf<RowDataPacket>(pool, 'SELECT id FROM t')).toHaveLength(2);
    expect(await rowsOf<RowDataPacket>(pool, 'SELECT * FROM schema_migrations')).toHaveLength(3);
  });

  it('needs a database selected', async () => {
    const pool = createPool({ ...server, connectionLimit: 1 });
    openPools.push(pool);
    const dir = await migrationsIn({ '0001_x.sql': 'SELECT 1' });
    await expect(migrate(pool, dir)).rejects.toThrow(/select a database/);
  });
});

describe('withTransaction', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = poolFor(await freshDatabase('tx'));
    await pool.query('CREATE TABLE account (id INT PRIMARY KEY, balance INT NOT NULL)');
  });

  beforeEach(async () => {
    await pool.query('DELETE FROM account');
    await pool.query('INSERT INTO account VALUES (1, 100), (2, 100)');
  });

  async function balances(): Promise<number[]> {
    const rows = await rowsOf<RowDataPacket>(pool, 'SELECT balance FROM account ORDER BY id');
    return rows.map((row) => row.balance);
  }

  it('commits and returns what the work returned', async () => {
    const result = await withTransaction(pool, async (connection) => {
      await connection.query('UPDATE account SET balance = balance - 30 WHERE id = 1');
      await connection.query('UPDATE account SET balance = balance + 30 WHERE id = 2');
      return 'moved';
    });
    expect(result).toBe('moved');
    expect(await balances()).toEqual([70, 130]);
  });

  it('rolls back everything when the work throws, and rethrows', async () => {
    const failure = new Error('half-way');
    await expect(
      withTransaction(pool, async (connection) => {
        await connection.query('UPDATE account SET balance = balance - 30 WHERE id = 1');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await balances()).toEqual([100, 100]);
  });

  it('retries a real deadlock so both transactions end up committed', async () => {
    // Two transactions lock rows 1 and 2 in opposite orders: InnoDB kills one of them.
    let reachedBarrier = 0;
    let openBarrier: () => void = () => {};
    const barrier = new Promise<void>((resolve) => {
      openBarrier = resolve;
    });
    let attempts = 0;
    const transfer = (from: number, to: number) =>
      withTransaction(
        pool,
        async (connection) => {
          attempts += 1;
          await connection.query('UPDATE account SET balance = balance - 10 WHERE id = ?', [from]);
          reachedBarrier += 1;
          if (reachedBarrier === 2) openBarrier();
          await barrier;
          await connection.query('UPDATE account SET balance = balance + 10 WHERE id = ?', [to]);
        },
        { maxAttempts: 5 },
      );

    await Promise.all([transfer(1, 2), transfer(2, 1)]);
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(await balances()).toEqual([100, 100]);
  });

  it('gives up after maxAttempts and does not retry other errors', async () => {
    const deadlock = Object.assign(new Error('Deadlock found'), {
      code: 'ER_LOCK_DEADLOCK',
      errno: 1213,
    });
    let calls = 0;
    await expect(
      withTransaction(
        pool,
        async () => {
          calls += 1;
          throw deadlock;
        },
        { maxAttempts: 2 },
      ),
    ).rejects.toBe(deadlock);
    expect(calls).toBe(2);

    calls = 0;
    await expect(
      withTransaction(pool, async () => {
        calls += 1;
        throw new Error('not a deadlock');
      }),
    ).rejects.toThrow('not a deadlock');
    expect(calls).toBe(1);
    expect(isDeadlock(deadlock)).toBe(true);
  });
});

describe('sqlPool', () => {
  afterEach(() => closeSqlPool());

  it('services: creates the configured database on first use and reuses one pool', async () => {
    const database = `eventline_test_${runId}_shared`;
    createdDatabases.push(database);
    const env = {
      EVENTLINE_BACKEND: 'services',
      EVENTLINE_MYSQL_HOST: server.host,
      EVENTLINE_MYSQL_PORT: String(server.port),
      EVENTLINE_MYSQL_USER: server.user,
      EVENTLINE_MYSQL_PASSWORD: server.password,
      EVENTLINE_MYSQL_DATABASE: database,
    };
    const pool = await sqlPool(env);
    expect(await sqlPool(env)).toBe(pool);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT DATABASE() AS db');
    expect(rows[0]?.db).toBe(database);
  });

  it("says Unavailable, in the domain's words, when the server cannot be reached; statement errors stay as they are", async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const down = {
      EVENTLINE_BACKEND: 'services',
      EVENTLINE_MYSQL_HOST: '127.0.0.1',
      EVENTLINE_MYSQL_PORT: String(port),
    };
    await expect(sqlPool(down)).rejects.toBeInstanceOf(Unavailable);

    const pool = unavailableOnConnectionFailure(createPool({ host: '127.0.0.1', port, user: 'root', connectionLimit: 1 }));
    openPools.push(pool);
    await expect(pool.query('SELECT 1')).rejects.toBeInstanceOf(Unavailable);
    await expect(pool.getConnection()).rejects.toBeInstanceOf(Unavailable);

    const up = unavailableOnConnectionFailure(poolFor(await freshDatabase('unavailable')));
    const wrong = up.query('SELEC nonsense');
    await expect(wrong).rejects.toThrow(/syntax/);
    await expect(wrong).rejects.not.toBeInstanceOf(Unavailable);
  });

  it('embedded: has no SQL server and says so', async () => {
    await expect(sqlPool({ EVENTLINE_BACKEND: 'embedded' })).rejects.toThrow(/embedded/);
  });

  it('aws: RDS Proxy over verified TLS with the credentials from the secret', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ username: 'app', password: 'pw-from-secret', port: 3306 }),
    });
    try {
      const options = await awsPoolOptions({
        AWS_REGION: 'eu-west-1',
        DB_PROXY_ENDPOINT: 'proxy.proxy-abc.eu-west-1.rds.amazonaws.com',
        DB_NAME: 'eventline',
        DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
      });
      expect(options).toMatchObject({
        host: 'proxy.proxy-abc.eu-west-1.rds.amazonaws.com',
        port: 3306,
        database: 'eventline',
        user: 'app',
        password: 'pw-from-secret',
        ssl: { rejectUnauthorized: true },
      });
      const ssl = options.ssl as { ca: string[] };
      // RDS CAs and the Amazon Trust Services roots behind RDS Proxy's ACM certificate.
      expect(ssl.ca.length).toBeGreaterThan(5);
      expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe(
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
      );
    } finally {
      secrets.restore();
    }
  });
});
