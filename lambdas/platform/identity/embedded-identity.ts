/**
 * The identity port in memory, for `npm start` with nothing installed and for tests: a user pool
 * shaped like the Cognito one (same password policy, same groups, confirmed sign-ups, RS256 access
 * tokens with Cognito's claims, opaque refresh tokens). Passwords are kept only as scrypt hashes
 * with a random salt, refresh tokens only as SHA-256 hashes (a revoked one is forgotten); neither
 * is ever logged.
 * Usernames are case-sensitive, as in cognito-local and in a CDK user pool by default.
 */
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  scrypt,
  sign,
  timingSafeEqual,
} from 'node:crypto';
import { type Clock, systemClock } from '../clock/clock';
import { Conflict, NotFound, Unauthenticated } from '../errors';
import type { IdentityProvider, IdentityUser, Tokens, TokenVerification } from './identity';
import {
  ACCESS_TOKEN_SECONDS,
  assertValidEmail,
  assertValidPassword,
  assertValidSignUp,
  POOL_GROUPS,
  REFRESH_FAILED,
  signInFailed,
} from './identity-input';

/** The embedded pool's issuer: a constant, since nothing serves its keys over HTTP. */
export const EMBEDDED_ISSUER = 'http://127.0.0.1/embedded-pool';
export const EMBEDDED_CLIENT_ID = 'embedded-client';
/** Cognito's default refresh-token validity: 30 days. */
const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;

export interface EmbeddedIdentityOptions {
  readonly clock?: Clock;
  readonly issuer?: string;
  readonly clientId?: string;
  /** The pool's groups (default: `admin`); adding a user to any other is NotFound, as in Cognito. */
  readonly groups?: readonly string[];
}

