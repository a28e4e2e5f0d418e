/**
 * The identity port on an Amazon Cognito user pool (`@aws-sdk/client-cognito-identity-provider`):
 * real Cognito in AWS, cognito-local (`scripts/services/cognito.sh`) with the services backend.
 *
 * Sign-ups are confirmed (and their email marked verified) by the adapter itself when
 * auto-confirm is on: locally and in the dev stage, where nobody clicks a code. Cognito's
 * failures become the domain's words; the differences of cognito-local are absorbed here:
 * - it checks no password policy (SignUp stores any password), so both adapters check the pool's
 *   policy first (`identity-input.ts`, the same values the CDK pool is built from);
 * - a wrong password is `InvalidPasswordException` there (`NotAuthorizedException` in Cognito);
 * - an unknown user is `NotAuthorizedException` in AdminUpdateUserAttributes and AdminConfirmSignUp
 *   there (`UserNotFoundException` in Cognito);
 * - REFRESH_TOKEN_AUTH answers no `ExpiresIn` there: it is read from the new token's `exp`;
 * - RevokeToken of an unknown (or already revoked) token is `NotAuthorizedException` there; Cognito
 *   may also say `UnsupportedTokenTypeException` for a token that is not one of its refresh
 *   tokens. Either means there is nothing to revoke: success.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type AttributeType,
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { currentBackend, EnvNames, localServices, requiredEnv } from '../config';
import { Conflict, Forbidden, InvalidInput, NotFound, RateLimited, Unauthenticated, Unavailable } from '../errors';
import type { IdentityProvider, IdentityUser, JsonWebKey, Tokens, TokenVerification } from './identity';
import {
  ACCESS_TOKEN_SECONDS,
  assertValidEmail,
  assertValidPassword,
  assertValidSignUp,
  PASSWORD_MAX,
  REFRESH_FAILED,
  signInFailed,
  usernameProblem,
} from './identity-input';

export interface CognitoIdentityOptions {
  readonly userPoolId: string;
  /** The app client (no secret) that allows USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, with token revocation on. */
  readonly clientId: string;
  /** Confirm sign-ups and verify emails without a code (locally and in dev). */
  readonly autoConfirm: boolean;
  /** The `iss` of the pool's tokens. */
  readonly issuer: string;
  /** Where the pool publishes its signing keys. */
  readonly jwksUri: string;
}

/** What an operation was doing when Cognito refused: the same exception means different things. */
type Operation =
  | 'signUp'
  | 'confirm'
  | 'signIn'
  | 'refresh'
  | 'revoke'
  | 'getUser'
  | 'setEmail'
  | 'setPassword'
  | 'deleteUser'
  | 'addToGroup';

/** What RevokeToken answers for a token that is not (or no longer) a live refresh token of the client. */
const NOTHING_TO_REVOKE = new Set(['NotAuthorizedException', 'UnsupportedTokenTypeException']);
/** RevokeToken's pattern for `Token`: anything else cannot be a token Cognito issued. */
const REVOCABLE_TOKEN = /^[\w=.-]+$/;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

