import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import type { AccountEmails } from '../domain/account-emails';

/** Secondary addresses in `account_emails` (accounts migration 0001). */
export class MySqlAccountEmails implements AccountEmails {
  constructor(private readonly pool: Pool) {}

  async list(username: string): Promise<string[]> {
    const [rows] = await this.pool.execute<RowDataPacket[]>(
      'SELECT email FROM account_emails WHERE username = ? ORDER BY added_at, email',
      [username],
    );
    return rows.map((row) => keyText(row.email));
  }

  async add(username: string, email: string, at: Date): Promise<boolean> {
    // Idempotent: a second add of the same address changes nothing and says so (the primary key
    // refuses it; the pool counts found rows, so an upsert could not tell the two cases apart).
    try {
      await this.pool.execute('INSERT INTO account_emails (username, email, added_at) VALUES (?, ?, ?)', [username, email, at]);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY') return false;
      throw error;
    }
  }

  async remove(username: string, email: string): Promise<boolean> {
    const [result] = await this.pool.execute<ResultSetHeader>('DELETE FROM account_emails WHERE username = ? AND email = ?', [
      username,
      email,
    ]);
    return result.affectedRows > 0;
  }

  async removeAll(username: string): Promise<void> {
    await this.pool.execute('DELETE FROM account_emails WHERE username = ?', [username]);
  }
}
