import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * App ingest keys: `elk_<key id>_<secret>`, e.g.
 * `elk_3f9c2a7b1d4e8f60_Vd2s…43 chars…`.
 *
 * - the key id (16 hex characters) is public: it names the stored row, so a check is one
 *   primary-key lookup, and it can appear in logs and in the authorizer's context;
 * - the secret (32 random bytes, base64url, 43 characters) is shown once, when the key is
 *   issued, and stored only as its SHA-256 (hex). A 256-bit random secret cannot be guessed,
 *   so an unsalted fast hash is enough (a password hash would only slow every check down);
 * - hashes are compared with `timingSafeEqual`.
 * The `elk_` prefix makes a leaked key easy to recognise (and to scan for).
 */
export const INGEST_KEY_PREFIX = 'elk';
const KEY_PATTERN = /^elk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedIngestKey {
  readonly keyId: string;
  readonly secret: string;
}

export interface IssuedIngestKey extends ParsedIngestKey {
  /** The whole key the client sends in `x-api-key`. Never log it. */
  readonly key: string;
  /** What is stored: SHA-256 of the secret, 64 lowercase hex characters. */
  readonly keyHash: string;
}

/** A new random key. */
export function generateIngestKey(): IssuedIngestKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, key: formatIngestKey(keyId, secret), keyHash: hashSecret(secret) };
}

export function formatIngestKey(keyId: string, secret: string): string {
  return `${INGEST_KEY_PREFIX}_${keyId}_${secret}`;
}

/** Splits a presented key; `undefined` when it is not shaped like one of ours. */
export function parseIngestKey(presented: string): ParsedIngestKey | undefined {
  const match = KEY_PATTERN.exec(presented.trim());
  return match ? { keyId: match[1] as string, secret: match[2] as string } : undefined;
}

/** Parses a key that must be well formed (configuration, CLI input), with its hash. */
export function ingestKeyFrom(presented: string): IssuedIngestKey {
  const parsed = parseIngestKey(presented);
  if (!parsed) throw new Error('not an ingest key: expected elk_<16 hex>_<43 base64url characters>');
  return { ...parsed, key: formatIngestKey(parsed.keyId, parsed.secret), keyHash: hashSecret(parsed.secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` hashes to `storedHash`, in constant time for equal-length inputs. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