interface PasswordHash {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

interface StoredUser {
  readonly username: string;
  readonly sub: string;
  email: string;
  readonly groups: Set<string>;
  password: PasswordHash;
}

interface StoredRefreshToken {
  readonly username: string;
  readonly sub: string;
  readonly authTime: number;
  readonly expiresAt: number;
}

const SCRYPT_KEY_BYTES = 32;

function scryptHash(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, SCRYPT_KEY_BYTES, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { salt, hash: await scryptHash(password, salt) };
}

async function passwordMatches(password: string, stored: PasswordHash): Promise<boolean> {
  return timingSafeEqual(await scryptHash(password, stored.salt), stored.hash);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export class EmbeddedIdentity implements IdentityProvider {
  private readonly users = new Map<string, StoredUser>();
  /** SHA-256 of each live refresh token → whose it is. */
  private readonly refreshTokens = new Map<string, StoredRefreshToken>();
  private readonly clock: Clock;
  private readonly issuer: string;
  private readonly clientId: string;
  private readonly groups: ReadonlySet<string>;
  private readonly keyId = randomBytes(12).toString('base64url');
  private readonly privateKey: KeyObject;
  private readonly publicJwk: JsonWebKey;
  /** A hash no password matches, compared against for unknown users so they cost the same time. */
  private readonly decoy: Promise<PasswordHash> = hashPassword(randomBytes(32).toString('base64url'));

  constructor(options: EmbeddedIdentityOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.issuer = options.issuer ?? EMBEDDED_ISSUER;
    this.clientId = options.clientId ?? EMBEDDED_CLIENT_ID;
    this.groups = new Set(options.groups ?? POOL_GROUPS);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicJwk = {
      ...createPublicKey(privateKey).export({ format: 'jwk' }),
      kid: this.keyId,
      alg: 'RS256',
      use: 'sig',
    } as JsonWebKey;
  }

  async signUp(input: { username: string; email: string; password: string }): Promise<IdentityUser> {
    assertValidSignUp(input);
    if (this.users.has(input.username)) throw new Conflict('a user with this username already exists');
    const password = await hashPassword(input.password);
    // Checked again: another sign-up for the same name may have finished while this one hashed.
    if (this.users.has(input.username)) throw new Conflict('a user with this username already exists');
    const user: StoredUser = {
      username: input.username,
      sub: randomUUID(),
      email: input.email,
      groups: new Set(),
      password,
    };
    this.users.set(user.username, user);
    return view(user);
  }

  async signIn(username: string, password: string): Promise<Tokens> {
    const user = this.users.get(username);
    const matches = await passwordMatches(password, user?.password ?? (await this.decoy));
    if (!user || !matches) throw signInFailed();
    const now = this.nowSeconds();
    const refreshToken = randomBytes(48).toString('base64url');
    this.refreshTokens.set(sha256(refreshToken), {
      username: user.username,
      sub: user.sub,
      authTime: now,
      expiresAt: now + REFRESH_TOKEN_SECONDS,
    });
    return { accessToken: this.accessToken(user, now, now), refreshToken, expiresIn: ACCESS_TOKEN_SECONDS };
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const key = sha256(refreshToken);
    const stored = this.refreshTokens.get(key);
    const now = this.nowSeconds();
    if (stored && stored.expiresAt <= now) this.refreshTokens.delete(key);
    const user = stored ? this.users.get(stored.username) : undefined;
    // A token outlives neither its expiry nor its user (nor a new user of the same name).
    if (!stored || stored.expiresAt <= now || !user || user.sub !== stored.sub) {
      throw new Unauthenticated(REFRESH_FAILED);
    }
    // Like Cognito: a new access token, the same refresh token, the original authentication time.
    return { accessToken: this.accessToken(user, stored.authTime, now), refreshToken, expiresIn: ACCESS_TOKEN_SECONDS };
  }

  async revoke(refreshToken: string): Promise<void> {
    // Unknown or already revoked: nothing to do (sign-out is idempotent).
    this.refreshTokens.delete(sha256(refreshToken));
  }

  async getUser(username: string): Promise<IdentityUser | undefined> {
    const user = this.users.get(username);
    return user ? view(user) : undefined;
  }

  async setEmail(username: string, email: string): Promise<void> {
    assertValidEmail(email);
    this.existing(username).email = email;
  }

  async setPassword(username: string, password: string): Promise<void> {
    assertValidPassword(password);
    this.existing(username).password = await hashPassword(password);
  }

  async deleteUser(username: string): Promise<void> {
    this.existing(username);
    this.users.delete(username);
    for (const [key, token] of this.refreshTokens) {
      if (token.username === username) this.refreshTokens.delete(key);
    }
  }

  async addToGroup(username: string, group: string): Promise<void> {
    const user = this.existing(username);
    if (!this.groups.has(group)) throw new NotFound('no such group');
    user.groups.add(group);
  }

  async verification(): Promise<TokenVerification> {
    const key = this.publicJwk;
    return {
      issuer: this.issuer,
      audience: [this.clientId],
      jwks: async () => ({ keys: [{ ...key }] }),
    };
  }

  async close(): Promise<void> {}

  private existing(username: string): StoredUser {
    const user = this.users.get(username);
    if (!user) throw new NotFound('no such user');
    return user;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  /** An access token with the claims, in the order, of a Cognito access token. */
  private accessToken(user: StoredUser, authTime: number, now: number): string {
    const claims: Record<string, unknown> = { sub: user.sub };
    if (user.groups.size > 0) claims['cognito:groups'] = [...user.groups];
    Object.assign(claims, {
      iss: this.issuer,
      client_id: this.clientId,
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: authTime,
      exp: now + ACCESS_TOKEN_SECONDS,
      iat: now,
      jti: randomUUID(),
      username: user.username,
    });
    const signingInput = `${base64urlJson({ kid: this.keyId, alg: 'RS256' })}.${base64urlJson(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput), this.privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }
}

function view(user: StoredUser): IdentityUser {
  return { username: user.username, sub: user.sub, email: user.email, groups: [...user.groups] };
}
