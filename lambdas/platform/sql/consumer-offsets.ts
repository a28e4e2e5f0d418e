/**
 * Exactly-once application of Kafka records into MySQL.
 *
 * Kafka (and the MSK event-source mapping) delivers at least once: a batch can come again whole,
 * or overlap a batch already applied. A consumer whose writes are increments (aggregates) cannot
 * be idempotent by itself, so it stores, per (consumer group, topic, partition), the next offset
 * it has not applied yet, in the SAME transaction as its writes (table `consumer_offsets`,
 * migration 0002). Records below the stored offset were applied by an earlier, committed
 * transaction and are skipped; the writes and the new offset commit or roll back together.
 * Group and topic are VARBINARY (migration 0006): compared byte for byte like the embedded map
 * keys, so "g" and "g " are two groups, "t" and "t " two topics.
 *
 * `InMemoryOffsets` is the same contract for the embedded backend's in-memory stores.
 * test/contract/consumer-offsets.contract.test.ts holds both to it.
 */
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { keyText } from './key-text';
import { withTransaction } from './transaction';

/** What exactly-once needs of a record: its place in the log. */
export interface LoggedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface ExactlyOnceResult {
  /** Records handed to `apply` (new to this consumer group). */
  readonly applied: number;
  /** Records dropped because this group had already applied them (or they repeat in the batch). */
  readonly skipped: number;
}

/** A (topic, partition) pair as one map key. JSON keeps it unambiguous whatever the topic name. */
function partitionKey(topic: string, partition: number): string {
  return JSON.stringify([topic, partition]);
}

/**
 * The records not applied yet, given the next offset per partition; a record repeated inside the
 * batch counts once. Order of `records` is kept. Also returns the next offset per partition after
 * applying them (unchanged for partitions with no fresh record).
 */
export function selectFresh<R extends LoggedRecord>(
  records: readonly R[],
  nextOffsets: ReadonlyMap<string, number>,
): { fresh: R[]; next: Map<string, number> } {
  const next = new Map(nextOffsets);
  const seen = new Set<string>();
  const fresh: R[] = [];
  for (const record of records) {
    const key = partitionKey(record.topic, record.partition);
    const stored = nextOffsets.get(key) ?? 0;
    const id = `${key}#${record.offset}`;
    if (record.offset < stored || seen.has(id)) continue;
    seen.add(id);
    fresh.push(record);
    next.set(key, Math.max(next.get(key) ?? 0, record.offset + 1));
  }
  return { fresh, next };
}

function checkRecords(records: readonly LoggedRecord[]): void {
  for (const { topic, partition, offset } of records) {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isInteger(partition) || partition < 0 || !topic) {
      throw new Error(`not a Kafka log position: ${JSON.stringify({ topic, partition, offset })}`);
    }
  }
}

interface OffsetRow extends RowDataPacket {
  /** VARBINARY: a Buffer (see key-text.ts). */
  topic: Buffer | string;
  kafka_partition: number;
  next_offset: number | string;
}

/**
 * Applies the records this consumer group has not applied yet, exactly once, in ONE MySQL
 * transaction: lock the group's offset rows of the batch's partitions, drop records below the
 * stored next offset, call `apply(conn, fresh)` (which must write only through `conn`), store
 * the new next offsets, commit. If `apply` throws, nothing (data or offsets) changes and the
 * error propagates, so the batch is retried. `apply` is not called when nothing is fresh.
 *
 * On a deadlock the whole transaction is retried (withTransaction), so `apply` may run more than
 * once; it must have no side effects outside `conn`.
 *
 * Locking: the offset rows are first created if missing with an insert that changes nothing on an
 * existing row (so no gap locks are taken by a `SELECT ... FOR UPDATE` on absent rows, which would
 * make two first batches of different partitions deadlock), in (topic, partition) order, then
 * read `FOR UPDATE`. Two deliveries of the same partition serialise on its row.
 */
