/**
 * The happenings store's contract, one suite for the MySQL adapter (MariaDB on 127.0.0.1:3306)
 * and the in-memory one: writes with their outbox records (atomic: a refused change writes
 * neither), versions, the outbox's order and bookkeeping, and the search fallback's answers
 * (topics, the overlap of a time range, distance with a radius, text, paging by cursor).
 */
import { randomUUID } from 'node:crypto';
import { InMemoryHappeningRepository } from '../../lambdas/happenings/adapters/in-memory-happening-repository';
import { MySqlHappeningRepository } from '../../lambdas/happenings/adapters/mysql-happening-repository';
import { changeOf, deletionOf } from '../../lambdas/happenings/domain/change';
import type { Happening } from '../../lambdas/happenings/domain/happening';
import type { HappeningQuery } from '../../lambdas/happenings/domain/query';
import type { HappeningRepository } from '../../lambdas/happenings/domain/repository';
import { InvalidInput } from '../../lambdas/platform/errors';
import { arcDistanceKm } from '../../lambdas/platform/search/geo';
import { temporaryDatabase } from '../support/mariadb';

const WARSAW = { lat: 52.2297, lon: 21.0122 };
const KRAKOW = { lat: 50.0647, lon: 19.945 };
const LODZ = { lat: 51.7592, lon: 19.456 };
const GDANSK = { lat: 54.352, lon: 18.6466 };
const BERLIN = { lat: 52.52, lon: 13.405 };

const T = (iso: string) => new Date(iso).toISOString();

function happening(overrides: Partial<Happening> & { at?: { lat: number; lon: number } } = {}): Happening {
  const { at, ...rest } = overrides;
  const now = '2025-01-01T00:00:00.000Z';
  return {
    id: randomUUID(),
    version: 1,
    title: 'Jazz in the park',
    description: 'An evening of live jazz.',
    startsAt: T('2025-06-01T18:00:00Z'),
    endsAt: T('2025-06-01T21:00:00Z'),
    timezone: 'Europe/Warsaw',
    place: { name: 'Park', ...(at ?? WARSAW) },
    topics: ['music'],
    createdAt: now,
    updatedAt: now,
    ...rest,
  };
}

