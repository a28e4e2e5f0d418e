import type { Random } from './random';

/** A user tag exactly as the benchmarks send it (the Allezon body, in the spec's field order). */
export interface BenchTag {
  readonly time: string;
  readonly cookie: string;
  readonly country: string;
  readonly device: 'PC' | 'MOBILE' | 'TV';
  readonly action: 'VIEW' | 'BUY';
  readonly origin: string;
  readonly product_info: {
    readonly product_id: number | string;
    readonly brand_id: string;
    readonly category_id: string;
    readonly price: number;
  };
}

/** A generated tag: the body as sent (`raw`), its parsed form and its time in epoch ms. */
export interface SentTag {
  readonly seq: number;
  readonly timeMs: number;
  readonly raw: string;
  readonly tag: BenchTag;
}

/**
 * The key distribution. The Allezon spec: ~1M cookies, 1,000 origins, 250 brands, 67
 * categories. Cookies, origins, brands and categories are drawn uniformly; a few "hot" cookies
 * (bots, heavy users) take a share of the traffic so the 200-per-action trim is exercised.
 */
export interface TagMix {
  readonly cookies: number;
  readonly hotCookies: number;
  /** Share of tags sent by the hot cookies, in [0, 1]. */
  readonly hotShare: number;
  readonly origins: number;
  readonly brands: number;
  readonly categories: number;
  /** Share of BUYs, in [0, 1]; the rest are VIEWs. */
  readonly buyShare: number;
  /** Makes cookie names unique per run, e.g. `r1a2b3c-`. */
  readonly cookiePrefix: string;
}

export const ALLEZON_MIX: Omit<TagMix, 'cookiePrefix'> = {
  cookies: 1_000_000,
  hotCookies: 10,
  hotShare: 0.05,
  origins: 1000,
  brands: 250,
  categories: 67,
  buyShare: 0.1,
};

const COUNTRIES = ['PL', 'DE', 'FR', 'GB', 'US', 'ES', 'IT', 'NL', 'SE', 'CZ'];
const DEVICES = ['PC', 'MOBILE', 'TV'] as const;

export const originName = (n: number) => `origin_${n}`;
export const brandName = (n: number) => `brand_${n}`;
export const categoryName = (n: number) => `category_${n}`;

export class TagGenerator {
  private seq = 0;

  constructor(
    readonly mix: TagMix,
    private readonly random: Random,
  ) {}

  cookieName(n: number): string {
    return `${this.mix.cookiePrefix}${n.toString(36)}`;
  }

  hotCookieName(n: number): string {
    return `${this.mix.cookiePrefix}hot-${n}`;
  }

  /** A random cookie of the mix (hot with probability `hotShare`). */
  randomCookie(): string {
    const { hotCookies, hotShare, cookies } = this.mix;
    if (hotCookies > 0 && this.random.chance(hotShare)) return this.hotCookieName(this.random.int(hotCookies));
    return this.cookieName(this.random.int(cookies));
  }

  /** The next tag at `timeMs`; `cookie`/`origin`/`action` may be forced (probes, loaders). */
  next(timeMs: number, force: { cookie?: string; origin?: string; action?: 'VIEW' | 'BUY' } = {}): SentTag {
    const r = this.random;
    const productNumber = r.int(100_000);
    const tag: BenchTag = {
      time: new Date(timeMs).toISOString(),
      cookie: force.cookie ?? this.randomCookie(),
      country: r.pick(COUNTRIES),
      device: r.pick(DEVICES),
      action: force.action ?? (r.chance(this.mix.buyShare) ? 'BUY' : 'VIEW'),
      origin: force.origin ?? originName(r.int(this.mix.origins)),
      product_info: {
        // The spec lets product_id arrive as a number or a string; both must come back as sent.
        product_id: r.chance(0.5) ? productNumber : String(productNumber),
        brand_id: brandName(r.int(this.mix.brands)),
        category_id: categoryName(r.int(this.mix.categories)),
        price: r.between(1, 100_000),
      },
    };
    return { seq: this.seq++, timeMs, raw: JSON.stringify(tag), tag };
  }
}

/**
 * Strictly increasing tag times near the wall clock: no two tags share a millisecond, so
 * "newest first" has exactly one right order and the expected answers are unambiguous.
 */
export class TagClock {
  private last = Number.NEGATIVE_INFINITY;

  next(nowMs: number = Date.now()): number {
    this.last = Math.max(nowMs, this.last + 1);
    return this.last;
  }
}
