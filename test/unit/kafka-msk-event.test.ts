import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { mskPartitionKey, toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import sample from '../fixtures/msk-sample-event.json';

/** The structure of a JSON value: object keys (sorted) and value types, array element shapes. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k])]),
    );
  }
  return value === null ? 'null' : typeof value;
}

function record(overrides: Partial<ConsumedRecord> = {}): ConsumedRecord {
  return {
    topic: 'mytopic',
    partition: 0,
    offset: '15',
    timestamp: 1545084650987,
    key: Buffer.from('cookie-1'),
    value: Buffer.from('Hello, this is a test.'),
    headers: { headerKey: Buffer.from('headerValue') },
    ...overrides,
  };
}

const source = { eventSourceArn: sample.eventSourceArn, bootstrapServers: sample.bootstrapServers };

describe('toMskEvent', () => {
  it('has exactly the structure of the documented aws:kafka sample event', () => {
    const event = toMskEvent([record()], source);
    expect(shape(JSON.parse(JSON.stringify(event)))).toEqual(shape(sample));
  });

  it('encodes like Lambda: base64 key and value, numeric offset, header values as byte arrays', () => {
    const event = toMskEvent([record()], source);
    const [only] = event.records['mytopic-0'];
    expect(only.value).toBe(sample.records['mytopic-0'][0].value); // "Hello, this is a test."
    expect(only.headers).toEqual(sample.records['mytopic-0'][0].headers); // headerKey: "headerValue"
    expect(Buffer.from(only.key, 'base64').toString()).toBe('cookie-1');
    expect(only.offset).toBe(15);
    expect(only.timestampType).toBe('CREATE_TIME');
    expect(event.eventSource).toBe('aws:kafka');
  });

  it('groups records by "<topic>-<partition>" and keeps their order', () => {
    const records = [
      record({ partition: 1, offset: '7' }),
      record({ partition: 0, offset: '3' }),
      record({ partition: 1, offset: '8' }),
      record({ topic: 'other', partition: 1, offset: '0' }),
    ];
    const event = toMskEvent(records, source);
    expect(Object.keys(event.records)).toEqual(['mytopic-1', 'mytopic-0', 'other-1']);
    expect(event.records['mytopic-1'].map((r) => r.offset)).toEqual([7, 8]);
    expect(event.records[mskPartitionKey('other', 1)][0].topic).toBe('other');
  });

  it('sends no headers as an empty list and leaves out a null key', () => {
    const [only] = toMskEvent([record({ key: null, headers: {} })], source).records['mytopic-0'];
    expect(only.headers).toEqual([]);
    expect('key' in only).toBe(false);
  });
});
