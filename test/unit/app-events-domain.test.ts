import { InMemoryAppRegistry } from '../../lambdas/tracking/adapters/in-memory-app-registry';
import { type AppEventRecord, appEventKey, appEventRecordSchema, prepareBatch } from '../../lambdas/tracking/domain/app-events';
import { checkAppKey, issueAppKey } from '../../lambdas/tracking/domain/app-registry';
import {
  formatIngestKey,
  generateIngestKey,
  hashSecret,
  ingestKeyFrom,
  parseIngestKey,
  secretMatches,
} from '../../lambdas/tracking/domain/ingest-key';

const RECEIVED = new Date('2024-05-01T10:00:00.000Z');
let ids = 0;
const nextId = () => `generated-${++ids}`;

describe('ingest keys', () => {
  it('are elk_<16 hex>_<43 base64url>, stored as the sha256 of the secret', () => {
    const key = generateIngestKey();
    expect(key.key).toMatch(/^elk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseIngestKey(key.key)).toEqual({ keyId: key.keyId, secret: key.secret });
    expect(key.keyHash).toBe(hashSecret(key.secret));
    expect(key.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.keyHash).not.toContain(key.secret);
    expect(generateIngestKey().key).not.toBe(key.key);
  });

  it('compares secrets against the stored hash', () => {
    const key = generateIngestKey();
    expect(secretMatches(key.secret, key.keyHash)).toBe(true);
    expect(secretMatches(`${key.secret}x`, key.keyHash)).toBe(false);
    expect(secretMatches(key.secret, 'not hex')).toBe(false);
  });

  it('refuses what is not shaped like a key, without echoing it', () => {
    for (const bad of [
      '',
      'elk_',
      'elk_0123456789abcdef',
      'xyz_0123456789abcdef_' + 'a'.repeat(43),
      `elk_0123456789ABCDEF_${'a'.repeat(43)}`,
    ]) {
      expect(parseIngestKey(bad)).toBeUndefined();
    }
    expect(() => ingestKeyFrom('elk_secret-value')).toThrow(/^not an ingest key/);
    try {
      ingestKeyFrom('elk_secret-value');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-value');
    }
    const key = formatIngestKey('0123456789abcdef', 'a'.repeat(43));
    expect(ingestKeyFrom(` ${key} `).key).toBe(key);
  });

  it('lets an app key act only for its own app', async () => {
    const registry = new InMemoryAppRegistry();
    const issued = await issueAppKey(registry, 'game-a', 'A', RECEIVED);
    await expect(issueAppKey(registry, 'Bad_Id', 'x', RECEIVED)).rejects.toThrow(/lowercase/);
    expect(await checkAppKey(registry, issued.key, 'game-b', RECEIVED)).toEqual({ ok: false, reason: 'other-app' });
  });
});

describe('app event batches', () => {
  const valid = {
    event_id: 'evt-1',
    type: 'purchase_sword',
    user_id: 'user-7',
    time: '2024-05-01T09:59:30.250+02:00',
    properties: { price: 120, currency: 'gold', legendary: true },
  };

  it('accepts valid events, fills in event_id and time, and keys records by app and user', () => {
    const { records, outcome } = prepareBatch(
      'game',
      [valid, { type: 'join_guild', user_id: 'user-8', properties: { guild: 'Knights', level: 3 } }],
      RECEIVED,
      nextId,
    );
    expect(outcome).toEqual({
      accepted: 2,
      rejected: 0,
      results: [
        { index: 0, event_id: 'evt-1', status: 'accepted' },
        { index: 1, event_id: expect.stringMatching(/^generated-/), status: 'accepted' },
      ],
    });
    expect(records.map((r) => r.key)).toEqual([appEventKey('game', 'user-7'), 'game/user-8']);
    const values = records.map((r) => JSON.parse(r.value ?? 'null') as AppEventRecord);
    expect(values[0]).toEqual({
      app_id: 'game',
      event_id: 'evt-1',
      type: 'purchase_sword',
      user_id: 'user-7',
      time: '2024-05-01T07:59:30.250Z',
      received_at: '2024-05-01T10:00:00.000Z',
      properties: { price: 120, currency: 'gold', legendary: true },
    });
    expect(values[1]).toMatchObject({ event_id: outcome.results[1].event_id, time: '2024-05-01T10:00:00.000Z' });
    for (const value of values) expect(appEventRecordSchema.safeParse(value).success).toBe(true);
  });

  it('rejects each bad event on its own, with a reason naming the field', () => {
    const events = [
      valid,
      { ...valid, event_id: 'evt-2', type: 'Purchase Sword' },
      { ...valid, event_id: 'evt-3', user_id: '' },
      { ...valid, event_id: 'evt-4', properties: { nested: { no: 1 } } },
      { ...valid, event_id: 'evt-5', properties: { 'bad.name': 1 } },
      { ...valid, event_id: 'evt-6', time: 'yesterday' },
      { ...valid, event_id: 'evt-7', time: '2024-05-03T10:00:00Z' },
      { ...valid, event_id: 'evt-8', time: '2023-01-01T00:00:00Z' },
      { ...valid, event_id: 'evt-9', extra: 1 },
      'not an object',
      { ...valid, event_id: 'has spaces' },
      { ...valid, event_id: 'evt-12', properties: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, i])) },
      { ...valid, event_id: 'evt-13', properties: { text: 'x'.repeat(1025) } },
    ];
    const { records, outcome } = prepareBatch('game', events, RECEIVED, nextId);
    expect(records).toHaveLength(1);
    expect(outcome.accepted).toBe(1);
    expect(outcome.rejected).toBe(12);
    const reasons = Object.fromEntries(outcome.results.map((r) => [r.index, r.status === 'rejected' ? r.reason : 'ok']));
    expect(reasons[0]).toBe('ok');
    expect(reasons[1]).toMatch(/^type: /);
    expect(reasons[2]).toMatch(/^user_id: /);
    expect(reasons[3]).toMatch(/^properties\.nested: must be a string, a number or a boolean/);
    expect(reasons[4]).toMatch(/^properties/);
    expect(reasons[5]).toMatch(/^time: /);
    expect(reasons[6]).toBe('time: is more than 24 hours in the future');
    expect(reasons[7]).toBe('time: is more than 90 days in the past');
    expect(reasons[8]).toBe('extra: is not allowed');
    expect(reasons[9]).toMatch(/^\(event\): /);
    expect(reasons[10]).toMatch(/^event_id: /);
    expect(reasons[11]).toMatch(/at most 50 properties/);
    expect(reasons[12]).toMatch(/^properties\.text: /);
    // A rejected event keeps its (well-formed) id in the answer, so the client can match it.
    expect(outcome.results[1]).toEqual({ index: 1, event_id: 'evt-2', status: 'rejected', reason: expect.any(String) });
    expect(outcome.results[10]).not.toHaveProperty('event_id');
  });
});
