/**
 * What the admin commands share: which backend they talk to, the registry for it, and the SQL an
 * operator can run by hand. Keys are printed once by the command that issues them and never
 * logged anywhere else.
 */
import mysql from 'mysql2/promise';
import { migrationSources } from '../../lambdas/manifest';
import { type Backend, EnvNames } from '../../lambdas/platform/config';
import { migrate } from '../../lambdas/platform/sql/migrate';
import { closeSqlPool, sqlPool } from '../../lambdas/platform/sql/pool';
import { MySqlAppRegistry } from '../../lambdas/tracking/adapters/mysql-app-registry';
import type { AppRegistry } from '../../lambdas/tracking/domain/app-registry';

export interface AdminArgs {
  readonly positional: readonly string[];
  /** `--backend=services|aws|embedded`, else EVENTLINE_BACKEND, else `services`. */
  readonly backend: Backend;
  /** `--sql`: print SQL instead of connecting. */
  readonly sqlOnly: boolean;
}

export function parseAdminArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AdminArgs {
  const positional: string[] = [];
  let backend = (env[EnvNames.backend] as Backend | undefined) ?? 'services';
  let sqlOnly = false;
  for (const arg of argv) {
    if (arg === '--sql') sqlOnly = true;
    else if (arg.startsWith('--backend=')) backend = arg.slice('--backend='.length) as Backend;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (!['services', 'aws', 'embedded'].includes(backend))
    throw new Error(`--backend must be services, aws or embedded (got ${backend})`);
  return { positional, backend, sqlOnly };
}

/**
 * The registry of the services backend (local MariaDB, EVENTLINE_MYSQL_*; migrations applied
 * first, as `npm start` would) or of AWS (RDS Proxy: DB_PROXY_ENDPOINT, DB_SECRET_ARN, DB_NAME,
 * reachable only from inside the VPC). The callback's registry is closed afterwards.
 */
export async function withRegistry<T>(backend: Backend, use: (registry: AppRegistry) => Promise<T>): Promise<T> {
  if (backend === 'embedded') throw new Error('the embedded backend keeps apps in the memory of `npm start`; see --help');
  process.env[EnvNames.backend] = backend;
  try {
    const pool = await sqlPool();
    if (backend === 'services') await migrate(pool, migrationSources);
    return await use(new MySqlAppRegistry(pool));
  } finally {
    await closeSqlPool();
  }
}

/** Statements that store an app (if new) and one key hash, for an operator's SQL session. */
export function createAppSql(appId: string, name: string, keyId: string, keyHash: string): string {
  return [
    mysql.format('INSERT INTO apps (app_id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE app_id = app_id;', [appId, name]),
    mysql.format('INSERT INTO app_keys (key_id, app_id, key_hash) VALUES (?, ?, ?);', [keyId, appId, keyHash]),
  ].join('\n');
}

export function revokeKeySql(keyId: string): string {
  return mysql.format('UPDATE app_keys SET revoked_at = COALESCE(revoked_at, CURRENT_TIMESTAMP(3)) WHERE key_id = ?;', [keyId]);
}

/** Runs a command's main, printing a failure without a stack (and never the key). */
export function runAdminCommand(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`error: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
