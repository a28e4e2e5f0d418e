/**
 * The happenings domain without any store: input rules, the merge of a patch, change records,
 * cursors, the query the search index is asked, the projection's documents, and the geometry
 * the fallback relies on.
 */
import { changeOf, deletionOf, happeningChangeSchema } from '../../lambdas/happenings/domain/change';
import {
  canonicalTimeZone,
  type Happening,
  happeningFieldsSchema,
  happeningPatchSchema,
  parseInstant,
} from '../../lambdas/happenings/domain/happening';
import { matches } from '../../lambdas/happenings/domain/matching';
import { documentOf } from '../../lambdas/happenings/domain/projection';
import { decodeCursor, encodeCursor, type HappeningFilters } from '../../lambdas/happenings/domain/query';
import { indexQueryOf } from '../../lambdas/happenings/domain/search';
import { patched } from '../../lambdas/happenings/domain/writes';
import { InvalidInput } from '../../lambdas/platform/errors';
import { arcDistanceKm, boundingBox } from '../../lambdas/platform/search/geo';

const fields = {
  title: 'Jazz in the park',
  description: 'Live jazz.',
  startsAt: '2025-06-01T18:00:00+02:00',
  endsAt: '2025-06-01T21:00:00+02:00',
  timezone: 'Europe/Warsaw',
  place: { name: 'Łazienki', lat: 52.215, lon: 21.035 },
  topics: ['music', 'outdoor'],
};

const stored: Happening = {
  id: '0b6f3c1e-1a2b-4c3d-8e9f-0123456789ab',
  version: 3,
  title: 'Jazz in the park',
  description: 'Live jazz.',
  startsAt: '2025-06-01T16:00:00.000Z',
  endsAt: '2025-06-01T19:00:00.000Z',
  timezone: 'Europe/Warsaw',
  place: { name: 'Łazienki', lat: 52.215, lon: 21.035 },
  topics: ['music'],
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-02T00:00:00.000Z',
};

