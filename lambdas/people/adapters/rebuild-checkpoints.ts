/**
 * Where a people index rebuild is (domain/rebuild-index.ts): a row of `people_reindex_progress`
 * (people migration 0002) in MySQL, or memory in the embedded backend and tests.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import type { RebuildCheckpoint, RebuildCheckpoints, RebuildPhase } from '../domain/rebuild-index';

const PHASES: readonly RebuildPhase[] = ['copy', 'catch-up', 'swap'];

export class MySqlRebuildCheckpoints implements RebuildCheckpoints {
  constructor(private readonly pool: () => Promise<Pool>) {}

  async read(): Promise<RebuildCheckpoint | undefined> {
    const [rows] = await (await this.pool()).query<RowDataPacket[]>(
      'SELECT target, phase, after_username, done, replacing FROM people_reindex_progress WHERE id = 1',
    );
    const row = rows[0];
    if (!row) return undefined;
    const phase = String(row.phase) as RebuildPhase;
    if (!PHASES.includes(phase)) throw new Error(`people_reindex_progress has an unknown phase ${phase}`);
    return {
      target: String(row.target),
      phase,
      ...(row.after_username === null ? {} : { after: keyText(row.after_username) }),
      done: Number(row.done),
      ...(row.replacing === null ? {} : { replacing: JSON.parse(String(row.replacing)) as string[] }),
    };
  }

  async write(checkpoint: RebuildCheckpoint): Promise<void> {
    await (await this.pool()).query(
      `INSERT INTO people_reindex_progress (id, target, phase, after_username, done, replacing, updated_at)
       VALUES (1, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE target = VALUES(target), phase = VALUES(phase), after_username = VALUES(after_username),
         done = VALUES(done), replacing = VALUES(replacing), updated_at = VALUES(updated_at)`,
      [
        checkpoint.target,
        checkpoint.phase,
        checkpoint.after ?? null,
        checkpoint.done,
        checkpoint.replacing === undefined ? null : JSON.stringify(checkpoint.replacing),
      ],
    );
  }

  async clear(): Promise<void> {
    await (await this.pool()).query('DELETE FROM people_reindex_progress WHERE id = 1');
  }
}

/** How many rows `people_profiles` holds, tombstones too (the copy's total). */
export async function countPeopleRows(pool: () => Promise<Pool>): Promise<number> {
  const [rows] = await (await pool()).query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM people_profiles');
  return Number(rows[0]?.n ?? 0);
}

export class InMemoryRebuildCheckpoints implements RebuildCheckpoints {
  private checkpoint?: RebuildCheckpoint;

  async read(): Promise<RebuildCheckpoint | undefined> {
    return this.checkpoint === undefined ? undefined : structuredClone(this.checkpoint);
  }

  async write(checkpoint: RebuildCheckpoint): Promise<void> {
    this.checkpoint = structuredClone(checkpoint);
  }

  async clear(): Promise<void> {
    this.checkpoint = undefined;
  }
}
