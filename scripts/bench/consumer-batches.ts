import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { partitionForKey } from '../../lambdas/platform/bus/key-partitioner';
import { userTagsTopic } from '../../lambdas/tracking/topics';
import type { SentTag } from './tag-generator';

/** Partitions of tracking.user-tags (the manifest's). */
export const USER_TAG_PARTITIONS = 6;

/**
 * Places tags in the log as the ingest handler's producer would: keyed by cookie (Kafka's
 * murmur2 partitioner), offsets counting up per partition from `nextOffsets`, which is advanced.
 */
export function toLogRecords(
  tags: readonly SentTag[],
  nextOffsets: number[] = new Array(USER_TAG_PARTITIONS).fill(0),
  topic: string = userTagsTopic.name,
): ConsumedRecord[] {
  return tags.map((sent) => {
    const partition = partitionForKey(sent.tag.cookie, USER_TAG_PARTITIONS);
    const offset = nextOffsets[partition]++;
    return {
      topic,
      partition,
      offset: String(offset),
      timestamp: sent.timeMs,
      key: Buffer.from(sent.tag.cookie),
      value: Buffer.from(sent.raw),
      headers: {},
    };
  });
}

/**
 * Batches as an event-source mapping polls them: per partition, consecutive records up to
 * `size`, the partitions' batches taken in turn.
 */
export function toBatches(records: readonly ConsumedRecord[], size: number): ConsumedRecord[][] {
  const perPartition = new Map<number, ConsumedRecord[][]>();
  for (const record of records) {
    const batches = perPartition.get(record.partition) ?? [];
    perPartition.set(record.partition, batches);
    const last = batches[batches.length - 1];
    if (last && last.length < size) last.push(record);
    else batches.push([record]);
  }
  const queues = [...perPartition.entries()].sort(([a], [b]) => a - b).map(([, batches]) => batches);
  const ordered: ConsumedRecord[][] = [];
  for (let round = 0; queues.some((q) => round < q.length); round++) {
    for (const queue of queues) if (round < queue.length) ordered.push(queue[round]);
  }
  return ordered;
}
