import * as z from 'zod';
import { generateIngestKey, type IssuedIngestKey, parseIngestKey, secretMatches } from './ingest-key';

/**
 * App ids are part of URLs (`/v1/apps/{appId}/…`), OpenSearch index names (`app-events-<appId>`)
 * and Kafka keys, so they are lowercase letters, digits and dashes, starting with a letter or
 * digit, at most 64 characters (the `apps.app_id` column).
 */
export const APP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const appIdSchema = z.string().regex(APP_ID_PATTERN, 'must be 1-64 lowercase letters, digits or dashes');

export interface App {
  readonly appId: string;
  readonly name: string;
  readonly createdAt: Date;
}

/** An ingest key as stored: the secret's hash, never the secret. */
export interface StoredAppKey {
  readonly keyId: string;
  readonly appId: string;
  readonly keyHash: string;
  readonly createdAt: Date;
  readonly revokedAt?: Date;
}

export class UnknownAppError extends Error {
  constructor(readonly appId: string) {
    super(`no app ${appId}`);
    this.name = 'UnknownAppError';
  }
}

/**
 * Apps and their ingest keys (the port). MySQL (`apps`, `app_keys`, migration 0003) in AWS and
 * with services; in memory when embedded. test/contract/app-registry.contract.test.ts holds both
 * to the same behaviour.
 */
export interface AppRegistry {
  /** Creates the app; an existing app is left as it is. */
  createApp(app: { appId: string; name: string }, at: Date): Promise<'created' | 'exists'>;
  getApp(appId: string): Promise<App | undefined>;
  /** Stores a key of an existing app (UnknownAppError otherwise). */
  addKey(key: { keyId: string; appId: string; keyHash: string }, at: Date): Promise<void>;
  findKey(keyId: string): Promise<StoredAppKey | undefined>;
  /** The app's keys, oldest first. */
  listKeys(appId: string): Promise<StoredAppKey[]>;
  /** Marks a key revoked (the first revocation time is kept); false when there is no such key. */
  revokeKey(keyId: string, at: Date): Promise<boolean>;
}

export interface IssuedAppKey extends IssuedIngestKey {
  readonly appId: string;
  readonly appCreated: boolean;
}

/**
 * Creates the app when it does not exist yet and issues it a new key (an app may hold several,
 * so keys can be rotated: issue a new one, move clients, revoke the old one).
 */
export async function issueAppKey(registry: AppRegistry, appId: string, name: string, at: Date): Promise<IssuedAppKey> {
  const parsed = appIdSchema.safeParse(appId);
  if (!parsed.success) throw new Error(`app id "${appId}" ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
  const created = await registry.createApp({ appId, name }, at);
  const key = generateIngestKey();
  await registry.addKey({ keyId: key.keyId, appId, keyHash: key.keyHash }, at);
  return { ...key, appId, appCreated: created === 'created' };
}

/** Stores a key chosen elsewhere (the embedded demo key), creating the app if needed. */
export async function registerAppKey(
  registry: AppRegistry,
  appId: string,
  name: string,
  key: { keyId: string; keyHash: string },
  at: Date,
): Promise<void> {
  await registry.createApp({ appId, name }, at);
  if (!(await registry.findKey(key.keyId))) await registry.addKey({ ...key, appId }, at);
}

export type KeyCheck =
  | { readonly ok: true; readonly appId: string; readonly keyId: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'wrong-secret' | 'revoked' | 'other-app' };

/**
 * Whether a presented key may act for `appId`: well formed, known, the secret matching its
 * stored hash, not revoked, and issued to that very app. The reason is for logs and metrics
 * only; a client is told nothing but "forbidden".
 */
export async function checkAppKey(registry: AppRegistry, presented: string, appId: string, now: Date): Promise<KeyCheck> {
  const parsed = parseIngestKey(presented);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const stored = await registry.findKey(parsed.keyId);
  if (!stored) return { ok: false, reason: 'unknown' };
  if (!secretMatches(parsed.secret, stored.keyHash)) return { ok: false, reason: 'wrong-secret' };
  if (stored.revokedAt && stored.revokedAt.getTime() <= now.getTime()) return { ok: false, reason: 'revoked' };
  if (stored.appId !== appId) return { ok: false, reason: 'other-app' };
  return { ok: true, appId: stored.appId, keyId: stored.keyId };
}
