import { aggregatesPath, profilePath } from '../../scripts/bench/allezon-format';
import { AllezonModel } from '../../scripts/bench/allezon-model';
import { Random } from '../../scripts/bench/random';
import { percentile, summarize } from '../../scripts/bench/stats';
import { type SentTag, TagClock, TagGenerator } from '../../scripts/bench/tag-generator';

const T0 = Date.parse('2022-03-01T00:00:00.000Z');
const MIN = 60_000;

let seq = 0;
function tag(
  cookie: string,
  timeMs: number,
  action: 'VIEW' | 'BUY' = 'VIEW',
  info: { origin?: string; brand?: string; category?: string; price?: number; productId?: number | string } = {},
): SentTag {
  const body = {
    time: new Date(timeMs).toISOString(),
    cookie,
    country: 'PL',
    device: 'PC' as const,
    action,
    origin: info.origin ?? 'o1',
    product_info: {
      product_id: info.productId ?? 7,
      brand_id: info.brand ?? 'b1',
      category_id: info.category ?? 'c1',
      price: info.price ?? 10,
    },
  };
  return { seq: seq++, timeMs, raw: JSON.stringify(body), tag: body };
}

const parsed = (t: SentTag) => JSON.parse(t.raw);
const profile = (cookie: string, views: SentTag[], buys: SentTag[] = []) => ({
  cookie,
  views: views.map(parsed),
  buys: buys.map(parsed),
});

describe('AllezonModel profiles', () => {
  it('answers the newest tags of [from, to) first, per action, with the limit applied to each list', () => {
    const model = new AllezonModel();
    const views = [0, 1000, 2000, 3000].map((ms) => tag('c', T0 + ms, 'VIEW'));
    const buys = [500, 1500].map((ms) => tag('c', T0 + ms, 'BUY'));
    for (const t of [...buys, ...views]) model.add(t);

    // from is inclusive, to exclusive.
    const q = { cookie: 'c', fromMs: T0 + 1000, toMs: T0 + 3000 };
    expect(model.expectedProfile(q)).toEqual(profile('c', [views[2], views[1]], [buys[1]]));
    expect(model.checkProfile(profile('c', [views[2], views[1]], [buys[1]]), q)).toEqual({ ok: true });

    const limited = { cookie: 'c', fromMs: T0, toMs: T0 + 10_000, limit: 1 };
    expect(model.expectedProfile(limited)).toEqual(profile('c', [views[3]], [buys[1]]));
    expect(model.checkProfile(profile('c', [views[3]], [buys[1]]), limited)).toEqual({ ok: true });
    expect(model.checkProfile(profile('c', [views[3], views[2]], [buys[1]]), limited).ok).toBe(false);
  });

  it('rejects wrong order, a missing newest tag, a changed time string or product_id type, and extra fields', () => {
    const model = new AllezonModel();
    const views = [0, 1, 2].map((ms) => tag('c', T0 + ms, 'VIEW', { productId: 5 }));
    for (const t of views) model.add(t);
    const q = { cookie: 'c', fromMs: T0, toMs: T0 + 10 };
    const right = profile('c', [views[2], views[1], views[0]]);
    expect(model.checkProfile(right, q).ok).toBe(true);

    expect(model.checkProfile(profile('c', [views[1], views[2], views[0]]), q)).toMatchObject({ ok: false });
    expect(model.checkProfile(profile('c', [views[1], views[0]]), q)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('views'),
    });

    const stringId = {
      ...right,
      views: right.views.map((v) => ({ ...v, product_info: { ...v.product_info, product_id: '5' } })),
    };
    expect(model.checkProfile(stringId, q).ok).toBe(false);
    const otherTime = { ...right, views: right.views.map((v) => ({ ...v, time: v.time.replace('Z', '+00:00') })) };
    expect(model.checkProfile(otherTime, q).ok).toBe(false);
    expect(model.checkProfile({ ...right, extra: 1 }, q).ok).toBe(false);
    expect(model.checkProfile({ ...right, cookie: 'd' }, q).ok).toBe(false);
  });

  it('keeps only the 200 newest per action, so an old range loses what newer tags pushed out', () => {
    const model = new AllezonModel(200);
    const views = Array.from({ length: 250 }, (_, i) => tag('hot', T0 + i, 'VIEW'));
    for (const t of views) model.add(t);

    const all = { cookie: 'hot', fromMs: T0, toMs: T0 + 1000 };
    expect(model.expectedProfile(all).views).toEqual(views.slice(50).reverse().map(parsed));
    // The 50 oldest were trimmed: a range over them only is empty once everything is settled.
    const old = { cookie: 'hot', fromMs: T0, toMs: T0 + 60 };
    expect(model.expectedProfile(old).views).toEqual(views.slice(50, 60).reverse().map(parsed));
    expect(model.checkProfile(profile('hot', views.slice(0, 60).reverse()), old).ok).toBe(false);
    expect(model.checkProfile(profile('hot', views.slice(50, 60).reverse()), old).ok).toBe(true);
  });

  it('accepts the trim boundary moving only as far as pending or not-yet-visible newer tags allow', () => {
    const model = new AllezonModel(3);
    const views = [0, 1, 2, 3].map((ms) => tag('c', T0 + ms));
    for (const t of views) model.add(t);
    // [T0, T0+2): two in range, two newer. Settled: only 1 in-range tag survives (3 kept - 2 newer).
    const q = { cookie: 'c', fromMs: T0, toMs: T0 + 2 };
    const one = profile('c', [views[1]]);
    const two = profile('c', [views[1], views[0]]);
    expect(model.checkProfile(one, q).ok).toBe(true);
    expect(model.checkProfile(two, q).ok).toBe(false);
    // While newer tags may not be visible yet, the store may still keep the older one.
    expect(model.checkProfile(two, q, { pending: { VIEW: 0, BUY: 0 }, lagging: true }).ok).toBe(true);
    // A pending (sent, unacknowledged) newer tag may already have trimmed one more.
    const none = profile('c', []);
    expect(model.checkProfile(none, q).ok).toBe(false);
    expect(model.checkProfile(none, q, { pending: { VIEW: 1, BUY: 0 }, lagging: false }).ok).toBe(true);
    expect(model.checkProfile(none, q, { pending: { VIEW: 0, BUY: 1 }, lagging: false }).ok).toBe(false);
  });

  it('answers an unknown cookie with empty lists', () => {
    const model = new AllezonModel();
    const q = { cookie: 'nobody', fromMs: T0, toMs: T0 + 1 };
    expect(model.expectedProfile(q)).toEqual({ cookie: 'nobody', views: [], buys: [] });
    expect(model.checkProfile({ cookie: 'nobody', views: [], buys: [] }, q).ok).toBe(true);
  });
});

