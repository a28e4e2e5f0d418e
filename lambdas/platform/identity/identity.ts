/**
 * The identity port: people's accounts in an Amazon Cognito user pool (sign up, sign in, tokens,
 * groups) and how API Gateway's JWT authorizer verifies the access tokens it hands out. Adapters:
 * `EmbeddedIdentity` (in memory, for `npm start` with nothing installed) and `CognitoIdentity`
 * (Cognito in AWS, cognito-local with the services backend); one contract suite holds both
 * (test/contract/identity.contract.test.ts). No AWS imports here.
 *
 * Failures are domain errors (platform/errors.ts): InvalidInput (a field problem on
 * `body.username`, `body.email` or `body.password`), Conflict, NotFound, Unauthenticated,
 * RateLimited, Unavailable. Passwords and tokens never appear in an error message or a log line.
 */
import type { JsonWebKey } from 'node:crypto';

export type { JsonWebKey } from 'node:crypto';

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

export interface IdentityUser {
  readonly username: string;
  readonly sub: string;
  readonly email: string;
  readonly groups: readonly string[];
}

export interface TokenVerification {
  readonly issuer: string;
  /** The app client ids an access token's `client_id` may be (the JWT authorizer's audience). */
  readonly audience: readonly string[];
  /** Where the keys are published, when they are (not for the embedded pool). */
  readonly jwksUri?: string;
  jwks(): Promise<{ keys: JsonWebKey[] }>;
}

export interface IdentityProvider {
  /** Creates a confirmed user (no human click: locally and in dev); Conflict when the username exists; InvalidInput when the password policy refuses. */
  signUp(input: { username: string; email: string; password: string }): Promise<IdentityUser>;
  /** USER_PASSWORD_AUTH. Wrong password and unknown user throw the SAME Unauthenticated error (same message). */
  signIn(username: string, password: string): Promise<Tokens>;
  /** REFRESH_TOKEN_AUTH; the refresh token is returned again (Cognito does not rotate it by default). Invalid → Unauthenticated. */
  refresh(refreshToken: string): Promise<Tokens>;
  /**
   * Revokes a refresh token (sign-out): `refresh` refuses it from then on (Unauthenticated), and
   * the user's other refresh tokens stay valid. Access tokens already issued are self-contained
   * JWTs and stay valid until they expire (an hour). An unknown, malformed or already revoked
   * token is not an error (sign-out is idempotent); an unreachable pool is Unavailable.
   */
  revoke(refreshToken: string): Promise<void>;
  getUser(username: string): Promise<IdentityUser | undefined>;
  /** NotFound if unknown. */
  setEmail(username: string, email: string): Promise<void>;
  /** Sets a permanent password (an administrator's act, e.g. the local admin's configured one); InvalidInput for the policy, NotFound if unknown. */
  setPassword(username: string, password: string): Promise<void>;
  /** NotFound if unknown. */
  deleteUser(username: string): Promise<void>;
  /** NotFound if the user or the group is unknown (groups are the pool's, e.g. `admin`). */
  addToGroup(username: string, group: string): Promise<void>;
  /** How API Gateway's JWT authorizer verifies access tokens of this pool: issuer, audience (app client id), keys. */
  verification(): Promise<TokenVerification>;
  close(): Promise<void>;
}
