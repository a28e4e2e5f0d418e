import { Partitioners } from 'kafkajs';
import { partitionForKey } from '../../lambdas/platform/bus/key-partitioner';

/** kafkajs' Java-compatible partitioner, asked the way its producer asks it. */
function kafkajsPartition(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: 'v' } });
}

describe('partitionForKey (the embedded bus partitioner)', () => {
  it('matches Kafka/kafkajs default partitioning for many keys, lengths and partition counts', () => {
    const keys = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'cookie-123', 'ünïcødé-κλειδί', '🙂🙃', 'x'.repeat(257)];
    for (let i = 0; i < 300; i += 1) keys.push(`user-${i}-${(i * 7919).toString(36)}`);
    for (const partitions of [1, 2, 3, 6, 7, 50]) {
      for (const key of keys) {
        expect([key, partitions, partitionForKey(key, partitions)]).toEqual([key, partitions, kafkajsPartition(key, partitions)]);
      }
    }
  });

  it('is stable and in range', () => {
    expect(partitionForKey('cookie-1', 6)).toBe(partitionForKey('cookie-1', 6));
    for (let i = 0; i < 100; i += 1) {
      const p = partitionForKey(`k${i}`, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
    }
  });

  it('rejects a non-positive partition count', () => {
    expect(() => partitionForKey('k', 0)).toThrow(/positive integer/);
  });
});