export class CognitoIdentity implements IdentityProvider {
  private keys?: Promise<{ keys: JsonWebKey[] }>;

  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly options: CognitoIdentityOptions,
  ) {}

  async signUp(input: { username: string; email: string; password: string }): Promise<IdentityUser> {
    assertValidSignUp(input);
    const { UserPoolId, ClientId } = this.ids();
    const created = await this.call('signUp', () =>
      this.client.send(
        new SignUpCommand({
          ClientId,
          Username: input.username,
          Password: input.password,
          UserAttributes: [{ Name: 'email', Value: input.email }],
        }),
      ),
    );
    if (!created.UserSub) throw new Error('Cognito signed the user up but returned no sub');
    if (this.options.autoConfirm) {
      try {
        if (!created.UserConfirmed) {
          await this.client.send(new AdminConfirmSignUpCommand({ UserPoolId, Username: input.username }));
        }
        await this.client.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId,
            Username: input.username,
            UserAttributes: verifiedEmail(input.email),
          }),
        );
      } catch (error) {
        // An unconfirmed user would block the name: undo the sign-up so the client can simply retry.
        await this.client.send(new AdminDeleteUserCommand({ UserPoolId, Username: input.username })).catch(() => undefined);
        throw translate(error, 'confirm');
      }
    }
    return { username: input.username, sub: created.UserSub, email: input.email, groups: [] };
  }

  async signIn(username: string, password: string): Promise<Tokens> {
    // What Cognito would refuse as a malformed parameter is, for a sign-in, just a failed one.
    if (usernameProblem(username) || password.length === 0 || [...password].length > PASSWORD_MAX) throw signInFailed();
    const output = await this.call('signIn', () =>
      this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.options.clientId,
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      ),
    );
    if (!output.AuthenticationResult) {
      // A challenge (a new password, MFA) this platform does not offer: the password was right.
      throw new Forbidden(`the sign-in needs a step this platform does not support (${output.ChallengeName ?? 'a challenge'})`);
    }
    return tokensOf(output.AuthenticationResult);
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    if (refreshToken.length === 0) throw new Unauthenticated(REFRESH_FAILED);
    const output = await this.call('refresh', () =>
      this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: this.options.clientId,
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      ),
    );
    if (!output.AuthenticationResult) throw new Unauthenticated(REFRESH_FAILED);
    // Cognito answers no refresh token here unless rotation is on: the one sent stays valid.
    return tokensOf(output.AuthenticationResult, refreshToken);
  }

  async revoke(refreshToken: string): Promise<void> {
    if (!REVOCABLE_TOKEN.test(refreshToken)) return;
    try {
      // The app client has no secret (lib/data/user-pool.ts), so none is sent.
      await this.client.send(new RevokeTokenCommand({ ClientId: this.options.clientId, Token: refreshToken }));
    } catch (error) {
      const name = errorName(error);
      if (name !== undefined && NOTHING_TO_REVOKE.has(name)) return;
      throw translate(error, 'revoke');
    }
  }

  async getUser(username: string): Promise<IdentityUser | undefined> {
    if (usernameProblem(username)) return undefined;
    const { UserPoolId } = this.ids();
    try {
      const [user, groups] = await Promise.all([
        this.client.send(new AdminGetUserCommand({ UserPoolId, Username: username })),
        this.groupsOf(username),
      ]);
      const attribute = (name: string) => user.UserAttributes?.find((a) => a.Name === name)?.Value;
      return { username: user.Username ?? username, sub: attribute('sub') ?? '', email: attribute('email') ?? '', groups };
    } catch (error) {
      if (errorName(error) === 'UserNotFoundException') return undefined;
      throw translate(error, 'getUser');
    }
  }

  async setEmail(username: string, email: string): Promise<void> {
    assertValidEmail(email);
    if (usernameProblem(username)) throw noSuchUser();
    const attributes = this.options.autoConfirm ? verifiedEmail(email) : [{ Name: 'email', Value: email }];
    await this.call('setEmail', () =>
      this.client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: this.options.userPoolId,
          Username: username,
          UserAttributes: attributes,
        }),
      ),
    );
  }

  async setPassword(username: string, password: string): Promise<void> {
    assertValidPassword(password);
    if (usernameProblem(username)) throw noSuchUser();
    await this.call('setPassword', () =>
      this.client.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: this.options.userPoolId,
          Username: username,
          Password: password,
          Permanent: true,
        }),
      ),
    );
  }

  async deleteUser(username: string): Promise<void> {
    if (usernameProblem(username)) throw noSuchUser();
    await this.call('deleteUser', () =>
      this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.options.userPoolId, Username: username })),
    );
  }

  async addToGroup(username: string, group: string): Promise<void> {
    if (usernameProblem(username)) throw noSuchUser();
    await this.call('addToGroup', () =>
      this.client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: this.options.userPoolId, Username: username, GroupName: group }),
      ),
    );
  }

  async verification(): Promise<TokenVerification> {
    const { issuer, jwksUri, clientId } = this.options;
    return {
      issuer,
      audience: [clientId],
      jwksUri,
      jwks: () => {
        this.keys ??= fetchKeys(jwksUri).catch((error: unknown) => {
          this.keys = undefined;
          throw error;
        });
        return this.keys;
      },
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private ids() {
    return { UserPoolId: this.options.userPoolId, ClientId: this.options.clientId };
  }

  private async groupsOf(username: string): Promise<string[]> {
    const groups: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new AdminListGroupsForUserCommand({ UserPoolId: this.options.userPoolId, Username: username, Limit: 60, NextToken }),
      );
      for (const group of page.Groups ?? []) if (group.GroupName) groups.push(group.GroupName);
      NextToken = page.NextToken;
    } while (NextToken);
    return groups;
  }

  private async call<T>(operation: Operation, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translate(error, operation);
    }
  }
}

