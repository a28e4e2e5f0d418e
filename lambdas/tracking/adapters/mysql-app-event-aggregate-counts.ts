import type { Pool, RowDataPacket } from 'mysql2/promise';
import { keyText } from '../../platform/sql/key-text';
import type { AppEventMinuteCounts } from '../domain/ingest-metrics';

/**
 * App events per app of one minute, from `app_event_minutes` (migration 0004:
 * `app_id, type, minute_ms, count`, primary key `(app_id, type, minute_ms)`; app_id and type are
 * VARBINARY since migration 0006).
 */
export class MySqlAppEventMinuteCounts implements AppEventMinuteCounts {
  constructor(private readonly pool: Pool) {}

  async perApp(minuteMs: number): Promise<Map<string, bigint>> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT app_id, CAST(SUM(count) AS CHAR) AS n FROM app_event_minutes WHERE minute_ms = ? GROUP BY app_id',
      [minuteMs],
    );
    return new Map(rows.map((r) => [keyText(r.app_id), BigInt(r.n)]));
  }
}
