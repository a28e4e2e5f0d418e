import type { Pool, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import type { TimeRange } from '../domain/time-range';
import type { Action } from '../domain/user-tag';
import type { StoredUserTag, UserTagStore } from '../domain/user-tag-store';

/**
 * `UserTagStore` over the `user_tags` table (migration 0001). The primary key is the tag's log
 * position, so a redelivered record changes nothing, and a unique key on the tag's identity
 * (migration 0007) keeps a copy its client resent (another position) out; rows are trimmed per (cookie, action)
 * right after each batch so the table stays ~400 rows per cookie. Cookies are VARBINARY
 * (migration 0006): compared byte for byte, so "c1" and "c1 " are two profiles, as in memory.
 */
export class MySqlUserTagStore implements UserTagStore {
  constructor(private readonly pool: Pool) {}

  async append(tags: readonly StoredUserTag[], keepPerAction: number): Promise<void> {
    if (tags.length === 0) return;
    const rows = tags.map((t) => [
      t.position.topic,
      t.position.partition,
      t.position.offset,
      t.cookie,
      t.action,
      t.timeMs,
      t.raw,
      t.identity ?? null,
    ]);
    // A no-op update (not INSERT IGNORE) so only a duplicate key (the log position, or the
    // identity of a tag its client resent) is tolerated, never bad data.
    await this.pool.query(
      `INSERT INTO user_tags (topic, source_partition, source_offset, cookie, action, tag_time_ms, tag_json, identity)
       VALUES ? ON DUPLICATE KEY UPDATE source_offset = source_offset`,
      [rows],
    );
    const touched = new Map<string, { cookie: string; action: Action }>();
    for (const t of tags) touched.set(`${t.action}\u0000${t.cookie}`, { cookie: t.cookie, action: t.action });
    for (const { cookie, action } of await this.overLimit([...touched.values()], keepPerAction)) {
      await this.trim(cookie, action, keepPerAction);
    }
  }

  /**
   * Which of the touched (cookie, action) pairs hold more than `keep` tags: one statement per
   * batch, so only the few busy cookies pay for a trim (most cookies never reach 200 tags).
   */
  private async overLimit(
    pairs: { cookie: string; action: Action }[],
    keep: number,
  ): Promise<{ cookie: string; action: Action }[]> {
    const over: { cookie: string; action: Action }[] = [];
    for (let i = 0; i < pairs.length; i += 500) {
      const slice = pairs.slice(i, i + 500);
      const [rows] = await this.pool.query<RowDataPacket[]>(
        `SELECT cookie, action FROM user_tags WHERE (cookie, action) IN (${slice.map(() => '(?, ?)').join(', ')})
         GROUP BY cookie, action HAVING COUNT(*) > ?`,
        [...slice.flatMap((p) => [p.cookie, p.action]), keep],
      );
      for (const row of rows) over.push({ cookie: keyText(row.cookie), action: row.action as Action });
    }
    return over;
  }

  private async trim(cookie: string, action: Action, keep: number): Promise<void> {
    const [boundary] = await this.pool.query<RowDataPacket[]>(
      `SELECT tag_time_ms, source_offset FROM user_tags WHERE cookie = ? AND action = ?
       ORDER BY tag_time_ms DESC, source_offset DESC LIMIT 1 OFFSET ?`,
      [cookie, action, keep],
    );
    if (boundary.length === 0) return;
    const { tag_time_ms: time, source_offset: offset } = boundary[0];
    await this.pool.query(
      `DELETE FROM user_tags WHERE cookie = ? AND action = ?
       AND (tag_time_ms < ? OR (tag_time_ms = ? AND source_offset <= ?))`,
      [cookie, action, time, time, offset],
    );
  }

  async newest(cookie: string, action: Action, range: TimeRange, limit: number): Promise<string[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT tag_json FROM user_tags
       WHERE cookie = ? AND action = ? AND tag_time_ms >= ? AND tag_time_ms < ?
       ORDER BY tag_time_ms DESC, source_offset DESC LIMIT ?`,
      [cookie, action, range.fromMs, range.toMs, limit],
    );
    return rows.map((row) => String(row.tag_json));
  }

  async newestTagTime(): Promise<number | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT MAX(tag_time_ms) AS newest FROM user_tags');
    const newest = rows[0]?.newest;
    return newest === null || newest === undefined ? undefined : Number(newest);
  }

  async deleteOlderThan(cutoffMs: number): Promise<number> {
    let deleted = 0;
    // In slices, so a large expiry never holds long locks against the consumers.
    for (;;) {
      const [result] = await this.pool.query('DELETE FROM user_tags WHERE tag_time_ms < ? LIMIT 5000', [cutoffMs]);
      const affected = (result as { affectedRows: number }).affectedRows;
      deleted += affected;
      if (affected < 5000) return deleted;
    }
  }
}