function verifiedEmail(email: string): AttributeType[] {
  // cognito-local, like Cognito, wants the address beside the flag that verifies it.
  return [
    { Name: 'email', Value: email },
    { Name: 'email_verified', Value: 'true' },
  ];
}

function noSuchUser(): NotFound {
  return new NotFound('no such user');
}

function tokensOf(result: AuthenticationResultType, refreshToken = result.RefreshToken): Tokens {
  if (!result.AccessToken || !refreshToken) throw new Error('Cognito authenticated but returned no tokens');
  return {
    accessToken: result.AccessToken,
    refreshToken,
    expiresIn: result.ExpiresIn ?? secondsLeft(result.AccessToken),
  };
}

/** Seconds until a JWT's `exp` (read, not verified: it came straight from the pool). */
function secondsLeft(token: string): number {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof claims.exp === 'number') return Math.max(0, claims.exp - Math.floor(Date.now() / 1000));
  } catch {
    // fall through to the pool's configured validity
  }
  return ACCESS_TOKEN_SECONDS;
}

async function fetchKeys(jwksUri: string): Promise<{ keys: JsonWebKey[] }> {
  let response: Response;
  try {
    response = await fetch(jwksUri, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new Unavailable('the user pool keys could not be fetched, retry shortly', { cause: error });
  }
  if (!response.ok) throw new Unavailable(`the user pool keys could not be fetched (HTTP ${response.status})`);
  const body = (await response.json()) as { keys?: unknown };
  if (!Array.isArray(body.keys)) throw new Error(`${jwksUri} answered no key set`);
  return { keys: body.keys as JsonWebKey[] };
}

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function isNetworkFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const name = errorName(error);
  if (name === 'TimeoutError' || name === 'RequestTimeout') return true;
  // The SDK's retry middleware re-wraps an error it does not see as an Error (one from another
  // realm, e.g. under jest) keeping only the message: "AWS SDK error wrapper for Error: connect ECONNREFUSED …".
  const answered = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode !== undefined;
  const message = error instanceof Error ? error.message : '';
  return !answered && [...NETWORK_CODES].some((networkCode) => message.includes(networkCode));
}

/** Which request field a Cognito InvalidParameterException speaks of. */
function fieldOf(message: string): string {
  const lower = message.toLowerCase();
  if (lower.includes('password')) return 'body.password';
  if (lower.includes('email')) return 'body.email';
  if (lower.includes('username')) return 'body.username';
  return 'body';
}

/**
 * Cognito's exceptions in the domain's words, per operation. Anything not listed (a missing
 * pool or client, a forbidden auth flow, bad credentials of the function) is a configuration
 * error and passes unchanged: a logged 500, not a client's fault.
 */
export function translate(error: unknown, operation: Operation): unknown {
  if (isNetworkFailure(error)) return new Unavailable('the user pool is unreachable, retry shortly', { cause: error });
  const name = errorName(error);
  const message = error instanceof Error ? error.message : '';
  switch (name) {
    case 'UsernameExistsException':
      return new Conflict('a user with this username already exists');
    case 'AliasExistsException':
      return new Conflict('this email address belongs to another account');
    case 'InvalidPasswordException':
      // cognito-local's answer to a wrong password at sign-in; Cognito's to a password its policy refuses.
      if (operation === 'signIn') return signInFailed();
      return new InvalidInput('the password does not meet the policy', [{ path: 'body.password', message }]);
    case 'InvalidParameterException':
      if (operation === 'refresh') return new Unauthenticated(REFRESH_FAILED);
      if (operation === 'signUp' || operation === 'setEmail') {
        const field = operation === 'setEmail' ? 'body.email' : fieldOf(message);
        return new InvalidInput(`the ${field.replace('body.', '')} is not valid`, [{ path: field, message }]);
      }
      return error;
    case 'NotAuthorizedException':
      if (operation === 'signIn') return signInFailed();
      if (operation === 'refresh') return new Unauthenticated(REFRESH_FAILED);
      // cognito-local's answer for an unknown user in AdminUpdateUserAttributes / AdminConfirmSignUp.
      if (operation === 'setEmail' || operation === 'confirm') return noSuchUser();
      return error;
    case 'UserNotFoundException':
      if (operation === 'signIn') return signInFailed();
      if (operation === 'refresh') return new Unauthenticated(REFRESH_FAILED);
      return noSuchUser();
    case 'ResourceNotFoundException':
      return operation === 'addToGroup' ? new NotFound('no such group') : error;
    case 'UserNotConfirmedException':
      return new Forbidden('the account is not confirmed yet');
    case 'PasswordResetRequiredException':
      return new Forbidden('the password must be reset before signing in');
    case 'TooManyRequestsException':
      return new RateLimited('too many requests, retry shortly', { cause: error, retryAfterSeconds: 1 });
    case 'TooManyFailedAttemptsException':
    case 'LimitExceededException':
      return new RateLimited('too many attempts, retry later', { cause: error, retryAfterSeconds: 60 });
    case 'InternalErrorException':
    case 'CodeDeliveryFailureException':
      return new Unavailable('the user pool could not do this now, retry shortly', { cause: error });
  }
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  // cognito-local answers an operation it does not implement with a 500 "Unsupported": a bug, not an outage.
  if (status !== undefined && status >= 500 && name !== 'Unsupported') {
    return new Unavailable('the user pool could not do this now, retry shortly', { cause: error });
  }
  return error;
}

