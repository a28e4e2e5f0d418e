import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { boundingBox, EARTH_MEAN_RADIUS_KM } from '../../platform/search/geo';
import { keyText } from '../../platform/sql/key-text';
import { withTransaction } from '../../platform/sql/transaction';
import type { HappeningChange } from '../domain/change';
import { type Happening, MAX_DURATION_MS } from '../domain/happening';
import { positionOf } from '../domain/matching';
import { type GeoCircle, type HappeningQuery, textWords } from '../domain/query';
import type { FoundHappening, HappeningPage, HappeningRepository, OutboxBacklog, OutboxEntry } from '../domain/repository';

const COLUMNS =
  'h.id, h.version, h.title, h.description, h.starts_at, h.ends_at, h.timezone, h.place_name, h.lat, h.lon, h.topics, h.created_at, h.updated_at';

/** A statement built in text order with its parameters, so repeated fragments keep their own. */
class Statement {
  text = '';
  readonly params: unknown[] = [];
  add(text: string, ...params: unknown[]): this {
    this.text += text;
    this.params.push(...params);
    return this;
  }
}

/**
 * Great-circle kilometres from a point to the row's place: the haversine of
 * platform/search/geo.ts, in SQL, so the fallback measures (and orders) like the search index.
 */
function distance(statement: Statement, near: GeoCircle): Statement {
  return statement.add(
    `(${EARTH_MEAN_RADIUS_KM} * 2 * ASIN(LEAST(1, SQRT(((1 - COS(RADIANS(?) - RADIANS(h.lat))) + ` +
      'COS(RADIANS(?)) * COS(RADIANS(h.lat)) * (1 - COS(RADIANS(? - h.lon)))) * 0.5))))',
    near.lat,
    near.lat,
    near.lon,
  );
}