describe('AllezonModel aggregates', () => {
  const model = new AllezonModel();
  model.add(tag('a', T0 + 5 * MIN + 1, 'BUY', { origin: 'o1', brand: 'b1', category: 'c1', price: 100 }));
  model.add(tag('b', T0 + 5 * MIN + 59_999, 'BUY', { origin: 'o2', brand: 'b1', category: 'c2', price: 20 }));
  model.add(tag('c', T0 + 6 * MIN, 'VIEW', { origin: 'o1', brand: 'b1', category: 'c1', price: 7 }));
  model.add(tag('d', T0 + 7 * MIN + 30_000, 'BUY', { origin: 'o1', brand: 'b2', category: 'c1', price: 3 }));

  it('counts each tag in the minute of its own time, one row per minute ascending, empty minutes "0", all strings', () => {
    const q = { fromMs: T0 + 5 * MIN, toMs: T0 + 8 * MIN, action: 'BUY' as const, aggregates: ['COUNT', 'SUM_PRICE'] as const };
    expect(model.aggregates(q)).toEqual({
      columns: ['1m_bucket', 'action', 'count', 'sum_price'],
      rows: [
        ['2022-03-01T00:05:00', 'BUY', '2', '120'],
        ['2022-03-01T00:06:00', 'BUY', '0', '0'],
        ['2022-03-01T00:07:00', 'BUY', '1', '3'],
      ],
    });
  });

  it('puts filters in the order origin, brand_id, category_id and aggregates in query order', () => {
    const q = {
      fromMs: T0 + 5 * MIN,
      toMs: T0 + 6 * MIN,
      action: 'BUY' as const,
      categoryId: 'c1',
      origin: 'o1',
      aggregates: ['SUM_PRICE', 'COUNT'] as const,
    };
    const expected = {
      columns: ['1m_bucket', 'action', 'origin', 'category_id', 'sum_price', 'count'],
      rows: [['2022-03-01T00:05:00', 'BUY', 'o1', 'c1', '100', '1']],
    };
    expect(model.aggregates(q)).toEqual(expected);
    expect(model.checkAggregates(expected, q)).toEqual({ ok: true });
    expect(model.checkAggregates({ ...expected, rows: [['2022-03-01T00:05:00', 'BUY', 'o1', 'c1', 100, 1]] }, q)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('row 0'),
    });
    expect(model.checkAggregates({ ...expected, columns: ['1m_bucket', 'action', 'count'] }, q)).toMatchObject({ ok: false });
  });

  it('filters by action and brand', () => {
    const q = {
      fromMs: T0 + 6 * MIN,
      toMs: T0 + 7 * MIN,
      action: 'VIEW' as const,
      brandId: 'b1',
      aggregates: ['COUNT'] as const,
    };
    expect(model.aggregates(q).rows).toEqual([['2022-03-01T00:06:00', 'VIEW', 'b1', '1']]);
  });
});