/** The local pool `scripts/services/cognito.sh` creates in cognito-local (`.local/cognito/pool.json`). */
export interface LocalPool {
  readonly userPoolId: string;
  readonly clientId: string;
  /** The `iss` cognito-local puts in tokens: `<IssuerDomain>/<poolId>`. */
  readonly issuer?: string;
}

/** `.local/cognito/pool.json` under the repository root. */
export const LOCAL_POOL_FILE = path.resolve(__dirname, '../../../.local/cognito/pool.json');

export function readLocalPool(file = LOCAL_POOL_FILE): LocalPool {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`no local user pool at ${file}; run \`npm run services:up\` (${(error as Error).message})`);
  }
  const pool = JSON.parse(text) as Partial<LocalPool>;
  if (!pool.userPoolId || !pool.clientId) throw new Error(`${file} names no userPoolId and clientId`);
  return { userPoolId: pool.userPoolId, clientId: pool.clientId, issuer: pool.issuer };
}

/**
 * - `aws`: the pool and client from `COGNITO_USER_POOL_ID` / `COGNITO_CLIENT_ID` (region from the
 *   pool id), auto-confirm when `COGNITO_AUTO_CONFIRM=true` (the dev stage); the issuer and keys
 *   are Cognito's (`https://cognito-idp.<region>.amazonaws.com/<poolId>`).
 * - `services`: cognito-local at `EVENTLINE_COGNITO_ENDPOINT` (default http://127.0.0.1:9229), the
 *   ids from the same variables or else `.local/cognito/pool.json`, auto-confirm unless
 *   `COGNITO_AUTO_CONFIRM=false`, dummy credentials (it checks none).
 */
export function cognitoIdentityFromEnv(env: NodeJS.ProcessEnv = process.env, poolFile = LOCAL_POOL_FILE): CognitoIdentity {
  const backend = currentBackend(env);
  if (backend === 'aws') {
    const userPoolId = requiredEnv(EnvNames.cognitoUserPoolId, env);
    const region = userPoolId.split('_')[0];
    const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
    return new CognitoIdentity(new CognitoIdentityProviderClient({ region }), {
      userPoolId,
      clientId: requiredEnv(EnvNames.cognitoClientId, env),
      autoConfirm: env[EnvNames.cognitoAutoConfirm] === 'true',
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
    });
  }
  if (backend === 'services') {
    const endpoint = localServices(env).cognitoEndpoint.replace(/\/+$/, '');
    const fromEnv = env[EnvNames.cognitoUserPoolId] && env[EnvNames.cognitoClientId];
    const pool: LocalPool = fromEnv
      ? { userPoolId: env[EnvNames.cognitoUserPoolId]!, clientId: env[EnvNames.cognitoClientId]! }
      : readLocalPool(poolFile);
    const client = new CognitoIdentityProviderClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return new CognitoIdentity(client, {
      ...pool,
      autoConfirm: env[EnvNames.cognitoAutoConfirm] !== 'false',
      issuer: pool.issuer ?? `${endpoint}/${pool.userPoolId}`,
      jwksUri: `${endpoint}/${pool.userPoolId}/.well-known/jwks.json`,
    });
  }
  throw new Error(`no Cognito in the embedded backend; use EmbeddedIdentity or set ${EnvNames.backend}=services`);
}