/** `%word%` for LIKE, with LIKE's own wildcards taken literally. */
function containing(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The happenings store on MySQL with its transactional outbox: every change and its change record
 * are written in one transaction (`withTransaction`), the happening's row read `FOR UPDATE`
 * first, so concurrent changes of one happening are serialized and get consecutive versions.
 */
export class MySqlHappeningRepository implements HappeningRepository {
  constructor(private readonly pool: Pool) {}

  async create(happening: Happening, change: HappeningChange): Promise<OutboxEntry> {
    return withTransaction(this.pool, async (connection) => {
      await connection.query(
        `INSERT INTO happenings (id, version, title, description, starts_at, ends_at, timezone, place_name, lat, lon, topics, created_at, updated_at)
         VALUES (?)`,
        [rowOf(happening)],
      );
      await writeTopics(connection, happening);
      return appendToOutbox(connection, change);
    });
  }

  async update(
    id: string,
    change: (current: Happening) => { readonly happening: Happening; readonly change: HappeningChange },
  ): Promise<{ readonly happening: Happening; readonly entry: OutboxEntry } | undefined> {
    return withTransaction(this.pool, async (connection) => {
      const current = await lockedHappening(connection, id);
      if (!current) return undefined;
      const next = change(current);
      const [, version, title, description, startsAt, endsAt, timezone, placeName, lat, lon, topics, , updatedAt] = rowOf(
        next.happening,
      );
      await connection.query(
        `UPDATE happenings SET version = ?, title = ?, description = ?, starts_at = ?, ends_at = ?, timezone = ?,
           place_name = ?, lat = ?, lon = ?, topics = ?, updated_at = ?
         WHERE id = ?`,
        [version, title, description, startsAt, endsAt, timezone, placeName, lat, lon, topics, updatedAt, id],
      );
      await connection.query('DELETE FROM happening_topics WHERE happening_id = ?', [id]);
      await writeTopics(connection, next.happening);
      return { happening: next.happening, entry: await appendToOutbox(connection, next.change) };
    });
  }

  async delete(id: string, deletion: (last: Happening) => HappeningChange): Promise<OutboxEntry | undefined> {
    return withTransaction(this.pool, async (connection) => {
      const last = await lockedHappening(connection, id);
      if (!last) return undefined;
      const change = deletion(last);
      await connection.query('DELETE FROM happening_topics WHERE happening_id = ?', [id]);
      await connection.query('DELETE FROM happenings WHERE id = ?', [id]);
      return appendToOutbox(connection, change);
    });
  }

  async get(id: string): Promise<Happening | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM happenings h WHERE h.id = ?`, [id]);
    return rows[0] ? happeningOfRow(rows[0]) : undefined;
  }

  /**
   * The search in SQL: topics through happening_topics, the time range on the starts_at index
   * (a happening lasts at most MAX_DURATION_MS, which bounds starts_at from below too), the
   * radius as a bounding box on (lat, lon) and then the exact distance, text as LIKE on the
   * case- and accent-insensitive columns; ordered and resumed as the search index is.
   */
  async find(query: HappeningQuery): Promise<HappeningPage> {
    const { near } = query;
    const statement = new Statement().add(`SELECT ${COLUMNS}`);
    if (near) distance(statement.add(', '), near).add(' AS distance_km');
    statement.add(' FROM happenings h WHERE TRUE');
    if (query.topics && query.topics.length > 0) {
      statement.add(' AND h.id IN (SELECT t.happening_id FROM happening_topics t WHERE t.topic IN (?))', [...query.topics]);
    }
    if (query.fromMs !== undefined) {
      statement.add(' AND h.ends_at > ? AND h.starts_at > ?', new Date(query.fromMs), new Date(query.fromMs - MAX_DURATION_MS));
    }
    if (query.toMs !== undefined) statement.add(' AND h.starts_at < ?', new Date(query.toMs));
    if (near && query.radiusKm !== undefined) {
      const box = boundingBox(near.lat, near.lon, query.radiusKm);
      statement.add(' AND h.lat BETWEEN ? AND ? AND h.lon BETWEEN ? AND ?', box.minLat, box.maxLat, box.minLon, box.maxLon);
      distance(statement.add(' AND '), near).add(' <= ?', query.radiusKm);
    }
    const words = query.text === undefined ? [] : textWords(query.text);
    if (words.length > 0) {
      statement.add(' AND (');
      words.forEach((word, i) => {
        const pattern = containing(word);
        statement.add(`${i > 0 ? ' OR ' : ''}h.title LIKE ? OR h.description LIKE ?`, pattern, pattern);
      });
      statement.add(')');
    }
    const after = query.after;
    if (after) {
      const startsAt = new Date(after.startsAtMs);
      const byTime = () => statement.add('(h.starts_at > ? OR (h.starts_at = ? AND h.id > ?))', startsAt, startsAt, after.id);
      // The cursor's own happening never again, even if this store measures it a hair further.
      statement.add(' AND h.id <> ? AND (', after.id);
      if (after.kind === 'distance' && near) {
        // CAST: the cursor's double is compared as a double, exactly the value it came from.
        distance(statement, near).add(' > CAST(? AS DOUBLE) OR (', after.distanceKm);
        distance(statement, near).add(' = CAST(? AS DOUBLE) AND ', after.distanceKm);
        byTime().add(')');
      } else {
        byTime();
      }
      statement.add(')');
    }
    statement.add(near ? ' ORDER BY distance_km, h.starts_at, h.id' : ' ORDER BY h.starts_at, h.id');
    statement.add(' LIMIT ?', query.limit + 1);

    const [rows] = await this.pool.query<RowDataPacket[]>(statement.text, statement.params);
    const found: FoundHappening[] = rows.map((row) =>
      near ? { happening: happeningOfRow(row), distanceKm: Number(row.distance_km) } : { happening: happeningOfRow(row) },
    );
    const items = found.slice(0, query.limit);
    const last = items[items.length - 1];
    return found.length > query.limit && last ? { items, next: positionOf(last) } : { items };
  }

  async pendingChanges(limit: number): Promise<OutboxEntry[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT seq, record FROM happening_outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?',
      [limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), change: JSON.parse(String(row.record)) as HappeningChange }));
  }

  async markPublished(seqs: readonly number[], at: Date): Promise<void> {
    if (seqs.length === 0) return;
    await this.pool.query('UPDATE happening_outbox SET published_at = ? WHERE seq IN (?) AND published_at IS NULL', [
      at,
      [...seqs],
    ]);
  }

  async outboxBacklog(): Promise<OutboxBacklog> {
    const [[counted]] = await this.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS pending FROM happening_outbox WHERE published_at IS NULL',
    );
    const pending = Number(counted?.pending ?? 0);
    if (pending === 0) return { pending: 0 };
    const [[oldest]] = await this.pool.query<RowDataPacket[]>(
      'SELECT created_at FROM happening_outbox WHERE published_at IS NULL ORDER BY seq LIMIT 1',
    );
    return oldest ? { pending, oldestPendingAt: (oldest.created_at as Date).toISOString() } : { pending };
  }

  async purgePublished(before: Date, limit: number): Promise<number> {
    const [result] = await this.pool.query<ResultSetHeader>(
      'DELETE FROM happening_outbox WHERE published_at IS NOT NULL AND published_at < ? ORDER BY published_at LIMIT ?',
      [before, limit],
    );
    return result.affectedRows;
  }
}

async function lockedHappening(connection: PoolConnection, id: string): Promise<Happening | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM happenings h WHERE h.id = ? FOR UPDATE`, [id]);
  return rows[0] ? happeningOfRow(rows[0]) : undefined;
}

async function writeTopics(connection: PoolConnection, happening: Happening): Promise<void> {
  await connection.query('INSERT INTO happening_topics (topic, happening_id) VALUES ?', [
    happening.topics.map((topic) => [topic, happening.id]),
  ]);
}

async function appendToOutbox(connection: PoolConnection, change: HappeningChange): Promise<OutboxEntry> {
  const [result] = await connection.query<ResultSetHeader>(
    'INSERT INTO happening_outbox (happening_id, version, record, created_at) VALUES (?, ?, ?, ?)',
    [change.id, change.version, JSON.stringify(change), new Date(change.changedAt)],
  );
  return { seq: Number(result.insertId), change };
}

function rowOf(h: Happening): unknown[] {
  return [
    h.id,
    h.version,
    h.title,
    h.description,
    new Date(h.startsAt),
    new Date(h.endsAt),
    h.timezone,
    h.place.name,
    h.place.lat,
    h.place.lon,
    JSON.stringify(h.topics),
    new Date(h.createdAt),
    new Date(h.updatedAt),
  ];
}

function happeningOfRow(row: RowDataPacket): Happening {
  return {
    id: keyText(row.id),
    version: Number(row.version),
    title: String(row.title),
    description: String(row.description),
    startsAt: (row.starts_at as Date).toISOString(),
    endsAt: (row.ends_at as Date).toISOString(),
    timezone: String(row.timezone),
    place: { name: String(row.place_name), lat: Number(row.lat), lon: Number(row.lon) },
    topics: JSON.parse(String(row.topics)) as string[],
    createdAt: (row.created_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
  };
}
