import type { Pool, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import { type App, type AppRegistry, type StoredAppKey, UnknownAppError } from '../domain/app-registry';

/** key_id and app_id are VARBINARY (migration 0006): Buffers, decoded by `keyText`. */
interface KeyRow extends RowDataPacket {
  key_id: Buffer | string;
  app_id: Buffer | string;
  key_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

const keyOf = (row: KeyRow): StoredAppKey => ({
  keyId: keyText(row.key_id),
  appId: keyText(row.app_id),
  keyHash: row.key_hash,
  createdAt: new Date(row.created_at),
  ...(row.revoked_at ? { revokedAt: new Date(row.revoked_at) } : {}),
});

/**
 * `AppRegistry` over the `apps` and `app_keys` tables (migration 0003). App ids and key ids are
 * VARBINARY (migration 0006): compared byte for byte, as in memory ("game" and "game " are two
 * apps).
 */
export class MySqlAppRegistry implements AppRegistry {
  constructor(private readonly pool: Pool) {}

  async createApp(app: { appId: string; name: string }, at: Date): Promise<'created' | 'exists'> {
    try {
      await this.pool.query('INSERT INTO apps (app_id, name, created_at) VALUES (?, ?, ?)', [app.appId, app.name, at]);
      return 'created';
    } catch (error) {
      // ER_DUP_ENTRY: the app exists (affectedRows cannot tell: mysql2 connects with FOUND_ROWS).
      if ((error as { errno?: number }).errno === 1062) return 'exists';
      throw error;
    }
  }

  async getApp(appId: string): Promise<App | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT app_id, name, created_at FROM apps WHERE app_id = ?', [appId]);
    const row = rows[0];
    return row ? { appId: keyText(row.app_id), name: row.name, createdAt: new Date(row.created_at) } : undefined;
  }

  async addKey(key: { keyId: string; appId: string; keyHash: string }, at: Date): Promise<void> {
    try {
      await this.pool.query('INSERT INTO app_keys (key_id, app_id, key_hash, created_at) VALUES (?, ?, ?, ?)', [
        key.keyId,
        key.appId,
        key.keyHash,
        at,
      ]);
    } catch (error) {
      // ER_NO_REFERENCED_ROW_2: the foreign key to apps.
      if ((error as { errno?: number }).errno === 1452) throw new UnknownAppError(key.appId);
      throw error;
    }
  }

  async findKey(keyId: string): Promise<StoredAppKey | undefined> {
    const [rows] = await this.pool.query<KeyRow[]>(
      'SELECT key_id, app_id, key_hash, created_at, revoked_at FROM app_keys WHERE key_id = ?',
      [keyId],
    );
    return rows[0] ? keyOf(rows[0]) : undefined;
  }

  async listKeys(appId: string): Promise<StoredAppKey[]> {
    const [rows] = await this.pool.query<KeyRow[]>(
      'SELECT key_id, app_id, key_hash, created_at, revoked_at FROM app_keys WHERE app_id = ? ORDER BY created_at, key_id',
      [appId],
    );
    return rows.map(keyOf);
  }

  async revokeKey(keyId: string, at: Date): Promise<boolean> {
    const [result] = await this.pool.query('UPDATE app_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?', [
      at,
      keyId,
    ]);
    return (result as { affectedRows: number }).affectedRows === 1;
  }
}
