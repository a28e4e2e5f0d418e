/**
 * One contract for the people store, run against MySQL (a fresh migrated database on the local
 * MariaDB) and the in-memory adapter of the embedded backend: versions only ever move forward
 * (in both directions of arrival, tombstones included), applying twice changes nothing, the
 * search fallback matches and orders alike, and a scan pages through every row for a rebuild.
 */
import { InMemoryPeopleStore } from '../../lambdas/people/adapters/in-memory-people-store';
import { MySqlPeopleStore } from '../../lambdas/people/adapters/mysql-people-store';
import type { ProfileFields } from '../../lambdas/people/domain/profile';
import type { PeopleStore, PersonVersion } from '../../lambdas/people/domain/store';
import { nameWords } from '../../lambdas/people/domain/store';
import { temporaryDatabase } from '../support/mariadb';

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

function written(username: string, version: number, fields: ProfileFields): PersonVersion {
  return { username, version, updatedAt: at(version % 60), deleted: false, fields };
}

function deleted(username: string, version: number): PersonVersion {
  return { username, version, updatedAt: at(version % 60), deleted: true };
}

/** Every field set, each at its longest allowed shape where that matters. */
const full: ProfileFields = {
  firstName: 'Zoë',
  lastName: 'Ødegård-Łukasiewicz',
  email: 'zoe@example.com',
  country: 'NO',
  birthday: '1990-02-28',
  occupation: 'Engineer 🚀',
  relationshipStatus: 'its_complicated',
  mobileNumber: '+47 (912) 34-567',
  phoneNumber: '22 33 44 55',
  description: 'Line one\nLine two\twith a tab',
  mood: 'curious',
  journal: 'j'.repeat(10_000),
  pictureUrl: `https://example.com/${'p'.repeat(2000)}.png`,
  background: '#1e90ff',
};

