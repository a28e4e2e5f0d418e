import { InMemoryUserTagStore } from '../../lambdas/tracking/adapters/in-memory-user-tag-store';
import { MySqlUserTagStore } from '../../lambdas/tracking/adapters/mysql-user-tag-store';
import type { StoredUserTag, UserTagStore } from '../../lambdas/tracking/domain/user-tag-store';
import { temporaryDatabase } from '../support/mariadb';

const T0 = Date.parse('2022-03-01T00:00:00.000Z');
let nextOffset = 0;

function tag(cookie: string, action: 'VIEW' | 'BUY', secondsAfterT0: number, extra = '', topic = 't'): StoredUserTag {
  const time = new Date(T0 + secondsAfterT0 * 1000).toISOString();
  const raw = `{"time":"${time}","cookie":${JSON.stringify(cookie)},"action":"${action}","product_info":{"product_id":${extra || 1}}}`;
  return {
    cookie,
    action,
    timeMs: T0 + secondsAfterT0 * 1000,
    raw,
    position: { topic, partition: 0, offset: String(nextOffset++) },
  };
}

/** Cookies that differ from 'c-pad' (and from each other) only by trailing whitespace or case. */
const LOOK_ALIKE_COOKIES = ['c-pad', 'c-pad ', 'c-pad  ', 'c-pad\t', 'c-pad\n', 'c-pad\u00a0', 'C-pad', 'C-PAD '];

const all = { fromMs: T0 - 86_400_000, toMs: T0 + 86_400_000 };

/** One behaviour, two adapters: the MySQL store and the embedded one must agree. */
function describeUserTagStore(name: string, open: () => Promise<{ store: UserTagStore; close: () => Promise<void> }>) {
  describe(`UserTagStore contract: ${name}`, () => {
    let store: UserTagStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => close());

    it('returns raw tags of one cookie and action, newest first, within [from, to)', async () => {
      const tags = [tag('c1', 'VIEW', 1), tag('c1', 'VIEW', 3), tag('c1', 'BUY', 2), tag('c1', 'VIEW', 2), tag('c2', 'VIEW', 2)];
      await store.append(tags, 200);
      expect(await store.newest('c1', 'VIEW', all, 10)).toEqual([tags[1].raw, tags[3].raw, tags[0].raw]);
      expect(await store.newest('c1', 'BUY', all, 10)).toEqual([tags[2].raw]);
      // from is inclusive, to exclusive
      expect(await store.newest('c1', 'VIEW', { fromMs: T0 + 2000, toMs: T0 + 3000 }, 10)).toEqual([tags[3].raw]);
      expect(await store.newest('c1', 'VIEW', all, 2)).toEqual([tags[1].raw, tags[3].raw]);
      expect(await store.newest('nobody', 'VIEW', all, 10)).toEqual([]);
    });

    it('keeps the raw text byte-for-byte, including a string product_id and unicode', async () => {
      const t = tag('c-raw', 'BUY', 5, '"sku-ż-1"');
      await store.append([t], 200);
      expect(await store.newest('c-raw', 'BUY', all, 1)).toEqual([t.raw]);
    });

    it('ignores a replayed position (at-least-once delivery stores once)', async () => {
      const t = tag('c-replay', 'VIEW', 7);
      await store.append([t], 200);
      await store.append([t, t], 200);
      expect(await store.newest('c-replay', 'VIEW', all, 10)).toEqual([t.raw]);
    });

    it('stores a tag its client resent (same identity, another position) once', async () => {
      const t = { ...tag('c-resent', 'VIEW', 9), identity: 'f'.repeat(64) };
      const copy = { ...t, position: { ...t.position, offset: String(nextOffset++) } };
      const other = { ...tag('c-resent', 'VIEW', 10), identity: 'e'.repeat(64) };
      await store.append([t], 200);
      await store.append([copy, other, { ...other, position: { ...other.position, partition: 1 } }], 200);
      expect(await store.newest('c-resent', 'VIEW', all, 10)).toEqual([other.raw, t.raw]);
    });

    it('trims each (cookie, action) to the newest N', async () => {
      const tags = Array.from({ length: 12 }, (_, i) => tag('c-trim', 'VIEW', 100 - i));
      await store.append(tags.slice(0, 6), 5);
      await store.append(tags.slice(6), 5);
      await store.append([tag('c-trim', 'BUY', 1)], 5);
      expect(await store.newest('c-trim', 'VIEW', all, 100)).toEqual(tags.slice(0, 5).map((t) => t.raw));
      expect(await store.newest('c-trim', 'BUY', all, 100)).toHaveLength(1);
    });

    it('keeps cookies differing only in trailing spaces, other trailing whitespace or case apart', async () => {
      // One VIEW per cookie, appended in one batch and trimmed to one per (cookie, action): a
      // store that took 'c-pad' and 'c-pad ' for one cookie would answer (and trim) them together.
      const tags = LOOK_ALIKE_COOKIES.map((cookie, i) => tag(cookie, 'VIEW', 10 + i));
      await store.append(tags, 1);
      for (const t of tags) expect(await store.newest(t.cookie, 'VIEW', all, 10)).toEqual([t.raw]);
      expect(await store.newest('c-pad   ', 'VIEW', all, 10)).toEqual([]);
      expect(await store.newest('c-pad\t ', 'VIEW', all, 10)).toEqual([]);
      // A second tag for 'c-pad ' trims only that cookie's VIEWs.
      const newer = tag('c-pad ', 'VIEW', 100);
      await store.append([newer], 1);
      expect(await store.newest('c-pad ', 'VIEW', all, 10)).toEqual([newer.raw]);
      expect(await store.newest('c-pad', 'VIEW', all, 10)).toEqual([tags[0].raw]);
    });

    it('keeps log positions apart whose topics differ only in a trailing space', async () => {
      const a = tag('c-topic', 'BUY', 1, '', 'tags');
      const b = { ...tag('c-topic', 'BUY', 2, '', 'tags '), position: { ...a.position, topic: 'tags ' } };
      await store.append([a, b], 200);
      expect(await store.newest('c-topic', 'BUY', all, 10)).toEqual([b.raw, a.raw]);
    });

    it('deletes tags older than a cutoff and reports the newest time', async () => {
      const [old, recent] = [tag('c-old', 'VIEW', -50_000), tag('c-old', 'VIEW', 50_000)];
      await store.append([old, recent], 200);
      expect(await store.newestTagTime()).toBe(T0 + 50_000_000);
      expect(await store.deleteOlderThan(T0 - 40_000_000)).toBe(1);
      expect(await store.newest('c-old', 'VIEW', all, 10)).toEqual([recent.raw]);
    });
  });
}

describeUserTagStore('in memory', async () => ({ store: new InMemoryUserTagStore(), close: async () => {} }));
describeUserTagStore('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('tags');
  return { store: new MySqlUserTagStore(db.pool), close: db.drop };
});
