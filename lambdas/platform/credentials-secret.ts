/**
 * A `{"username", "password"}` secret from Secrets Manager, as RDS generates for the database and
 * lib/data/cache.ts for the cache user. Read through Powertools (cached per container, 5 s by
 * default; `forceFetch` after a rotation). The Powertools module and the Secrets Manager client
 * are imported on first use, so a function that never reads a secret does not load them.
 */
export interface UsernamePassword {
  readonly username: string;
  readonly password: string;
}

export async function usernamePasswordSecret(
  secretArn: string,
  { forceFetch = false }: { forceFetch?: boolean } = {},
): Promise<UsernamePassword> {
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const secret = await getSecret<UsernamePassword>(secretArn, { transform: 'json', throwOnMissing: true, forceFetch });
  if (
    typeof secret !== 'object' ||
    secret === null ||
    typeof secret.username !== 'string' ||
    typeof secret.password !== 'string'
  ) {
    // Never echo the secret: only say which fields were expected.
    throw new Error(`secret ${secretArn} must be JSON with string fields username and password`);
  }
  return { username: secret.username, password: secret.password };
}