function describePeopleStore(name: string, setup: () => Promise<{ store: PeopleStore; cleanup: () => Promise<void> }>) {
  describe(`people store: ${name}`, () => {
    let store: PeopleStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await setup());
    });
    afterAll(() => cleanup?.());

    const find = async (q: string, offset = 0, limit = 10) =>
      (await store.findByName({ words: nameWords(q), offset, limit })).items.map((item) => item.username);

    it('keeps every field exactly, and answers nothing for a username never written', async () => {
      await store.apply([written('full', 5, full)]);
      expect(await store.get('full')).toEqual(written('full', 5, full));
      expect(await store.get('nobody')).toBeUndefined();
      await store.apply([written('min', 1, { firstName: 'Min', lastName: 'Imal' })]);
      expect(await store.get('min')).toEqual(written('min', 1, { firstName: 'Min', lastName: 'Imal' }));
    });

    it('never lets an older version overwrite a newer one, whichever arrives first', async () => {
      await store.apply([written('ord', 20, { firstName: 'New', lastName: 'Er' })]);
      await store.apply([written('ord', 10, { firstName: 'Old', lastName: 'Er' })]);
      expect((await store.get('ord'))?.version).toBe(20);
      await store.apply([written('ord', 30, { firstName: 'Newest', lastName: 'Er', mood: 'ok' })]);
      expect(await store.get('ord')).toEqual(written('ord', 30, { firstName: 'Newest', lastName: 'Er', mood: 'ok' }));
      // An equal version changes nothing either (a redelivery of the same write).
      await store.apply([written('ord', 30, { firstName: 'Other', lastName: 'Er' })]);
      expect((await store.get('ord')) as { fields: ProfileFields }).toMatchObject({ fields: { firstName: 'Newest' } });
    });

    it('clears fields a newer write leaves out', async () => {
      await store.apply([written('clr', 1, { firstName: 'A', lastName: 'B', mood: 'happy', country: 'PL' })]);
      await store.apply([written('clr', 2, { firstName: 'A', lastName: 'B' })]);
      expect(await store.get('clr')).toEqual(written('clr', 2, { firstName: 'A', lastName: 'B' }));
    });

    it('keeps a delete as a tombstone: an older write after it changes nothing, a newer one brings the profile back', async () => {
      await store.apply([written('tomb', 10, { firstName: 'T', lastName: 'Omb' })]);
      await store.apply([deleted('tomb', 20)]);
      expect(await store.get('tomb')).toEqual(deleted('tomb', 20));
      await store.apply([written('tomb', 15, { firstName: 'Late', lastName: 'Omb' })]);
      expect(await store.get('tomb')).toEqual(deleted('tomb', 20));
      expect(await find('late')).toEqual([]);
      await store.apply([written('tomb', 25, { firstName: 'Again', lastName: 'Omb' })]);
      expect(await store.get('tomb')).toEqual(written('tomb', 25, { firstName: 'Again', lastName: 'Omb' }));
    });

    it('ignores a tombstone older than the stored write, and takes a tombstone for a username never written', async () => {
      await store.apply([written('keep', 50, { firstName: 'Kept', lastName: 'Living' })]);
      await store.apply([deleted('keep', 40)]);
      expect((await store.get('keep'))?.deleted).toBe(false);
      await store.apply([deleted('ghost', 7)]);
      expect(await store.get('ghost')).toEqual(deleted('ghost', 7));
      await store.apply([written('ghost', 6, { firstName: 'Ghost', lastName: 'Older' })]);
      expect(await store.get('ghost')).toEqual(deleted('ghost', 7));
    });

    it('is idempotent: a batch applied twice, and a batch holding several versions of one username, leave the newest', async () => {
      const batch = [
        written('idem', 3, { firstName: 'Three', lastName: 'I' }),
        written('idem', 9, { firstName: 'Nine', lastName: 'I' }),
        written('idem', 5, { firstName: 'Five', lastName: 'I' }),
      ];
      await store.apply(batch);
      await store.apply(batch);
      expect(await store.get('idem')).toEqual(batch[1]);
      await store.apply([]);
    });

    it('keeps usernames apart byte for byte (case, trailing space)', async () => {
      await store.apply([
        written('bob', 1, { firstName: 'Lower', lastName: 'Bob' }),
        written('Bob', 1, { firstName: 'Upper', lastName: 'Bob' }),
        written('bob ', 1, { firstName: 'Space', lastName: 'Bob' }),
      ]);
      expect((await store.get('bob')) as { fields: ProfileFields }).toMatchObject({ fields: { firstName: 'Lower' } });
      expect((await store.get('Bob')) as { fields: ProfileFields }).toMatchObject({ fields: { firstName: 'Upper' } });
      expect((await store.get('bob ')) as { fields: ProfileFields }).toMatchObject({ fields: { firstName: 'Space' } });
    });

    describe('search fallback', () => {
      beforeAll(async () => {
        await store.apply([
          written('s-alice', 1, { firstName: 'Alice', lastName: 'Zimmer', country: 'DE', mood: 'fine' }),
          written('s-alicja', 1, { firstName: 'Alicja', lastName: 'Nowak', pictureUrl: 'https://example.com/a.png' }),
          written('s-malice', 1, { firstName: 'Malice', lastName: 'Aardvark' }),
          written('s-jean', 1, { firstName: 'Jean-Luc', lastName: 'Picard' }),
          written('s-emile', 1, { firstName: 'Émile', lastName: 'Zola' }),
          written('s-gone', 1, { firstName: 'Alisa', lastName: 'Gone' }),
          deleted('s-gone', 2),
          written('s-x.ali', 1, { firstName: 'Xavier', lastName: 'Brown' }),
        ]);
      });

      it('matches words that begin a first name, last name or username word, ordered by last name, first name, username', async () => {
        expect(await find('ali')).toEqual(['s-x.ali', 's-alicja', 's-alice']);
        expect(await find('ALI')).toEqual(['s-x.ali', 's-alicja', 's-alice']);
        expect(await find('alice')).toEqual(['s-alice']);
        expect(await find('luc')).toEqual(['s-jean']);
        expect(await find('emile')).toEqual(['s-emile']);
        expect(await find('Émi')).toEqual(['s-emile']);
      });

      it('needs every word to match', async () => {
        expect(await find('ali zim')).toEqual(['s-alice']);
        expect(await find('ali nope')).toEqual([]);
      });

      it('answers summaries without tombstones', async () => {
        const page = await store.findByName({ words: nameWords('alice'), offset: 0, limit: 5 });
        expect(page).toEqual({
          items: [{ username: 's-alice', firstName: 'Alice', lastName: 'Zimmer', country: 'DE', mood: 'fine' }],
          more: false,
        });
        expect(await find('alisa')).toEqual([]);
      });

      it('pages by offset and says whether more follow', async () => {
        const first = await store.findByName({ words: nameWords('ali'), offset: 0, limit: 2 });
        expect(first.items.map((i) => i.username)).toEqual(['s-x.ali', 's-alicja']);
        expect(first.more).toBe(true);
        const second = await store.findByName({ words: nameWords('ali'), offset: 2, limit: 2 });
        expect(second.items.map((i) => i.username)).toEqual(['s-alice']);
        expect(second.more).toBe(false);
      });
    });

    it('scans every row, tombstones included, in username byte order, page by page', async () => {
      const seen: PersonVersion[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.scan(after, 3);
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items);
        after = page.next;
        pages++;
      } while (after !== undefined && pages < 100);
      const usernames = seen.map((p) => p.username);
      expect(usernames).toEqual([...usernames].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
      expect(new Set(usernames).size).toBe(usernames.length);
      expect(usernames).toEqual(expect.arrayContaining(['full', 'ghost', 'tomb', 's-gone', 'bob', 'Bob', 'bob ']));
      expect(seen.find((p) => p.username === 's-gone')).toEqual(deleted('s-gone', 2));
      expect(seen.find((p) => p.username === 'full')).toEqual(written('full', 5, full));
    });
  });
}

describePeopleStore('in memory', async () => ({ store: new InMemoryPeopleStore(), cleanup: async () => {} }));
describePeopleStore('MySQL', async () => {
  const db = await temporaryDatabase('people');
  return { store: new MySqlPeopleStore(async () => db.pool), cleanup: db.drop };
});