function describeHappeningRepository(
  name: string,
  open: () => Promise<{ repository: HappeningRepository; close: () => Promise<void> }>,
) {
  describe(`HappeningRepository contract: ${name}`, () => {
    let repository: HappeningRepository;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ repository, close } = await open());
    });
    afterAll(async () => close());

    /** Marks everything pending as published, so a test sees only its own outbox records. */
    async function drainOutbox(): Promise<void> {
      for (;;) {
        const pending = await repository.pendingChanges(500);
        if (pending.length === 0) return;
        await repository.markPublished(
          pending.map((e) => e.seq),
          new Date(),
        );
      }
    }

    describe('writes and their outbox records', () => {
      beforeEach(drainOutbox);

      it('creates a happening, readable by id, with its change record pending in the outbox', async () => {
        const h = happening({ title: 'Zażółć gęślą jaźń', topics: ['music', 'outdoor'] });
        const entry = await repository.create(h, changeOf(h));
        expect(entry.change).toEqual(changeOf(h));
        expect(await repository.get(h.id)).toEqual(h);
        const pending = await repository.pendingChanges(10);
        expect(pending).toEqual([entry]);
        expect(await repository.outboxBacklog()).toEqual({ pending: 1, oldestPendingAt: h.updatedAt });
      });

      it('reads ids byte for byte: another case or a trailing space is another (unknown) id', async () => {
        const h = happening();
        await repository.create(h, changeOf(h));
        expect(await repository.get(h.id.toUpperCase())).toBeUndefined();
        expect(await repository.get(`${h.id} `)).toBeUndefined();
        expect(await repository.get(randomUUID())).toBeUndefined();
      });

      it('updates under the current state: the next version and its record, in one step', async () => {
        const h = happening();
        await repository.create(h, changeOf(h));
        const result = await repository.update(h.id, (current) => {
          const next = {
            ...current,
            title: 'Jazz moved',
            startsAt: T('2025-06-02T18:00:00Z'),
            endsAt: T('2025-06-02T21:00:00Z'),
            version: current.version + 1,
            updatedAt: T('2025-01-02T00:00:00Z'),
          };
          return { happening: next, change: changeOf(next, current) };
        });
        expect(result?.happening).toMatchObject({ version: 2, title: 'Jazz moved' });
        expect(result?.entry.change).toMatchObject({ version: 2, previousStartsAt: h.startsAt, deleted: false });
        expect(await repository.get(h.id)).toEqual(result?.happening);
        const pending = await repository.pendingChanges(10);
        expect(pending.map((e) => [e.change.id, e.change.version])).toEqual([
          [h.id, 1],
          [h.id, 2],
        ]);
        expect(pending[0]!.seq).toBeLessThan(pending[1]!.seq);
      });

      it('writes nothing when the change is refused, and nothing for an unknown id', async () => {
        const h = happening();
        await repository.create(h, changeOf(h));
        await drainOutbox();
        await expect(
          repository.update(h.id, () => {
            throw new InvalidInput('no');
          }),
        ).rejects.toThrow(InvalidInput);
        expect(await repository.get(h.id)).toEqual(h);
        expect(await repository.update(randomUUID(), (c) => ({ happening: c, change: changeOf(c) }))).toBeUndefined();
        expect(await repository.delete(randomUUID(), (last) => deletionOf(last, last.updatedAt))).toBeUndefined();
        expect(await repository.pendingChanges(10)).toEqual([]);
      });

      it('serializes concurrent updates of one happening: consecutive versions, none lost', async () => {
        const h = happening({ topics: ['a'] });
        await repository.create(h, changeOf(h));
        const add = (topic: string) =>
          repository.update(h.id, (current) => {
            const next = { ...current, topics: [...current.topics, topic], version: current.version + 1 };
            return { happening: next, change: changeOf(next, current) };
          });
        await Promise.all(['b', 'c', 'd', 'e'].map(add));
        const stored = await repository.get(h.id);
        expect(stored?.version).toBe(5);
        expect([...(stored?.topics ?? [])].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
        const versions = (await repository.pendingChanges(20)).map((e) => e.change.version);
        expect(versions).toEqual([1, 2, 3, 4, 5]);
      });

      it('deletes with a record one version on that keeps the last values', async () => {
        const h = happening({ version: 3 });
        await repository.create(h, changeOf(h));
        const entry = await repository.delete(h.id, (last) => deletionOf(last, T('2025-02-01T00:00:00Z')));
        expect(entry?.change).toEqual({
          id: h.id,
          version: 4,
          deleted: true,
          changedAt: T('2025-02-01T00:00:00Z'),
          title: h.title,
          startsAt: h.startsAt,
          endsAt: h.endsAt,
          timezone: h.timezone,
          placeName: h.place.name,
        });
        expect(await repository.get(h.id)).toBeUndefined();
        expect(await repository.find({ limit: 100, topics: ['music'], text: h.id })).toEqual({ items: [] });
      });

      it('keeps the outbox in order, marks published once, and purges only old published records', async () => {
        const written = [];
        for (let i = 0; i < 5; i++) {
          const h = happening({ updatedAt: T(`2025-03-0${i + 1}T00:00:00Z`) });
          written.push(await repository.create(h, changeOf(h)));
        }
        expect((await repository.pendingChanges(3)).map((e) => e.seq)).toEqual(written.slice(0, 3).map((e) => e.seq));
        const early = new Date('2025-03-10T00:00:00Z');
        await repository.markPublished([written[0]!.seq, written[1]!.seq], early);
        await repository.markPublished([written[0]!.seq], new Date('2025-04-01T00:00:00Z')); // again: harmless
        await repository.markPublished([], early);
        expect((await repository.pendingChanges(10)).map((e) => e.seq)).toEqual(written.slice(2).map((e) => e.seq));
        expect(await repository.outboxBacklog()).toEqual({ pending: 3, oldestPendingAt: T('2025-03-03T00:00:00Z') });
        await repository.markPublished([written[2]!.seq], new Date('2025-03-20T00:00:00Z'));
        expect(await repository.purgePublished(new Date('2025-03-15T00:00:00Z'), 1)).toBe(1);
        expect(await repository.purgePublished(new Date('2025-03-15T00:00:00Z'), 10)).toBe(1);
        expect(await repository.purgePublished(new Date('2025-03-15T00:00:00Z'), 10)).toBe(0);
        await drainOutbox();
        expect(await repository.outboxBacklog()).toEqual({ pending: 0 });
      });
    });

    describe('find (the search fallback)', () => {
      const topic = `t${randomUUID().slice(0, 8)}`;
      const other = `${topic}-other`;
      const seeded: Record<string, Happening> = {};
      const q = (query: Partial<HappeningQuery>): HappeningQuery => ({ topics: [topic, other], limit: 100, ...query });
      const titles = async (query: Partial<HappeningQuery>) =>
        (await repository.find(q(query))).items.map((item) => item.happening.title);

      beforeAll(async () => {
        const specs: [string, Partial<Happening> & { at?: { lat: number; lon: number } }][] = [
          [
            'warsaw-jazz',
            {
              startsAt: T('2025-06-01T18:00:00Z'),
              endsAt: T('2025-06-01T21:00:00Z'),
              at: WARSAW,
              description: 'Café concert, 100% live',
            },
          ],
          [
            'krakow-festival',
            { startsAt: T('2025-05-28T10:00:00Z'), endsAt: T('2025-06-05T22:00:00Z'), at: KRAKOW, topics: [other] },
          ],
          [
            'lodz-talk',
            {
              startsAt: T('2025-06-03T17:00:00Z'),
              endsAt: T('2025-06-03T18:00:00Z'),
              at: LODZ,
              description: 'A TALK about jazz_history',
            },
          ],
          [
            'gdansk-run',
            { startsAt: T('2025-06-10T07:00:00Z'), endsAt: T('2025-06-10T10:00:00Z'), at: GDANSK, topics: [topic, other] },
          ],
          ['berlin-jazz', { startsAt: T('2025-06-01T18:00:00Z'), endsAt: T('2025-06-01T20:00:00Z'), at: BERLIN }],
        ];
        for (const [title, spec] of specs) {
          const h = happening({
            topics: [topic],
            description: `${title.split('-')[1]} in ${title.split('-')[0]}`,
            ...spec,
            title,
          });
          seeded[title] = h;
          await repository.create(h, changeOf(h));
        }
      });

      it('filters by any of the topics, ordered by start time then id', async () => {
        const both = await titles({});
        expect(both).toHaveLength(5);
        expect(both.slice(0, 1)).toEqual(['krakow-festival']);
        const jazzTie = [seeded['warsaw-jazz']!, seeded['berlin-jazz']!]
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((h) => h.title);
        expect(both.slice(1, 3)).toEqual(jazzTie);
        expect(both.slice(3)).toEqual(['lodz-talk', 'gdansk-run']);
        expect((await titles({ topics: [other] })).sort()).toEqual(['gdansk-run', 'krakow-festival']);
        expect(await titles({ topics: [`${topic}-none`] })).toEqual([]);
      });

      it('selects happenings on at some moment of [from, to): overlapping, not only starting in it', async () => {
        const range = (from: string, to?: string) => ({ fromMs: Date.parse(from), ...(to ? { toMs: Date.parse(to) } : {}) });
        // The festival began before and is still on.
        expect((await titles(range('2025-06-02T00:00:00Z', '2025-06-03T00:00:00Z'))).sort()).toEqual(['krakow-festival']);
        expect((await titles(range('2025-06-03T00:00:00Z', '2025-06-04T00:00:00Z'))).sort()).toEqual([
          'krakow-festival',
          'lodz-talk',
        ]);
        // Ends exactly at `from`: over; starts exactly at `to`: not yet.
        expect(await titles(range('2025-06-03T18:00:00Z', '2025-06-03T18:30:00Z'))).toEqual(['krakow-festival']);
        expect(await titles(range('2025-06-10T06:00:00Z', '2025-06-10T07:00:00Z'))).toEqual([]);
        expect(await titles(range('2025-06-06T00:00:00Z'))).toEqual(['gdansk-run']);
        expect(await titles({ toMs: Date.parse('2025-06-01T00:00:00Z') })).toEqual(['krakow-festival']);
      });

      it('orders by distance from a point (great-circle km), within a radius when given', async () => {
        const found = await repository.find(q({ near: WARSAW }));
        expect(found.items.map((i) => i.happening.title)).toEqual([
          'warsaw-jazz',
          'lodz-talk',
          'krakow-festival',
          'gdansk-run',
          'berlin-jazz',
        ]);
        for (const item of found.items) {
          const { lat, lon } = item.happening.place;
          expect(item.distanceKm).toBeCloseTo(arcDistanceKm(WARSAW.lat, WARSAW.lon, lat, lon), 6);
        }
        expect(await titles({ near: WARSAW, radiusKm: 200 })).toEqual(['warsaw-jazz', 'lodz-talk']);
        expect(await titles({ near: WARSAW, radiusKm: 0.001 })).toEqual(['warsaw-jazz']);
        expect(await titles({ near: WARSAW, radiusKm: 300, topics: [other] })).toEqual(['krakow-festival', 'gdansk-run']);
      });

      it('matches any word of the text in title or description, ignoring case and accents, wildcards literal', async () => {
        expect((await titles({ text: 'JAZZ' })).sort()).toEqual(['berlin-jazz', 'lodz-talk', 'warsaw-jazz']);
        expect(await titles({ text: 'cafe' })).toEqual(['warsaw-jazz']);
        expect((await titles({ text: 'cafe  talk' })).sort()).toEqual(['lodz-talk', 'warsaw-jazz']);
        expect(await titles({ text: '100%' })).toEqual(['warsaw-jazz']);
        expect(await titles({ text: 'jazz_h' })).toEqual(['lodz-talk']);
        expect(await titles({ text: '%' })).toEqual(['warsaw-jazz']);
        expect(await titles({ text: 'opera' })).toEqual([]);
      });

      it.each([
        ['start time', {}],
        ['distance', { near: { lat: 51, lon: 20 } }],
        ['distance within a radius, with text', { near: WARSAW, radiusKm: 600, text: 'jazz run festival talk' }],
      ])('pages by %s: every happening exactly once, in order, whatever the page size', async (_label, extra) => {
        const whole = (await repository.find(q(extra))).items.map((i) => i.happening.id);
        expect(whole.length).toBeGreaterThanOrEqual(4);
        for (const limit of [1, 2, 3]) {
          const seen: string[] = [];
          let after: HappeningQuery['after'];
          for (let page = 0; page < 10; page++) {
            const result = await repository.find(q({ ...extra, limit, ...(after ? { after } : {}) }));
            seen.push(...result.items.map((i) => i.happening.id));
            if (!result.next) break;
            after = result.next;
          }
          expect(seen).toEqual(whole);
        }
      });
    });
  });
}

describeHappeningRepository('in memory', async () => ({ repository: new InMemoryHappeningRepository(), close: async () => {} }));
describeHappeningRepository('MySQL (MariaDB on 127.0.0.1:3306)', async () => {
  const db = await temporaryDatabase('happenings');
  return { repository: new MySqlHappeningRepository(db.pool), close: db.drop };
});
