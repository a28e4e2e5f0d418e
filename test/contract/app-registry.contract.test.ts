import { InMemoryAppRegistry } from '../../lambdas/tracking/adapters/in-memory-app-registry';
import { MySqlAppRegistry } from '../../lambdas/tracking/adapters/mysql-app-registry';
import { type AppRegistry, checkAppKey, issueAppKey, UnknownAppError } from '../../lambdas/tracking/domain/app-registry';
import { formatIngestKey, hashSecret } from '../../lambdas/tracking/domain/ingest-key';
import { temporaryDatabase } from '../support/mariadb';

const T0 = new Date('2024-05-01T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

/** One behaviour, two adapters: the MySQL registry and the embedded one must agree. */
function describeAppRegistry(name: string, open: () => Promise<{ registry: AppRegistry; close: () => Promise<void> }>) {
  describe(`AppRegistry contract: ${name}`, () => {
    let registry: AppRegistry;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ registry, close } = await open());
    });
    afterAll(async () => close());

    it('creates an app once and keeps the first name', async () => {
      expect(await registry.createApp({ appId: 'game-1', name: 'The game' }, T0)).toBe('created');
      expect(await registry.createApp({ appId: 'game-1', name: 'Renamed' }, later(1000))).toBe('exists');
      expect(await registry.getApp('game-1')).toEqual({ appId: 'game-1', name: 'The game', createdAt: T0 });
      expect(await registry.getApp('no-such-app')).toBeUndefined();
    });

    it('stores keys of an existing app by id, hash only, and lists them oldest first', async () => {
      await registry.createApp({ appId: 'game-2', name: 'Two' }, T0);
      await registry.addKey({ keyId: '00000000000000b2', appId: 'game-2', keyHash: hashSecret('second') }, later(2000));
      await registry.addKey({ keyId: '00000000000000a1', appId: 'game-2', keyHash: hashSecret('first') }, later(1000));
      expect(await registry.findKey('00000000000000a1')).toEqual({
        keyId: '00000000000000a1',
        appId: 'game-2',
        keyHash: hashSecret('first'),
        createdAt: later(1000),
      });
      expect((await registry.listKeys('game-2')).map((k) => k.keyId)).toEqual(['00000000000000a1', '00000000000000b2']);
      expect(await registry.findKey('ffffffffffffffff')).toBeUndefined();
      expect(await registry.listKeys('nobody')).toEqual([]);
    });

    it('keeps app ids and key ids differing only in trailing whitespace or case apart', async () => {
      const ids = ['game-pad', 'game-pad ', 'game-pad\t', 'Game-pad'];
      for (const [i, appId] of ids.entries()) {
        expect(await registry.createApp({ appId, name: `Pad ${i}` }, T0)).toBe('created');
      }
      for (const [i, appId] of ids.entries()) {
        expect(await registry.getApp(appId)).toEqual({ appId, name: `Pad ${i}`, createdAt: T0 });
      }
      expect(await registry.getApp('game-pad  ')).toBeUndefined();

      await registry.addKey({ keyId: '00000000000000e1', appId: 'game-pad', keyHash: hashSecret('plain') }, T0);
      await registry.addKey({ keyId: '00000000000000e1 ', appId: 'game-pad ', keyHash: hashSecret('spaced') }, T0);
      await registry.addKey({ keyId: '00000000000000E1', appId: 'Game-pad', keyHash: hashSecret('upper') }, T0);
      expect(await registry.findKey('00000000000000e1 ')).toMatchObject({ appId: 'game-pad ', keyHash: hashSecret('spaced') });
      expect(await registry.findKey('00000000000000e1')).toMatchObject({ appId: 'game-pad', keyHash: hashSecret('plain') });
      expect(await registry.findKey('00000000000000E1')).toMatchObject({ appId: 'Game-pad' });
      expect(await registry.findKey('00000000000000e1  ')).toBeUndefined();
      expect((await registry.listKeys('game-pad')).map((k) => k.keyId)).toEqual(['00000000000000e1']);
      expect((await registry.listKeys('game-pad ')).map((k) => k.keyId)).toEqual(['00000000000000e1 ']);
      expect(await registry.listKeys('game-pad\t')).toEqual([]);
      // A key names its app exactly: none for an app id that only pads to an existing one.
      await expect(
        registry.addKey({ keyId: '00000000000000e2', appId: 'game-pad   ', keyHash: hashSecret('x') }, T0),
      ).rejects.toBeInstanceOf(UnknownAppError);
      // Revoking one key leaves its look-alike alone.
      expect(await registry.revokeKey('00000000000000e1 ', later(1))).toBe(true);
      expect((await registry.findKey('00000000000000e1'))?.revokedAt).toBeUndefined();
    });

    it('refuses a key for an app that does not exist', async () => {
      await expect(
        registry.addKey({ keyId: '00000000000000c1', appId: 'ghost', keyHash: hashSecret('x') }, T0),
      ).rejects.toBeInstanceOf(UnknownAppError);
      expect(await registry.findKey('00000000000000c1')).toBeUndefined();
    });

    it('revokes a key once (the first revocation time stays) and reports unknown keys', async () => {
      await registry.createApp({ appId: 'game-3', name: 'Three' }, T0);
      await registry.addKey({ keyId: '00000000000000d1', appId: 'game-3', keyHash: hashSecret('s') }, T0);
      expect(await registry.revokeKey('00000000000000d1', later(5000))).toBe(true);
      expect(await registry.revokeKey('00000000000000d1', later(9000))).toBe(true);
      expect((await registry.findKey('00000000000000d1'))?.revokedAt).toEqual(later(5000));
      expect(await registry.revokeKey('0000000000000000', later(5000))).toBe(false);
    });

    it('checks a presented key: right app, right secret, not revoked', async () => {
      const issued = await issueAppKey(registry, 'game-4', 'Four', T0);
      expect(issued.appCreated).toBe(true);
      expect(await checkAppKey(registry, issued.key, 'game-4', later(1))).toEqual({
        ok: true,
        appId: 'game-4',
        keyId: issued.keyId,
      });
      // Stored as a hash: nothing stored contains the secret.
      expect(JSON.stringify(await registry.listKeys('game-4'))).not.toContain(issued.secret);

      const other = await issueAppKey(registry, 'game-5', 'Five', T0);
      expect(await checkAppKey(registry, other.key, 'game-4', later(1))).toEqual({ ok: false, reason: 'other-app' });
      const tampered = formatIngestKey(issued.keyId, `${issued.secret.slice(0, -1)}${issued.secret.endsWith('A') ? 'B' : 'A'}`);
      expect(await checkAppKey(registry, tampered, 'game-4', later(1))).toEqual({ ok: false, reason: 'wrong-secret' });
      expect(await checkAppKey(registry, 'elk_nonsense', 'game-4', later(1))).toEqual({ ok: false, reason: 'malformed' });
      const unknown = formatIngestKey('0123456789abcdef', issued.secret);
      expect(await checkAppKey(registry, unknown, 'game-4', later(1))).toEqual({ ok: false, reason: 'unknown' });

      await registry.revokeKey(issued.keyId, later(10));
      expect(await checkAppKey(registry, issued.key, 'game-4', later(5))).toMatchObject({ ok: true });
      expect(await checkAppKey(registry, issued.key, 'game-4', later(10))).toEqual({ ok: false, reason: 'revoked' });

      // A second key for the same app (rotation) does not recreate the app.
      const rotated = await issueAppKey(registry, 'game-4', 'ignored', later(20));
      expect(rotated.appCreated).toBe(false);
      expect(await checkAppKey(registry, rotated.key, 'game-4', later(21))).toMatchObject({ ok: true, keyId: rotated.keyId });
    });
  });
}

describeAppRegistry('in memory', async () => ({ registry: new InMemoryAppRegistry(), close: async () => {} }));
describeAppRegistry('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('apps');
  return { registry: new MySqlAppRegistry(db.pool), close: db.drop };
});