const problems = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('times', () => {
  it.each([
    ['2025-06-01T18:00:00Z', Date.UTC(2025, 5, 1, 18)],
    ['2025-06-01T18:00:00+02:00', Date.UTC(2025, 5, 1, 16)],
    ['2025-06-01T18:00-05:30', Date.UTC(2025, 5, 1, 23, 30)],
    ['2025-06-01T18:00:00.5Z', Date.UTC(2025, 5, 1, 18, 0, 0, 500)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('%s is an instant', (text, ms) => {
    expect(parseInstant(text)).toBe(ms);
  });

  it.each([
    ['2025-06-01T18:00:00', /offset or Z/],
    ['2025-06-01', /offset or Z/],
    ['2025-06-01t18:00:00z', /offset or Z/],
    ['2025-06-01T18:00:00.1234Z', /offset or Z/],
    ['2025-02-29T00:00:00Z', /calendar/],
    ['2025-06-31T00:00:00Z', /calendar/],
    ['2025-06-01T24:00:00Z', /calendar/],
    ['2025-06-01T18:00:00+24:00', /offset/],
    ['1999-12-31T23:59:59Z', /2000 until 2199/],
    ['2200-01-01T00:00:00Z', /2000 until 2199/],
    [' 2025-06-01T18:00:00Z', /offset or Z/],
  ])('%s is refused', (text, message) => {
    expect(parseInstant(text)).toMatch(message);
  });

  it('time zones are IANA names, answered in their canonical spelling', () => {
    expect(canonicalTimeZone('Europe/Warsaw')).toBe('Europe/Warsaw');
    expect(canonicalTimeZone('europe/warsaw')).toBe('Europe/Warsaw');
    // Links are kept as sent (runtimes resolve them differently); only the case of a canonical name is fixed.
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    for (const bad of ['Mars/Olympus_Mons', '+02:00', 'GMT+2:00', '', ' Europe/Warsaw', 'Europe/../Warsaw', 'x'.repeat(65)]) {
      expect(canonicalTimeZone(bad)).toBeUndefined();
    }
  });
});

describe('the happening body', () => {
  it('accepts a whole happening: times in UTC, the zone canonical, texts trimmed', () => {
    const result = happeningFieldsSchema.safeParse({ ...fields, title: '  Jazz  ', timezone: 'europe/warsaw' });
    expect(result.success).toBe(true);
    expect(result.data).toEqual({
      ...fields,
      title: 'Jazz',
      startsAt: '2025-06-01T16:00:00.000Z',
      endsAt: '2025-06-01T19:00:00.000Z',
      timezone: 'Europe/Warsaw',
    });
  });

  it.each([
    [{ endsAt: fields.startsAt }, 'endsAt: must be after startsAt'],
    [{ endsAt: '2026-06-03T00:00:00Z' }, 'endsAt: must be at most 366 days after startsAt'],
    [{ timezone: 'Nowhere/Land' }, 'timezone: must be an IANA time zone, e.g. Europe/Warsaw'],
    [{ title: '   ' }, 'title: must not be empty'],
    [{ title: 'x'.repeat(201) }, 'title: must be at most 200 characters'],
    [{ description: 'x'.repeat(5001) }, 'description: must be at most 5000 characters'],
    [{ place: { name: 'P', lat: 90.5, lon: 0 } }, 'place.lat: must be at most 90'],
    [{ place: { name: 'P', lat: 0, lon: -181 } }, 'place.lon: must be at least -180'],
    [{ place: { name: 'P', lat: 0, lon: 0, alt: 3 } }, 'place: Unrecognized key: "alt"'],
    [{ place: { name: '', lat: 0, lon: 0 } }, 'place.name: must not be empty'],
    [{ topics: [] }, 'topics: at least one topic'],
    [{ topics: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'topics: at most 10 topics'],
    [{ topics: ['music', 'music'] }, 'topics: topics must be distinct'],
    [{ topics: ['Music'] }, 'topics.0: must be a lower-case slug (letters a-z, digits, single dashes between them)'],
    [{ topics: ['live--music'] }, 'topics.0: must be a lower-case slug (letters a-z, digits, single dashes between them)'],
    [{ topics: ['x'.repeat(41)] }, 'topics.0: must be at most 40 characters'],
    [{ startsAt: 1717257600000 }, 'startsAt: Invalid input: expected string, received number'],
  ])('refuses %j', (change, problem) => {
    expect(problems(happeningFieldsSchema.safeParse({ ...fields, ...change }))).toContain(problem);
  });

  it('is closed and complete', () => {
    expect(problems(happeningFieldsSchema.safeParse({ ...fields, id: 'mine' }))).toEqual([': Unrecognized key: "id"']);
    const { topics: _, ...withoutTopics } = fields;
    expect(problems(happeningFieldsSchema.safeParse(withoutTopics))).toEqual([
      'topics: Invalid input: expected array, received undefined',
    ]);
  });

  it('a patch names at least one field, each by the same rules', () => {
    expect(problems(happeningPatchSchema.safeParse({}))).toEqual([': name at least one field to change']);
    expect(problems(happeningPatchSchema.safeParse({ version: 4 }))).toEqual([
      ': Unrecognized key: "version"',
      ': name at least one field to change',
    ]);
    expect(problems(happeningPatchSchema.safeParse({ timezone: 'Nowhere' }))).toEqual([
      'timezone: must be an IANA time zone, e.g. Europe/Warsaw',
    ]);
    expect(happeningPatchSchema.parse({ startsAt: '2025-06-01T19:00:00+02:00' })).toEqual({
      startsAt: '2025-06-01T17:00:00.000Z',
    });
  });
});

describe('patches', () => {
  const now = new Date('2025-03-01T12:00:00Z');

  it('replace the named fields, one version on, updated now', () => {
    const next = patched(stored, { title: 'Jazz, moved', topics: ['music', 'jazz'] }, now);
    expect(next).toEqual({
      ...stored,
      title: 'Jazz, moved',
      topics: ['music', 'jazz'],
      version: 4,
      updatedAt: '2025-03-01T12:00:00.000Z',
    });
  });

  it('check the merged times: the field sent is the one named', () => {
    const late = () => patched(stored, { startsAt: '2025-06-01T20:00:00.000Z' }, now);
    expect(late).toThrow(InvalidInput);
    try {
      late();
    } catch (error) {
      expect((error as InvalidInput).problems).toEqual([
        { path: 'body.startsAt', message: 'must be before endsAt (2025-06-01T19:00:00.000Z), at most 366 days' },
      ]);
    }
    try {
      patched(stored, { endsAt: '2025-06-01T15:00:00.000Z' }, now);
      throw new Error('accepted');
    } catch (error) {
      expect((error as InvalidInput).problems).toEqual([
        { path: 'body.endsAt', message: 'must be after startsAt (2025-06-01T16:00:00.000Z)' },
      ]);
    }
    expect(patched(stored, { startsAt: '2025-06-02T16:00:00.000Z', endsAt: '2025-06-02T19:00:00.000Z' }, now).version).toBe(4);
  });
});

describe('change records', () => {
  it('carry the happening, and what reminders need, for a create or an update', () => {
    const created = changeOf({ ...stored, version: 1 });
    expect(created).toEqual({
      id: stored.id,
      version: 1,
      deleted: false,
      changedAt: stored.updatedAt,
      title: stored.title,
      startsAt: stored.startsAt,
      endsAt: stored.endsAt,
      timezone: 'Europe/Warsaw',
      placeName: 'Łazienki',
      happening: { ...stored, version: 1 },
    });
    const renamed = changeOf({ ...stored, version: 4, title: 'New' }, stored);
    expect(renamed.previousStartsAt).toBeUndefined();
    const moved = changeOf(
      { ...stored, version: 4, startsAt: '2025-06-02T16:00:00.000Z', endsAt: '2025-06-02T19:00:00.000Z' },
      stored,
    );
    expect(moved).toMatchObject({
      previousStartsAt: stored.startsAt,
      previousEndsAt: stored.endsAt,
      startsAt: '2025-06-02T16:00:00.000Z',
    });
    expect(happeningChangeSchema.safeParse(JSON.parse(JSON.stringify(moved))).success).toBe(true);
  });

  it('a delete is one version on and keeps the last values, without the happening', () => {
    const deletion = deletionOf(stored, '2025-04-01T00:00:00.000Z');
    expect(deletion).toEqual({
      id: stored.id,
      version: 4,
      deleted: true,
      changedAt: '2025-04-01T00:00:00.000Z',
      title: stored.title,
      startsAt: stored.startsAt,
      endsAt: stored.endsAt,
      timezone: stored.timezone,
      placeName: stored.place.name,
    });
    expect(happeningChangeSchema.safeParse(deletion).success).toBe(true);
  });

  it('consumers refuse inconsistent records', () => {
    const record = changeOf(stored);
    expect(happeningChangeSchema.safeParse({ ...record, deleted: true }).success).toBe(false);
    expect(happeningChangeSchema.safeParse({ ...record, version: 9 }).success).toBe(false);
    expect(happeningChangeSchema.safeParse({ ...record, id: 'another' }).success).toBe(false);
    expect(happeningChangeSchema.safeParse({ ...deletionOf(stored, stored.updatedAt), happening: stored }).success).toBe(false);
    // Fields added later are no reason to refuse a record.
    expect(happeningChangeSchema.safeParse({ ...record, addedLater: true }).success).toBe(true);
  });
});

describe('cursors', () => {
  const filters: HappeningFilters = { topics: ['music'], fromMs: Date.UTC(2025, 5, 1) };

  it('round-trip the position of the last item, for the same filters only', () => {
    const position = { kind: 'time' as const, startsAtMs: Date.UTC(2025, 5, 2), id: stored.id };
    const cursor = encodeCursor(filters, position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(filters, cursor)).toEqual(position);
    expect(decodeCursor({ ...filters, topics: ['music'] }, cursor)).toEqual(position);
    expect(decodeCursor({ ...filters, text: 'jazz' }, cursor)).toMatch(/another query/);
    const near = { lat: 52.1, lon: 21 };
    const distance = { kind: 'distance' as const, distanceKm: 12.345678901234567, startsAtMs: 1, id: stored.id };
    expect(decodeCursor({ near }, encodeCursor({ near }, distance))).toEqual(distance);
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['no values', Buffer.from(JSON.stringify({ f: 'x' })).toString('base64url')],
    ['a prototype', Buffer.from('{"__proto__":{"f":1}}').toString('base64url')],
  ])('refuse %s', (_label, cursor) => {
    expect(typeof decodeCursor(filters, cursor)).toBe('string');
  });

  it('refuse values of the wrong kind or shape', () => {
    const forged = (s: unknown[]) => {
      const valid = JSON.parse(
        Buffer.from(encodeCursor(filters, { kind: 'time', startsAtMs: 1, id: 'a' }), 'base64url').toString(),
      );
      return Buffer.from(JSON.stringify({ f: valid.f, s })).toString('base64url');
    };
    expect(decodeCursor(filters, forged([1, 'a']))).toEqual({ kind: 'time', startsAtMs: 1, id: 'a' });
    expect(typeof decodeCursor(filters, forged([1.5, 'a']))).toBe('string');
    expect(typeof decodeCursor(filters, forged([1, 'a', 3]))).toBe('string');
    expect(typeof decodeCursor(filters, forged([1, '']))).toBe('string');
  });
});

describe('the search index query', () => {
  it('skips tombstones, selects the overlap of the range, filters and sorts by distance with near', () => {
    const query = indexQueryOf({
      topics: ['music'],
      fromMs: 1000,
      toMs: 5000,
      near: { lat: 52, lon: 21 },
      radiusKm: 10,
      text: 'jazz',
      limit: 20,
      after: { kind: 'distance', distanceKm: 1.5, startsAtMs: 2000, id: 'b' },
    });
    expect(query).toEqual({
      filters: [
        { term: { field: 'deleted', value: false } },
        { terms: { field: 'topics', values: ['music'] } },
        { range: { field: 'endsAt', gte: 1001 } },
        { range: { field: 'startsAt', lt: 5000 } },
        { geoDistance: { field: 'location', lat: 52, lon: 21, km: 10 } },
      ],
      sort: [
        { geoDistance: { field: 'location', lat: 52, lon: 21 }, order: 'asc' },
        { field: 'startsAt', order: 'asc' },
        { field: 'id', order: 'asc' },
      ],
      size: 22,
      text: { query: 'jazz', fields: ['title', 'description'] },
      searchAfter: [1.5, 2000, 'b'],
    });
    expect(indexQueryOf({ limit: 5 })).toEqual({
      filters: [{ term: { field: 'deleted', value: false } }],
      sort: [
        { field: 'startsAt', order: 'asc' },
        { field: 'id', order: 'asc' },
      ],
      size: 6,
    });
  });
});

describe('the projection', () => {
  it('indexes a happening with its point, and a delete as a tombstone with its version', () => {
    expect(documentOf(changeOf(stored))).toEqual({
      id: stored.id,
      version: 3,
      body: { ...stored, location: { lat: 52.215, lon: 21.035 }, deleted: false },
    });
    expect(documentOf(deletionOf(stored, '2025-04-01T00:00:00.000Z'))).toEqual({
      id: stored.id,
      version: 4,
      body: { id: stored.id, version: 4, deleted: true, updatedAt: '2025-04-01T00:00:00.000Z' },
    });
  });
});

describe('geometry of the fallback', () => {
  it('distances are great-circle kilometres', () => {
    expect(arcDistanceKm(52.2297, 21.0122, 52.2297, 21.0122)).toBe(0);
    expect(arcDistanceKm(52.2297, 21.0122, 50.0647, 19.945)).toBeCloseTo(252.1, 0);
    expect(arcDistanceKm(0, 0, 0, 180)).toBeCloseTo(20015.1, 0);
    expect(arcDistanceKm(0, 179.5, 0, -179.5)).toBeCloseTo(111.2, 0);
  });

  it('the bounding box holds every point within the radius (also across the antimeridian and near the poles)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 2000; i++) {
      const lat = random() * 180 - 90;
      const lon = random() * 360 - 180;
      const km = random() < 0.5 ? random() * 50 : random() * 3000;
      const box = boundingBox(lat, lon, km);
      const pLat = Math.max(-90, Math.min(90, lat + (random() - 0.5) * 60));
      const pLon = ((lon + (random() - 0.5) * 80 + 540) % 360) - 180;
      if (arcDistanceKm(lat, lon, pLat, pLon) <= km) {
        expect(pLat >= box.minLat && pLat <= box.maxLat && pLon >= box.minLon && pLon <= box.maxLon).toBe(true);
      }
    }
  });

  it('the fallback matches text as case- and accent-insensitive substrings of any word', () => {
    const query = (text: string) => matches({ ...stored, description: 'Café Nero, 100% live' }, { text, limit: 1 }) !== undefined;
    expect(query('CAFE')).toBe(true);
    expect(query('opera nero')).toBe(true);
    expect(query('0%')).toBe(true);
    expect(query('opera')).toBe(false);
  });
});
