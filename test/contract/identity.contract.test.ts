/**
 * One contract for the identity port, run against the embedded pool and against Amazon Cognito
 * as emulated by cognito-local (http://127.0.0.1:9229, the pool of `.local/cognito/pool.json`;
 * `npm run services:up` starts both). Access tokens are verified the way API Gateway's JWT
 * authorizer does: RS256 against the pool's key of the token's `kid`, the issuer, `client_id`
 * among the audience, `exp`, `token_use: access`.
 *
 * What cognito-local does not emulate, and how this suite deals with it:
 * - it checks no password policy (SignUp stores any password): the weak-password cases pass on it
 *   because both adapters check the pool's policy before calling (identity-input.ts); Cognito's
 *   own refusal (InvalidPasswordException) is covered by the mocked-client tests at the end;
 * - it answers a wrong password with InvalidPasswordException and an unknown user with
 *   NotAuthorizedException (Cognito: NotAuthorizedException for both with
 *   PreventUserExistenceErrors); the adapter maps all of them to the same Unauthenticated, and
 *   the mocked-client tests hold Cognito's answers (incl. UserNotFoundException) to it too;
 * - throttling (TooManyRequestsException, LimitExceededException) never happens there: mocked;
 * - refresh tokens never expire there, and it answers no ExpiresIn on refresh (the adapter reads
 *   it from the token's `exp`); expiry is tested on the embedded pool only;
 * - RevokeToken of an unknown or already revoked token is NotAuthorizedException there; Cognito's
 *   other answer for a token that is not its (UnsupportedTokenTypeException), its outages and a
 *   client without revocation are mocked;
 * - every cognito-local pool signs with the same published key (kid `CognitoLocal`) and its
 *   issuer is http://127.0.0.1:9229/<poolId>, not https://cognito-idp.<region>.amazonaws.com/<poolId>
 *   (checked for AWS by the configuration test below);
 * - on refresh it sets `auth_time` to now (Cognito keeps the original sign-in time): not asserted.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { inspect } from 'node:util';
import {
  CognitoIdentityProviderClient,
  CognitoIdentityProviderServiceException,
  InitiateAuthCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { FixedClock } from '../../lambdas/platform/clock/clock';
import {
  Conflict,
  DomainError,
  InvalidInput,
  NotFound,
  RateLimited,
  Unauthenticated,
  Unavailable,
} from '../../lambdas/platform/errors';
import { problemOfDomainError } from '../../lambdas/platform/http/problem';
import { CognitoIdentity, cognitoIdentityFromEnv, readLocalPool } from '../../lambdas/platform/identity/cognito-identity';
import { EmbeddedIdentity } from '../../lambdas/platform/identity/embedded-identity';
import type { IdentityProvider, TokenVerification } from '../../lambdas/platform/identity/identity';
import { ensureLocalAdmin, LOCAL_ADMIN } from '../../lambdas/platform/identity/local-admin';

const runId = randomBytes(4).toString('hex');
let counter = 0;
/** A username no earlier run used (cognito-local keeps its users on disk). */
const freshUsername = (label: string) => `${label}-${runId}-${++counter}`;
const PASSWORD = 'Correct-Horse-9';

type Claims = Record<string, unknown>;

function decodePart(part: string): Claims {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Claims;
}

/** Verifies an access token as API Gateway's JWT authorizer would; returns its claims. */
async function verifyAccessToken(token: string, verification: TokenVerification): Promise<Claims> {
  const [header, payload, signature] = token.split('.');
  expect(signature).toBeDefined();
  const { alg, kid } = decodePart(header);
  expect(alg).toBe('RS256');
  const { keys } = await verification.jwks();
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk) throw new Error(`no key ${String(kid)} in the pool's key set`);
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  expect(verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  const claims = decodePart(payload);
  expect(claims.iss).toBe(verification.issuer);
  expect(verification.audience).toContain(claims.client_id);
  expect(claims.exp).toEqual(expect.any(Number));
  expect(claims.exp as number).toBeGreaterThan(Date.now() / 1000);
  expect(claims.token_use).toBe('access');
  return claims;
}