export async function applyExactlyOnce<R extends { topic: string; partition: number; offset: number }>(
  pool: Pool,
  consumerGroup: string,
  records: readonly R[],
  apply: (conn: PoolConnection, fresh: R[]) => Promise<void>,
): Promise<ExactlyOnceResult> {
  if (records.length === 0) return { applied: 0, skipped: 0 };
  if (!consumerGroup) throw new Error('consumerGroup is required');
  checkRecords(records);
  const partitions = distinctPartitions(records);

  return withTransaction(pool, async (conn) => {
    await conn.query(
      `INSERT INTO consumer_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES ?
       ON DUPLICATE KEY UPDATE next_offset = next_offset`,
      [partitions.map(({ topic, partition }) => [consumerGroup, topic, partition, 0])],
    );
    const [rows] = await conn.query<OffsetRow[]>(
      `SELECT topic, kafka_partition, next_offset FROM consumer_offsets
       WHERE consumer_group = ? AND (topic, kafka_partition) IN (?)
       ORDER BY topic, kafka_partition FOR UPDATE`,
      [consumerGroup, partitions.map(({ topic, partition }) => [topic, partition])],
    );
    const stored = new Map<string, number>();
    for (const row of rows) stored.set(partitionKey(keyText(row.topic), row.kafka_partition), Number(row.next_offset));

    const { fresh, next } = selectFresh(records, stored);
    if (fresh.length === 0) return { applied: 0, skipped: records.length };
    await apply(conn, fresh);

    const advanced = partitions.filter(({ topic, partition }) => {
      const key = partitionKey(topic, partition);
      return next.get(key) !== stored.get(key);
    });
    for (const { topic, partition } of advanced) {
      await conn.query(
        `UPDATE consumer_offsets SET next_offset = ?, updated_at = CURRENT_TIMESTAMP(3)
         WHERE consumer_group = ? AND topic = ? AND kafka_partition = ?`,
        [next.get(partitionKey(topic, partition)), consumerGroup, topic, partition],
      );
    }
    return { applied: fresh.length, skipped: records.length - fresh.length };
  });
}

/** The batch's (topic, partition) pairs, sorted so every transaction locks in the same order. */
function distinctPartitions(records: readonly LoggedRecord[]): { topic: string; partition: number }[] {
  const byKey = new Map<string, { topic: string; partition: number }>();
  for (const { topic, partition } of records) byKey.set(partitionKey(topic, partition), { topic, partition });
  return [...byKey.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/**
 * The embedded equivalent of `applyExactlyOnce` for in-memory stores: the same offsets per
 * (group, topic, partition), with a synchronous `apply`. If `apply` throws, the offsets stay as
 * they were (the caller's `apply` must itself leave its data unchanged on a throw, e.g. by
 * computing everything before mutating), and the error propagates.
 */
export class InMemoryOffsets {
  private readonly nextByGroup = new Map<string, Map<string, number>>();

  applyOnce<R extends LoggedRecord>(
    consumerGroup: string,
    records: readonly R[],
    apply: (fresh: R[]) => void,
  ): ExactlyOnceResult {
    if (records.length === 0) return { applied: 0, skipped: 0 };
    if (!consumerGroup) throw new Error('consumerGroup is required');
    checkRecords(records);
    const stored = this.nextByGroup.get(consumerGroup) ?? new Map<string, number>();
    const { fresh, next } = selectFresh(records, stored);
    if (fresh.length === 0) return { applied: 0, skipped: records.length };
    apply(fresh);
    this.nextByGroup.set(consumerGroup, next);
    return { applied: fresh.length, skipped: records.length - fresh.length };
  }

  /** The next offset a group would apply on a partition (0 when it has applied nothing). */
  nextOffset(consumerGroup: string, topic: string, partition: number): number {
    return this.nextByGroup.get(consumerGroup)?.get(partitionKey(topic, partition)) ?? 0;
  }
}
