import { compareText } from '../domain/aggregates';
import { type App, type AppRegistry, type StoredAppKey, UnknownAppError } from '../domain/app-registry';

/**
 * The embedded `AppRegistry` behind `npm start` (seeded with the demo app, see app-events-wiring.ts).
 * Ids are exact map keys (case and trailing spaces count), like the MySQL registry's VARBINARY
 * columns; key ids (ASCII hex) tie-break in byte order there and here, not by locale.
 */
export class InMemoryAppRegistry implements AppRegistry {
  private readonly apps = new Map<string, App>();
  private readonly keys = new Map<string, StoredAppKey>();

  async createApp(app: { appId: string; name: string }, at: Date): Promise<'created' | 'exists'> {
    if (this.apps.has(app.appId)) return 'exists';
    this.apps.set(app.appId, { appId: app.appId, name: app.name, createdAt: new Date(at) });
    return 'created';
  }

  async getApp(appId: string): Promise<App | undefined> {
    return this.apps.get(appId);
  }

  async addKey(key: { keyId: string; appId: string; keyHash: string }, at: Date): Promise<void> {
    if (!this.apps.has(key.appId)) throw new UnknownAppError(key.appId);
    if (this.keys.has(key.keyId)) throw new Error(`key ${key.keyId} exists already`);
    this.keys.set(key.keyId, { ...key, createdAt: new Date(at) });
  }

  async findKey(keyId: string): Promise<StoredAppKey | undefined> {
    return this.keys.get(keyId);
  }

  async listKeys(appId: string): Promise<StoredAppKey[]> {
    return [...this.keys.values()]
      .filter((key) => key.appId === appId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareText(a.keyId, b.keyId));
  }

  async revokeKey(keyId: string, at: Date): Promise<boolean> {
    const key = this.keys.get(keyId);
    if (!key) return false;
    if (!key.revokedAt) this.keys.set(keyId, { ...key, revokedAt: new Date(at) });
    return true;
  }
}