/** The error a promise rejects with (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function describeIdentityPort(name: string, setup: () => Promise<IdentityProvider>): void {
  describe(`identity port: ${name}`, () => {
    let identity: IdentityProvider;
    let verification: TokenVerification;
    beforeAll(async () => {
      identity = await setup();
      verification = await identity.verification();
    });
    afterAll(async () => {
      await identity?.close();
    });

    async function signedUp(label: string) {
      const username = freshUsername(label);
      const email = `${username}@example.com`;
      const user = await identity.signUp({ username, email, password: PASSWORD });
      return { username, email, user };
    }

    it('signs up a confirmed user who signs in at once; the access token verifies', async () => {
      const { username, email, user } = await signedUp('ada');
      expect(user).toEqual({ username, sub: expect.any(String), email, groups: [] });
      expect(user.sub.length).toBeGreaterThan(0);

      const tokens = await identity.signIn(username, PASSWORD);
      expect(tokens.refreshToken).toEqual(expect.any(String));
      expect(tokens.expiresIn).toBeGreaterThan(3500);
      expect(tokens.expiresIn).toBeLessThanOrEqual(3600);
      const claims = await verifyAccessToken(tokens.accessToken, verification);
      expect(claims).toMatchObject({ username, sub: user.sub });
      expect(claims).not.toHaveProperty('cognito:groups');
      expect((claims.exp as number) - (claims.iat as number)).toBe(3600);

      expect(await identity.getUser(username)).toEqual(user);
    });

    it('publishes the keys API Gateway verifies with; a token changed in transit does not verify', async () => {
      expect(verification.audience.length).toBeGreaterThan(0);
      const { keys } = await verification.jwks();
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });

      const { username } = await signedUp('eve');
      const { accessToken } = await identity.signIn(username, PASSWORD);
      const [header, payload, signature] = accessToken.split('.');
      const forged = Buffer.from(JSON.stringify({ ...decodePart(payload), username: 'admin' })).toString('base64url');
      const jwk = keys.find((key) => key.kid === decodePart(header).kid)!;
      const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
      expect(verify('sha256', Buffer.from(`${header}.${forged}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(false);
    });

    it('puts the groups in the access token once the user is added to one', async () => {
      const { username } = await signedUp('grace');
      await identity.addToGroup(username, 'admin');
      await identity.addToGroup(username, 'admin'); // twice is once
      expect((await identity.getUser(username))?.groups).toEqual(['admin']);
      const { accessToken, refreshToken } = await identity.signIn(username, PASSWORD);
      expect((await verifyAccessToken(accessToken, verification))['cognito:groups']).toEqual(['admin']);
      const refreshed = await identity.refresh(refreshToken);
      expect((await verifyAccessToken(refreshed.accessToken, verification))['cognito:groups']).toEqual(['admin']);
    });

    it('refreshes: a new access token for the same user, the same refresh token', async () => {
      const { username, user } = await signedUp('linus');
      const tokens = await identity.signIn(username, PASSWORD);
      const refreshed = await identity.refresh(tokens.refreshToken);
      expect(refreshed.refreshToken).toBe(tokens.refreshToken);
      expect(refreshed.accessToken).not.toBe(tokens.accessToken);
      expect(refreshed.expiresIn).toBeGreaterThan(3500);
      expect(refreshed.expiresIn).toBeLessThanOrEqual(3600);
      expect(await verifyAccessToken(refreshed.accessToken, verification)).toMatchObject({ username, sub: user.sub });
      // And again with the same one: it is not rotated.
      await expect(identity.refresh(tokens.refreshToken)).resolves.toMatchObject({ refreshToken: tokens.refreshToken });
    });

    it.each([
      ['garbage', 'not-a-refresh-token'],
      ['empty', ''],
    ])('refuses a %s refresh token as Unauthenticated', async (_, token) => {
      await expect(identity.refresh(token)).rejects.toBeInstanceOf(Unauthenticated);
    });

    it("revokes a refresh token: refresh refuses it; the user's other sessions and other users' keep working", async () => {
      const { username, user } = await signedUp('ida');
      const revoked = await identity.signIn(username, PASSWORD);
      const kept = await identity.signIn(username, PASSWORD);
      const other = await signedUp('ken');
      const others = await identity.signIn(other.username, PASSWORD);
      expect(kept.refreshToken).not.toBe(revoked.refreshToken);

      await identity.revoke(revoked.refreshToken);
      const refused = await rejection(identity.refresh(revoked.refreshToken));
      expect(refused).toBeInstanceOf(Unauthenticated);
      expect((refused as Error).message).toBe(((await rejection(identity.refresh('not-a-refresh-token'))) as Error).message);

      const refreshed = await identity.refresh(kept.refreshToken);
      expect(await verifyAccessToken(refreshed.accessToken, verification)).toMatchObject({ username, sub: user.sub });
      const othersRefreshed = await identity.refresh(others.refreshToken);
      expect(await verifyAccessToken(othersRefreshed.accessToken, verification)).toMatchObject({ username: other.username });
      // Signing in again after a sign-out starts a new session.
      const again = await identity.signIn(username, PASSWORD);
      await expect(identity.refresh(again.refreshToken)).resolves.toMatchObject({ refreshToken: again.refreshToken });
    });

    it('revokes idempotently: twice, an unknown token, a malformed one and an empty one are fine', async () => {
      const { username } = await signedUp('olga');
      const { refreshToken } = await identity.signIn(username, PASSWORD);
      await identity.revoke(refreshToken);
      await expect(identity.revoke(refreshToken)).resolves.toBeUndefined();
      await expect(identity.refresh(refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
      for (const token of ['not-a-refresh-token', 'not a token at all!', '', `${refreshToken}x`]) {
        await expect(identity.revoke(token)).resolves.toBeUndefined();
      }
    });

    it('answers a wrong password and an unknown user with the same Unauthenticated error', async () => {
      const { username } = await signedUp('mallory');
      const wrong = await rejection(identity.signIn(username, 'Wrong-Password-1'));
      const unknown = await rejection(identity.signIn(freshUsername('nobody'), PASSWORD));
      const wrongCase = await rejection(identity.signIn(username, PASSWORD.toLowerCase()));
      const blank = await rejection(identity.signIn(username, ''));
      const spaced = await rejection(identity.signIn('no such user', PASSWORD));
      for (const error of [wrong, unknown, wrongCase, blank, spaced]) {
        expect(error).toBeInstanceOf(Unauthenticated);
        expect((error as Error).message).toBe((wrong as Error).message);
        expect((error as Error).message).not.toContain(username);
      }
      expect(problemOfDomainError(wrong as DomainError).status).toBe(401);
    });

    it('refuses a username that exists with Conflict and leaves the first user as it was', async () => {
      const { username, user } = await signedUp('twin');
      await expect(identity.signUp({ username, email: 'other@example.com', password: 'Another-Pass-2' })).rejects.toBeInstanceOf(
        Conflict,
      );
      expect(await identity.getUser(username)).toEqual(user);
      await expect(identity.signIn(username, PASSWORD)).resolves.toHaveProperty('accessToken');
    });

    it.each([
      ['too short', 'Ab1cdef', 'at least 8 characters'],
      ['without an uppercase letter', 'lowercase-only-1', 'an uppercase letter'],
      ['without a lowercase letter', 'UPPERCASE-ONLY-1', 'a lowercase letter'],
      ['without a digit', 'No-Digits-Here', 'a digit'],
      ['without a symbol', 'NoSymbols1here', 'a symbol'],
      ['with a trailing space', 'Trailing-Space-1 ', 'no space at the start or the end'],
    ])('refuses a password %s with InvalidInput on body.password saying what is missing', async (_, password, missing) => {
      const username = freshUsername('weak');
      const error = await rejection(identity.signUp({ username, email: `${username}@example.com`, password }));
      expect(error).toBeInstanceOf(InvalidInput);
      const problems = (error as InvalidInput).problems;
      expect(problems).toEqual([{ path: 'body.password', message: expect.stringContaining(missing) }]);
      expect(JSON.stringify(problems) + (error as Error).message).not.toContain(password);
      expect(await identity.getUser(username)).toBeUndefined();
    });

    it('refuses a sign-up without a valid email or username, naming the fields', async () => {
      const error = await rejection(identity.signUp({ username: 'has space', email: 'not-an-email', password: PASSWORD }));
      expect(error).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).problems.map((p) => p.path)).toEqual(['body.username', 'body.email']);
    });

    it('changes the email; NotFound for an unknown user, InvalidInput for a bad address', async () => {
      const { username, user } = await signedUp('hedy');
      await identity.setEmail(username, 'hedy.new@example.org');
      expect(await identity.getUser(username)).toEqual({ ...user, email: 'hedy.new@example.org' });
      await expect(identity.signIn(username, PASSWORD)).resolves.toHaveProperty('accessToken');
      await expect(identity.setEmail(freshUsername('nobody'), 'x@example.com')).rejects.toBeInstanceOf(NotFound);
      const bad = await rejection(identity.setEmail(username, 'nope'));
      expect(bad).toBeInstanceOf(InvalidInput);
      expect((bad as InvalidInput).problems.map((p) => p.path)).toEqual(['body.email']);
    });

    it('sets a permanent password: the new one signs in, the old one no longer; the policy still applies', async () => {
      const { username } = await signedUp('grace');
      await identity.setPassword(username, 'Brand-New-Pass-4');
      await expect(identity.signIn(username, 'Brand-New-Pass-4')).resolves.toHaveProperty('accessToken');
      await expect(identity.signIn(username, PASSWORD)).rejects.toBeInstanceOf(Unauthenticated);
      await expect(identity.setPassword(username, 'weak')).rejects.toBeInstanceOf(InvalidInput);
      await expect(identity.setPassword(freshUsername('nobody'), 'Brand-New-Pass-4')).rejects.toBeInstanceOf(NotFound);
    });

    it('deletes a user: gone, cannot sign in or refresh, and the name is free again', async () => {
      const { username, email } = await signedUp('bob');
      const { refreshToken } = await identity.signIn(username, PASSWORD);
      await identity.deleteUser(username);
      expect(await identity.getUser(username)).toBeUndefined();
      const signIn = await rejection(identity.signIn(username, PASSWORD));
      expect(signIn).toBeInstanceOf(Unauthenticated);
      expect((signIn as Error).message).toBe(
        ((await rejection(identity.signIn(freshUsername('nobody'), PASSWORD))) as Error).message,
      );
      await expect(identity.refresh(refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
      await expect(identity.deleteUser(username)).rejects.toBeInstanceOf(NotFound);

      // A new user of the same name is someone else: the old refresh token stays dead.
      const again = await identity.signUp({ username, email, password: 'Second-Life-3' });
      expect(again.groups).toEqual([]);
      await expect(identity.refresh(refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
      await expect(identity.signIn(username, 'Second-Life-3')).resolves.toHaveProperty('accessToken');
    });

    it('answers undefined for an unknown user and NotFound when deleting or grouping one', async () => {
      expect(await identity.getUser(freshUsername('ghost'))).toBeUndefined();
      expect(await identity.getUser('no such user')).toBeUndefined();
      await expect(identity.deleteUser(freshUsername('ghost'))).rejects.toBeInstanceOf(NotFound);
      await expect(identity.addToGroup(freshUsername('ghost'), 'admin')).rejects.toBeInstanceOf(NotFound);
    });

    it('refuses a group the pool does not have with NotFound', async () => {
      const { username } = await signedUp('joan');
      await expect(identity.addToGroup(username, `no-such-group-${runId}`)).rejects.toBeInstanceOf(NotFound);
      expect((await identity.getUser(username))?.groups).toEqual([]);
    });

    it('ensures the local admin: user admin (admin@example.com) in group admin, idempotently', async () => {
      const first = await ensureLocalAdmin(identity, 'Local-Admin-1');
      const second = await ensureLocalAdmin(identity, 'Local-Admin-1');
      expect(first).toMatchObject({ username: LOCAL_ADMIN.username, email: LOCAL_ADMIN.email });
      expect(first.groups).toContain('admin');
      expect(second).toEqual(first);
    });
  });
}

describeIdentityPort('embedded', async () => new EmbeddedIdentity());

const cognitoEndpoint = 'http://127.0.0.1:9229';

describeIdentityPort('cognito (cognito-local)', async () => {
  try {
    const health = await fetch(`${cognitoEndpoint}/health`);
    if (!health.ok) throw new Error(`GET /health answered ${health.status}`);
  } catch (error) {
    throw new Error(
      `cognito-local is not reachable at ${cognitoEndpoint}; run \`npm run services:up\` (${(error as Error).message})`,
    );
  }
  const pool = readLocalPool();
  const identity = cognitoIdentityFromEnv({ EVENTLINE_BACKEND: 'services', EVENTLINE_COGNITO_ENDPOINT: cognitoEndpoint });
  const verification = await identity.verification();
  // What cognito-local actually puts in tokens (it is configured by cognito.sh).
  expect(verification.issuer).toBe(`${cognitoEndpoint}/${pool.userPoolId}`);
  expect(verification.jwksUri).toBe(`${cognitoEndpoint}/${pool.userPoolId}/.well-known/jwks.json`);
  expect(verification.audience).toEqual([pool.clientId]);
  return identity;
});

describe('EmbeddedIdentity', () => {
  it('keeps no password and no refresh token, only their hashes', async () => {
    const identity = new EmbeddedIdentity();
    const password = 'Never-Kept-7';
    await identity.signUp({ username: 'kept', email: 'kept@example.com', password });
    const { refreshToken } = await identity.signIn('kept', password);
    const state = inspect(identity, { depth: 10, maxArrayLength: 10_000, maxStringLength: 100_000 });
    expect(state).not.toContain(password);
    expect(state).not.toContain(refreshToken);
  });

  it('times tokens with its clock: an hour for access tokens, 30 days for refresh tokens', async () => {
    const clock = new FixedClock(new Date('2024-05-01T10:00:00Z'));
    const identity = new EmbeddedIdentity({ clock });
    await identity.signUp({ username: 'timed', email: 'timed@example.com', password: PASSWORD });
    const { accessToken, refreshToken } = await identity.signIn('timed', PASSWORD);
    const claims = decodePart(accessToken.split('.')[1]);
    const signedInAt = Date.parse('2024-05-01T10:00:00Z') / 1000;
    expect(claims).toMatchObject({ iat: signedInAt, auth_time: signedInAt, exp: signedInAt + 3600 });
    expect(Object.keys(claims)).toEqual(
      expect.arrayContaining(['sub', 'iss', 'client_id', 'token_use', 'scope', 'auth_time', 'exp', 'iat', 'jti', 'username']),
    );

    clock.advance(29 * 24 * 3600 * 1000);
    const refreshed = decodePart((await identity.refresh(refreshToken)).accessToken.split('.')[1]);
    // Like Cognito: the original authentication time, a new issue time.
    expect(refreshed).toMatchObject({ auth_time: signedInAt, iat: signedInAt + 29 * 24 * 3600 });

    clock.advance(2 * 24 * 3600 * 1000);
    await expect(identity.refresh(refreshToken)).rejects.toBeInstanceOf(Unauthenticated);
  });

  it('has no verification endpoint of its own: the keys come from verification().jwks()', async () => {
    const verification = await new EmbeddedIdentity().verification();
    expect(verification.jwksUri).toBeUndefined();
    expect(verification.issuer).toMatch(/^https?:\/\//);
  });
});

/** An error as the SDK builds it from a Cognito error answer. */
function cognitoError(name: string, message = name, status = 400): CognitoIdentityProviderServiceException {
  return new CognitoIdentityProviderServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

describe('CognitoIdentity against Cognito answers cognito-local does not give (mocked client)', () => {
  // Mocked only while this block runs: mockClient replaces `send` of every client of the class.
  let cognito: ReturnType<typeof mockClient>;
  beforeAll(() => {
    cognito = mockClient(CognitoIdentityProviderClient);
  });
  const identity = new CognitoIdentity(new CognitoIdentityProviderClient({ region: 'eu-west-1' }), {
    userPoolId: 'eu-west-1_Pool',
    clientId: 'client-1',
    autoConfirm: false,
    issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool',
    jwksUri: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool/.well-known/jwks.json',
  });
  beforeEach(() => cognito.reset());
  afterAll(() => cognito.restore());

  it('maps NotAuthorizedException and UserNotFoundException at sign-in to the same Unauthenticated', async () => {
    cognito.on(InitiateAuthCommand).rejects(cognitoError('NotAuthorizedException', 'Incorrect username or password.'));
    const wrong = await rejection(identity.signIn('ada', PASSWORD));
    cognito.on(InitiateAuthCommand).rejects(cognitoError('UserNotFoundException', 'User does not exist.'));
    const unknown = await rejection(identity.signIn('nobody', PASSWORD));
    expect(wrong).toBeInstanceOf(Unauthenticated);
    expect(unknown).toBeInstanceOf(Unauthenticated);
    expect((unknown as Error).message).toBe((wrong as Error).message);
  });

  it("maps Cognito's own password-policy refusal to InvalidInput on body.password", async () => {
    cognito
      .on(SignUpCommand)
      .rejects(
        cognitoError('InvalidPasswordException', 'Password did not conform with policy: Password must have symbol characters'),
      );
    const error = await rejection(identity.signUp({ username: 'ada', email: 'ada@example.com', password: PASSWORD }));
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).problems).toEqual([{ path: 'body.password', message: expect.stringContaining('symbol') }]);
  });

  it('maps an email Cognito refuses to InvalidInput on body.email', async () => {
    cognito.on(SignUpCommand).rejects(cognitoError('InvalidParameterException', 'Invalid email address format.'));
    const error = await rejection(identity.signUp({ username: 'ada', email: 'ada@example.com', password: PASSWORD }));
    expect((error as InvalidInput).problems?.map((p) => p.path)).toEqual(['body.email']);
  });

  it('maps throttling to RateLimited (429 with Retry-After) and Cognito outages to Unavailable', async () => {
    cognito.on(InitiateAuthCommand).rejects(cognitoError('TooManyRequestsException', 'Too many requests'));
    const throttled = await rejection(identity.signIn('ada', PASSWORD));
    expect(throttled).toBeInstanceOf(RateLimited);
    const problem = problemOfDomainError(throttled as DomainError);
    expect(problem.status).toBe(429);
    expect(problem.slug).toBe('too-many-requests');
    expect(problem.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));

    cognito.on(InitiateAuthCommand).rejects(cognitoError('LimitExceededException', 'Attempt limit exceeded'));
    await expect(identity.signIn('ada', PASSWORD)).rejects.toBeInstanceOf(RateLimited);
    cognito.on(InitiateAuthCommand).rejects(cognitoError('InternalErrorException', 'internal', 500));
    await expect(identity.signIn('ada', PASSWORD)).rejects.toBeInstanceOf(Unavailable);
  });

  it('lets configuration errors through unchanged (a logged 500, not the client’s fault)', async () => {
    const misconfigured = cognitoError('InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client');
    cognito.on(InitiateAuthCommand).rejects(misconfigured);
    const error = await rejection(identity.signIn('ada', PASSWORD));
    expect(error).not.toBeInstanceOf(DomainError);
  });

  it('answers refresh without a new refresh token with the one sent, and ExpiresIn as given', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { AccessToken: 'a.b.c', ExpiresIn: 3600 } });
    await expect(identity.refresh('the-refresh-token')).resolves.toEqual({
      accessToken: 'a.b.c',
      refreshToken: 'the-refresh-token',
      expiresIn: 3600,
    });
    expect(cognito.commandCalls(InitiateAuthCommand)[0]?.args[0].input).toEqual({
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: 'client-1',
      AuthParameters: { REFRESH_TOKEN: 'the-refresh-token' },
    });
  });

  it('sends RevokeToken with the app client id and no secret (the client has none)', async () => {
    cognito.on(RevokeTokenCommand).resolves({});
    await identity.revoke('eyJ.refresh-token_1=');
    expect(cognito.commandCalls(RevokeTokenCommand).map((call) => call.args[0].input)).toEqual([
      { ClientId: 'client-1', Token: 'eyJ.refresh-token_1=' },
    ]);
  });

  it('takes NotAuthorizedException and UnsupportedTokenTypeException as nothing to revoke', async () => {
    for (const name of ['NotAuthorizedException', 'UnsupportedTokenTypeException']) {
      cognito.on(RevokeTokenCommand).rejects(cognitoError(name, 'Invalid token'));
      await expect(identity.revoke('unknown-token')).resolves.toBeUndefined();
    }
  });

  it('does not call Cognito for a token it could never have issued', async () => {
    await identity.revoke('');
    await identity.revoke('has spaces and / slashes');
    expect(cognito.commandCalls(RevokeTokenCommand)).toHaveLength(0);
  });

  it('maps outages to Unavailable and throttling to RateLimited; a client without revocation is a configuration error', async () => {
    cognito.on(RevokeTokenCommand).rejects(cognitoError('InternalErrorException', 'internal', 500));
    await expect(identity.revoke('a-token')).rejects.toBeInstanceOf(Unavailable);
    cognito.on(RevokeTokenCommand).rejects(cognitoError('TooManyRequestsException', 'Too many requests'));
    await expect(identity.revoke('a-token')).rejects.toBeInstanceOf(RateLimited);
    cognito
      .on(RevokeTokenCommand)
      .rejects(cognitoError('UnsupportedOperationException', 'Token revocation is not enabled for this client'));
    const error = await rejection(identity.revoke('a-token'));
    expect(error).not.toBeInstanceOf(DomainError);
  });
});