describe('bench request formats', () => {
  it('writes profile ranges with millisecond precision and no Z, the limit only when given', () => {
    expect(profilePath({ cookie: 'a b', fromMs: T0, toMs: T0 + 1649 })).toBe(
      '/user_profiles/a%20b?time_range=2022-03-01T00:00:00.000_2022-03-01T00:00:01.649',
    );
    expect(profilePath({ cookie: 'c', fromMs: T0, toMs: T0 + 1, limit: 5 })).toMatch(/&limit=5$/);
  });

  it('writes aggregates ranges with second precision and refuses partial minutes and more than 10 minutes', () => {
    expect(
      aggregatesPath({ fromMs: T0, toMs: T0 + 2 * MIN, action: 'VIEW', brandId: 'b', aggregates: ['SUM_PRICE', 'COUNT'] }),
    ).toBe(
      '/aggregates?time_range=2022-03-01T00:00:00_2022-03-01T00:02:00&action=VIEW&brand_id=b&aggregates=SUM_PRICE&aggregates=COUNT',
    );
    expect(() => aggregatesPath({ fromMs: T0 + 1, toMs: T0 + MIN, action: 'VIEW', aggregates: ['COUNT'] })).toThrow();
    expect(() => aggregatesPath({ fromMs: T0, toMs: T0 + 11 * MIN, action: 'VIEW', aggregates: ['COUNT'] })).toThrow();
  });
});

describe('bench tag generation and statistics', () => {
  it('generates the same tags from the same seed, with product_id as number or string', () => {
    const mix = {
      cookies: 100,
      hotCookies: 2,
      hotShare: 0.1,
      origins: 10,
      brands: 5,
      categories: 3,
      buyShare: 0.2,
      cookiePrefix: 'x-',
    };
    const a = new TagGenerator(mix, new Random(42));
    const b = new TagGenerator(mix, new Random(42));
    const tags = Array.from({ length: 200 }, (_, i) => a.next(T0 + i));
    expect(Array.from({ length: 200 }, (_, i) => b.next(T0 + i).raw)).toEqual(tags.map((t) => t.raw));
    const ids = tags.map((t) => typeof t.tag.product_info.product_id);
    expect(ids).toContain('number');
    expect(ids).toContain('string');
    expect(tags.every((t) => t.tag.cookie.startsWith('x-'))).toBe(true);
    expect(JSON.parse(tags[0].raw).time).toBe('2022-03-01T00:00:00.000Z');
  });

  it('hands out strictly increasing tag times even when the wall clock stands still', () => {
    const clock = new TagClock();
    expect([clock.next(5), clock.next(5), clock.next(5), clock.next(100)]).toEqual([5, 6, 7, 100]);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(summarize([3, 1, 2])).toMatchObject({ count: 3, p50Ms: 2, maxMs: 3 });
  });
});
