import { configureEmbeddedPlatform, Topics } from '../support/topics';

configureEmbeddedPlatform();

import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import { platform } from '../../lambdas/platform/wiring';
import { handler } from '../../lambdas/tracking/handlers/store-user-tags';
import { userTagStore } from '../../lambdas/tracking/wiring';
import { lambdaContext } from '../support/apigw';
import { readDeadLetters } from '../support/dead-letters';

// Runs on the embedded backend (EVENTLINE_BACKEND unset): the in-memory store and bus.
const tag = (cookie: string, time: string, action = 'VIEW') =>
  `{"time":"${time}","cookie":"${cookie}","country":"PL","device":"PC","action":"${action}","origin":"o","product_info":{"product_id":1,"brand_id":"b","category_id":"c","price":1}}`;

const record = (offset: number, value: string): ConsumedRecord => ({
  topic: Topics.userTags,
  partition: 2,
  offset: String(offset),
  timestamp: 1646092800000,
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers: {},
});

const source = { eventSourceArn: 'arn:aws:kafka:local:000000000000:cluster/test/x', bootstrapServers: '127.0.0.1:9092' };
const all = { fromMs: 0, toMs: Date.parse('2030-01-01T00:00:00Z') };

const deadLetters = readDeadLetters;

afterAll(() => platform.close());

describe('store-user-tags consumer', () => {
  it('stores good records as sent and dead-letters a poison record without failing the batch', async () => {
    const good = tag('cookie-a', '2022-03-01T00:00:01.000Z');
    const event = toMskEvent([record(10, good), record(11, '{not json'), record(12, tag('cookie-a', 'yesterday'))], source);
    await handler(event, lambdaContext);

    const store = await userTagStore();
    expect(await store.newest('cookie-a', 'VIEW', all, 10)).toEqual([good]);
    const letters = await deadLetters();
    expect(letters.map((l) => l.source.offset).sort()).toEqual([11, 12]);
    expect(letters.find((l) => l.source.offset === 12)!.reason).toContain('time');
    expect(Buffer.from(letters.find((l) => l.source.offset === 11)!.value!, 'base64').toString()).toBe('{not json');
    expect(letters[0].consumer).toBe('tracking-store-profiles');
  });

  it('is idempotent: a redelivered batch, whole or partial, changes nothing', async () => {
    const tags = [tag('cookie-b', '2022-03-01T00:00:01.000Z'), tag('cookie-b', '2022-03-01T00:00:02.000Z', 'BUY')];
    const batch = [record(20, tags[0]), record(21, tags[1])];
    await handler(toMskEvent(batch, source), lambdaContext);
    await handler(toMskEvent(batch, source), lambdaContext);
    await handler(toMskEvent(batch.slice(1), source), lambdaContext);

    const store = await userTagStore();
    expect(await store.newest('cookie-b', 'VIEW', all, 10)).toEqual([tags[0]]);
    expect(await store.newest('cookie-b', 'BUY', all, 10)).toEqual([tags[1]]);
  });
});