describe('CognitoIdentity configuration', () => {
  it("verifies AWS pools against Cognito's issuer and keys", async () => {
    const identity = cognitoIdentityFromEnv({
      EVENTLINE_BACKEND: 'aws',
      COGNITO_USER_POOL_ID: 'eu-central-1_AbC123',
      COGNITO_CLIENT_ID: 'client-9',
    });
    const verification = await identity.verification();
    expect(verification).toMatchObject({
      issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123',
      audience: ['client-9'],
      jwksUri: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123/.well-known/jwks.json',
    });
    await identity.close();
  });

  it('has no Cognito in the embedded backend', () => {
    expect(() => cognitoIdentityFromEnv({ EVENTLINE_BACKEND: 'embedded' })).toThrow(/embedded/);
  });

  it('says Unavailable when the user pool cannot be reached', async () => {
    const identity = new CognitoIdentity(
      new CognitoIdentityProviderClient({
        endpoint: 'http://127.0.0.1:1',
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      }),
      {
        userPoolId: 'local_x',
        clientId: 'c',
        autoConfirm: true,
        issuer: 'http://127.0.0.1:1/local_x',
        jwksUri: 'http://127.0.0.1:1/k',
      },
    );
    await expect(identity.signIn('ada', PASSWORD)).rejects.toBeInstanceOf(Unavailable);
    await expect(identity.revoke('a-refresh-token')).rejects.toBeInstanceOf(Unavailable);
    await expect((await identity.verification()).jwks()).rejects.toBeInstanceOf(Unavailable);
    await identity.close();
  });
});
