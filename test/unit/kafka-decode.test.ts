import type { MSKEvent } from 'aws-lambda';
import { z } from 'zod';
import type { ConsumedRecord } from '../../lambdas/platform/bus/event-bus';
import { decodeRecords, isTombstone } from '../../lambdas/platform/kafka/decode';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import sample from '../fixtures/msk-sample-event.json';

const source = { eventSourceArn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/c/1', bootstrapServers: '127.0.0.1:9092' };
const Tag = z.object({ cookie: z.string(), action: z.enum(['VIEW', 'BUY']), price: z.number().int() }).strict();

function consumed(offset: number, value: string, key = 'cookie-1'): ConsumedRecord {
  return {
    topic: 'tracking.user-tags',
    partition: 2,
    offset: String(offset),
    timestamp: 1_700_000_000_000 + offset,
    key: Buffer.from(key),
    value: Buffer.from(value),
    headers: { 'content-type': Buffer.from('application/json') },
  };
}

describe('decodeRecords (Powertools kafka underneath)', () => {
  let consoleError: jest.SpyInstance;
  beforeEach(() => {
    // Powertools would print a value that is not JSON on console.error (decode.ts keeps such values from it).
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => consoleError.mockRestore());

  it('never prints a value that is not JSON (it may be personal data), and checks it as text', async () => {
    const secret = 'Jane Doe, 1 Private Road, +48 600 000 000';
    const event = toMskEvent([consumed(1, secret), consumed(2, '{"cookie": "c1", "action": ')], source);
    const [asText] = await decodeRecords(event, z.string());
    const results = await decodeRecords(event, Tag);
    expect(asText).toMatchObject({ ok: true, record: { value: secret } });
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      expect.stringMatching(/^value does not match the schema: \(value\): .*expected object/i),
      expect.stringMatching(/^value does not match the schema: \(value\): .*expected object/i),
    ]);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('decodes the documented sample event (a plain-text value) with a schema that accepts text', async () => {
    const [result] = await decodeRecords(sample as MSKEvent, z.string());
    expect(result).toEqual({
      ok: true,
      record: {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        key: Buffer.from('abcDEFghiJKLmnoPQRstuVWXyz1234==', 'base64').toString('utf8'),
        headers: { headerKey: 'headerValue' },
        value: 'Hello, this is a test.',
        rawValue: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
      },
    });
  });

  it('identifies poison records one by one and keeps the good ones, in order', async () => {
    const event = toMskEvent(
      [
        consumed(10, JSON.stringify({ cookie: 'c1', action: 'VIEW', price: 3 })),
        consumed(11, '{"cookie": "c1", "action": '),
        consumed(12, JSON.stringify({ cookie: 'c1', action: 'SELL', price: 3 })),
        consumed(13, JSON.stringify({ cookie: 'c2', action: 'BUY', price: 5 }), 'cookie-2'),
      ],
      source,
    );
    const results = await decodeRecords(event, Tag);
    expect(results.map((r) => [r.record.offset, r.ok])).toEqual([
      [10, true],
      [11, false],
      [12, false],
      [13, true],
    ]);
    const [first, badJson, badSchema, last] = results;
    expect(first).toEqual({
      ok: true,
      record: {
        topic: 'tracking.user-tags',
        partition: 2,
        offset: 10,
        timestamp: 1_700_000_000_010,
        key: 'cookie-1',
        headers: { 'content-type': 'application/json' },
        value: { cookie: 'c1', action: 'VIEW', price: 3 },
        rawValue: Buffer.from(JSON.stringify({ cookie: 'c1', action: 'VIEW', price: 3 })).toString('base64'),
      },
    });
    if (badJson.ok || badSchema.ok || !last.ok) throw new Error('unexpected results');
    expect(badJson.reason).toMatch(/^value does not match the schema: \(value\): .*expected object/i);
    expect(Buffer.from(badJson.record.rawValue ?? '', 'base64').toString()).toBe('{"cookie": "c1", "action": ');
    expect(badSchema.reason).toMatch(/^value does not match the schema: action: /);
    expect(badSchema.record).toMatchObject({ topic: 'tracking.user-tags', partition: 2, offset: 12, key: 'cookie-1' });
    expect(last.record.value).toEqual({ cookie: 'c2', action: 'BUY', price: 5 });
    expect(last.record.key).toBe('cookie-2');
  });

  it('calls a record without a value poison', async () => {
    const event = toMskEvent([{ ...consumed(1, 'x'), value: null }], source);
    const [result] = await decodeRecords(event, Tag);
    expect(result).toMatchObject({ ok: false, reason: 'record has no value', record: { offset: 1, rawValue: null } });
  });
});

describe('decodeRecords with tombstones asked for', () => {
  it('hands a record without a value on as a tombstone with its key and headers, in order with the rest', async () => {
    const tombstone = { ...consumed(2, 'x'), value: null, headers: { version: Buffer.from('42') } };
    const event = toMskEvent([consumed(1, JSON.stringify({ cookie: 'c1', action: 'VIEW', price: 1 })), tombstone], source);
    const results = await decodeRecords(event, Tag, { tombstones: true });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const [first, second] = results;
    if (!first.ok || !second.ok) throw new Error('unexpected results');
    expect(isTombstone(first.record)).toBe(false);
    expect(isTombstone(second.record)).toBe(true);
    expect(second.record).toEqual({
      topic: 'tracking.user-tags',
      partition: 2,
      offset: 2,
      timestamp: 1_700_000_000_002,
      key: 'cookie-1',
      headers: { version: '42' },
      value: null,
      rawValue: null,
    });
  });

  it('reads `value: null` in the event as a tombstone too (Lambda may send either shape)', async () => {
    const event = toMskEvent([consumed(3, 'x')], source);
    const [record] = Object.values(event.records)[0];
    (record as unknown as { value: null }).value = null;
    const [result] = await decodeRecords(event, Tag, { tombstones: true });
    expect(result).toMatchObject({ ok: true, record: { offset: 3, key: 'cookie-1', value: null, rawValue: null } });
  });

  it('still calls a tombstone without a key poison, and values that fail the schema too', async () => {
    const event = toMskEvent([{ ...consumed(4, 'x'), key: null, value: null }, consumed(5, '{"cookie":1}')], source);
    const results = await decodeRecords(event, Tag, { tombstones: true });
    expect(results[0]).toMatchObject({ ok: false, reason: 'tombstone has no key', record: { offset: 4, rawValue: null } });
    expect(results[1]).toMatchObject({ ok: false, record: { offset: 5 } });
  });
});
