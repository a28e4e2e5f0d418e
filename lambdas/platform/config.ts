/**
 * Where a handler's adapters point. One variable picks the backend:
 * - `embedded` (default for `npm start`): in-process bus and stores, nothing installed;
 * - `services`: the real local services started by `npm run services:up`;
 * - `aws`: set by the CDK app on every deployed function.
 * The names below are the contract between lib/ (which sets them) and the adapters (which read them).
 */
export type Backend = 'embedded' | 'services' | 'aws';

export const EnvNames = {
  backend: 'EVENTLINE_BACKEND',
  stage: 'EVENTLINE_STAGE',
  // AWS (set by the CDK app)
  mskClusterArn: 'MSK_CLUSTER_ARN',
  dbProxyEndpoint: 'DB_PROXY_ENDPOINT',
  /** The `{"username", "password"}` the SQL pool logs in with: the application user's, for every function. */
  dbSecretArn: 'DB_SECRET_ARN',
  /**
   * The application user's secret, given only to the SQL-migrations custom resource, whose own
   * `DB_SECRET_ARN` is the admin's: it creates that user and sets its password (application-user.ts).
   */
  dbAppSecretArn: 'DB_APP_SECRET_ARN',
  dbName: 'DB_NAME',
  openSearchEndpoint: 'OPENSEARCH_ENDPOINT',
  cacheEndpoint: 'CACHE_ENDPOINT',
  /** The cache user's `{"username", "password"}` in Secrets Manager. */
  cacheSecretArn: 'CACHE_SECRET_ARN',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  mailFrom: 'MAIL_FROM',
  cognitoUserPoolId: 'COGNITO_USER_POOL_ID',
  cognitoClientId: 'COGNITO_CLIENT_ID',
  /** `true` confirms sign-ups (and verifies emails) without a human click: locally and in the dev stage. */
  cognitoAutoConfirm: 'COGNITO_AUTO_CONFIRM',
  // local services (defaults below)
  kafkaBrokers: 'EVENTLINE_KAFKA_BROKERS',
  mysqlHost: 'EVENTLINE_MYSQL_HOST',
  mysqlPort: 'EVENTLINE_MYSQL_PORT',
  mysqlUser: 'EVENTLINE_MYSQL_USER',
  mysqlPassword: 'EVENTLINE_MYSQL_PASSWORD',
  mysqlDatabase: 'EVENTLINE_MYSQL_DATABASE',
  openSearchUrl: 'EVENTLINE_OPENSEARCH_URL',
  redisUrl: 'EVENTLINE_REDIS_URL',
  sesEndpoint: 'EVENTLINE_SES_ENDPOINT',
  cognitoEndpoint: 'EVENTLINE_COGNITO_ENDPOINT',
} as const;

export function currentBackend(env: NodeJS.ProcessEnv = process.env): Backend {
  const value = env[EnvNames.backend] ?? 'embedded';
  if (value === 'embedded' || value === 'services' || value === 'aws') return value;
  throw new Error(`${EnvNames.backend} must be embedded, services or aws (got "${value}")`);
}

/** Endpoints of the local services (`npm run services:up`), overridable by env. */
export function localServices(env: NodeJS.ProcessEnv = process.env) {
  return {
    kafkaBrokers: (env[EnvNames.kafkaBrokers] ?? '127.0.0.1:9092').split(','),
    mysql: {
      host: env[EnvNames.mysqlHost] ?? '127.0.0.1',
      port: Number(env[EnvNames.mysqlPort] ?? 3306),
      user: env[EnvNames.mysqlUser] ?? 'root',
      password: env[EnvNames.mysqlPassword] ?? '',
      database: env[EnvNames.mysqlDatabase] ?? 'eventline',
    },
    openSearchUrl: env[EnvNames.openSearchUrl] ?? 'http://127.0.0.1:9200',
    redisUrl: env[EnvNames.redisUrl] ?? 'redis://127.0.0.1:6379',
    sesEndpoint: env[EnvNames.sesEndpoint] ?? 'http://127.0.0.1:8005',
    cognitoEndpoint: env[EnvNames.cognitoEndpoint] ?? 'http://127.0.0.1:9229',
  };
}

/** `host` or `host:port` from an endpoint variable, with the service's default port. */
export function parseEndpoint(endpoint: string, defaultPort: number, variable: string): { host: string; port: number } {
  const match = /^([^:]+)(?::(\d+))?$/.exec(endpoint.trim());
  if (!match) throw new Error(`${variable} must be host or host:port`);
  return { host: match[1], port: match[2] ? Number(match[2]) : defaultPort };
}

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}
