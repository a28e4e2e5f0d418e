/**
 * Makes sure cognito-local holds Eventline's local user pool, idempotently, and writes its ids to
 * `.local/cognito/pool.json` (read by the Cognito identity adapter with the services backend):
 *   COGNITO_ENDPOINT=http://127.0.0.1:9229 npx tsx scripts/services/cognito-pool.ts
 * Run by scripts/services/cognito.sh start once cognito-local answers. Found by name, created when
 * missing:
 * - the pool `eventline-local`: usernames (not email addresses) to sign in, a required email, the
 *   password policy of `identity-input.ts` (the one the adapters check and the CDK pool uses);
 * - the app client `eventline-local-app`: no secret, USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH,
 *   access tokens valid for an hour;
 * - the pool's groups (`admin`).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ACCESS_TOKEN_SECONDS, PASSWORD_POLICY, POOL_GROUPS } from '../../lambdas/platform/identity/identity-input';

const POOL_NAME = 'eventline-local';
const CLIENT_NAME = 'eventline-local-app';

const endpoint = (process.env.COGNITO_ENDPOINT ?? 'http://127.0.0.1:9229').replace(/\/+$/, '');
// cognito-local signs tokens with iss=<IssuerDomain>/<poolId>; cognito.sh pins the domain.
const issuerDomain = (process.env.COGNITO_ISSUER_DOMAIN ?? endpoint).replace(/\/+$/, '');
const poolFile = process.env.COGNITO_POOL_FILE ?? path.resolve(__dirname, '../../.local/cognito/pool.json');

const client = new CognitoIdentityProviderClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

async function ensurePool(): Promise<string> {
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  const found = pools.UserPools?.find((pool) => pool.Name === POOL_NAME);
  if (found?.Id) return found.Id;
  const created = await client.send(
    new CreateUserPoolCommand({
      PoolName: POOL_NAME,
      Policies: {
        PasswordPolicy: {
          MinimumLength: PASSWORD_POLICY.minimumLength,
          RequireUppercase: PASSWORD_POLICY.requireUppercase,
          RequireLowercase: PASSWORD_POLICY.requireLowercase,
          RequireNumbers: PASSWORD_POLICY.requireDigits,
          RequireSymbols: PASSWORD_POLICY.requireSymbols,
        },
      },
      Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
      UsernameConfiguration: { CaseSensitive: true },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    }),
  );
  if (!created.UserPool?.Id) throw new Error('CreateUserPool returned no pool id');
  console.log(`cognito: created user pool ${POOL_NAME} (${created.UserPool.Id})`);
  return created.UserPool.Id;
}

/** Fails loudly on a pool that signs in by email address (cognito-local's default when not configured). */
async function assertUsernameSignIn(userPoolId: string): Promise<void> {
  const { UserPool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
  const attributes = UserPool?.UsernameAttributes ?? [];
  if (attributes.length > 0) {
    throw new Error(
      `pool ${userPoolId} signs in by ${attributes.join(', ')}, not by username; ` +
        'stop cognito-local, delete .local/cognito/.cognito and start it again (cognito.sh configures username sign-in)',
    );
  }
}

async function ensureClient(userPoolId: string): Promise<string> {
  const clients = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  const found = clients.UserPoolClients?.find((appClient) => appClient.ClientName === CLIENT_NAME);
  if (found?.ClientId) return found.ClientId;
  const created = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: CLIENT_NAME,
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: ACCESS_TOKEN_SECONDS / 60,
      IdTokenValidity: ACCESS_TOKEN_SECONDS / 60,
      RefreshTokenValidity: 30,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
      PreventUserExistenceErrors: 'ENABLED',
    }),
  );
  if (!created.UserPoolClient?.ClientId) throw new Error('CreateUserPoolClient returned no client id');
  console.log(`cognito: created app client ${CLIENT_NAME} (${created.UserPoolClient.ClientId})`);
  return created.UserPoolClient.ClientId;
}

async function ensureGroups(userPoolId: string): Promise<void> {
  // Listed, not fetched one by one: cognito-local's GetGroup fails with a 500 on a pool without
  // groups, and its CreateGroup overwrites an existing group (dropping its members).
  const existing = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60, NextToken }));
    for (const group of page.Groups ?? []) if (group.GroupName) existing.add(group.GroupName);
    NextToken = page.NextToken;
  } while (NextToken);
  for (const groupName of POOL_GROUPS) {
    if (existing.has(groupName)) continue;
    await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: groupName }));
    console.log(`cognito: created group ${groupName}`);
  }
}

async function main(): Promise<void> {
  const userPoolId = await ensurePool();
  await assertUsernameSignIn(userPoolId);
  const clientId = await ensureClient(userPoolId);
  await ensureGroups(userPoolId);
  const pool = {
    userPoolId,
    clientId,
    endpoint,
    issuer: `${issuerDomain}/${userPoolId}`,
    jwksUri: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
  };
  mkdirSync(path.dirname(poolFile), { recursive: true });
  const temporary = `${poolFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(pool, null, 2)}\n`);
  renameSync(temporary, poolFile);
  console.log(`cognito: pool ${userPoolId}, app client ${clientId}, groups ${POOL_GROUPS.join(', ')} (ids in ${poolFile})`);
}

main()
  .catch((err: unknown) => {
    console.error(`cognito: setting up the local user pool failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => client.destroy());
