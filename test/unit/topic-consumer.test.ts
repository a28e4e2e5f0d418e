import { configureEmbeddedPlatform } from '../support/topics';

configureEmbeddedPlatform();

import { z } from 'zod';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { isTombstone, type RecordOrTombstone } from '../../lambdas/platform/kafka/decode';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import { type DeadLetter, topicConsumer } from '../../lambdas/platform/topic-consumer';
import { platform } from '../../lambdas/platform/wiring';
import { lambdaContext } from '../support/apigw';
import { readDeadLetters } from '../support/dead-letters';
import { testFunction } from '../support/function-spec';

// Runs on the embedded backend: dead letters go to the in-process bus's dead-letter topic.
const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };
const Person = z.strictObject({ name: z.string() });

const record = (offset: number, key: string, value: string | null, headers: Record<string, string> = {}): ConsumedRecord => ({
  topic: 'people',
  partition: 0,
  offset: String(offset),
  timestamp: 1_700_000_000_000,
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});

function consumerFunction(name: string) {
  return testFunction(name, {
    subscriptions: [
      {
        topic: 'people',
        consumerGroup: name,
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        retryAttempts: -1,
        deadLetter: false,
        startingPosition: 'TRIM_HORIZON',
      },
    ],
  });
}

/** The dead letters a consumer wrote so far. */
async function deadLettersOf(consumer: string): Promise<DeadLetter[]> {
  return (await readDeadLetters()).filter((letter) => letter.consumer === consumer);
}

afterAll(() => platform.close());

describe('topicConsumer and tombstones', () => {
  const batch = [
    record(1, 'ann', JSON.stringify({ name: 'Ann' })),
    record(2, 'ann', null, { version: '7' }),
    record(3, 'bob', '{"nope":1}'),
  ];

  it('dead-letters a tombstone as "record has no value" when the consumer did not opt in', async () => {
    const seen: string[] = [];
    const handler = topicConsumer(consumerFunction('test-no-tombstones'), Person, async (records) => {
      for (const r of records) seen.push(r.value.name);
    });
    await handler(toMskEvent(batch, source), lambdaContext);
    expect(seen).toEqual(['Ann']);
    const letters = await deadLettersOf('test-no-tombstones');
    expect(
      letters.map((l) => [l.source.offset, l.reason.startsWith('value does not match') ? 'schema' : l.reason]).sort(),
    ).toEqual([
      [2, 'record has no value'],
      [3, 'schema'],
    ]);
  });

  it('hands tombstones (key and headers, value null) to a consumer that opted in, in log order', async () => {
    const seen: RecordOrTombstone<z.infer<typeof Person>>[] = [];
    const handler = topicConsumer(
      consumerFunction('test-tombstones'),
      Person,
      async (records) => {
        seen.push(...records);
      },
      { tombstones: true },
    );
    await handler(toMskEvent(batch, source), lambdaContext);
    expect(seen.map((r) => [r.offset, r.key, isTombstone(r) ? 'tombstone' : r.value.name])).toEqual([
      [1, 'ann', 'Ann'],
      [2, 'ann', 'tombstone'],
    ]);
    expect(seen[1]).toMatchObject({ value: null, rawValue: null, headers: { version: '7' } });
    const letters = await deadLettersOf('test-tombstones');
    expect(letters.map((l) => l.source.offset)).toEqual([3]);
  });
});
