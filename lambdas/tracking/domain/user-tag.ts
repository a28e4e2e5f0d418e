import * as z from 'zod';
import { isCalendarValid } from '../../platform/calendar';

/** `2022-03-01T00:00:00.649Z`: UTC with a `Z`, fractional seconds optional (up to micro). */
const TAG_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const boundedText = (max: number) => z.string().min(1).max(max);
const int32 = z
  .number()
  .int()
  .min(-(2 ** 31))
  .max(2 ** 31 - 1);

/** Rejects what `Date.parse` silently rolls over (2022-02-31 would become March 3rd). */
function isRealInstant(value: string): boolean {
  return isCalendarValid(value) && !Number.isNaN(Date.parse(value));
}

/**
 * How far ahead of this machine's clock a tag may be. Retention measures "now" by the newest
 * stored tag (logical time), so one tag from the far future would expire everything else.
 */
export const MAX_TAG_FUTURE_MS = 60 * 60 * 1000;

/**
 * The earliest tag time accepted. A fixed bound, not one relative to the clock: the Allezon
 * scorer replays data from 2022, which must stay welcome; year 1 or 1970 never is real data.
 */
export const MIN_TAG_TIME = '2000-01-01T00:00:00.000Z';

export const ACTIONS = ['VIEW', 'BUY'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * The Allezon user tag. Closed: unknown fields are refused so nothing is silently dropped.
 * `product_id` arrives as a JSON number or a string and is kept as sent.
 */
export const userTagSchema = z.strictObject({
  time: z
    .string()
    .regex(TAG_TIME, 'must be an ISO-8601 UTC time like 2022-03-01T00:00:00.649Z')
    .refine(isRealInstant, 'is not a real date')
    .refine((value) => Date.parse(value) >= Date.parse(MIN_TAG_TIME), `must not be before ${MIN_TAG_TIME}`)
    .refine((value) => Date.parse(value) <= Date.now() + MAX_TAG_FUTURE_MS, 'is more than an hour in the future'),
  // VARCHAR(255) in user_tags: a longer cookie could be accepted but never stored.
  cookie: boundedText(255),
  country: boundedText(64),
  device: z.enum(['PC', 'MOBILE', 'TV']),
  action: z.enum(ACTIONS),
  origin: boundedText(256),
  product_info: z.strictObject({
    product_id: z.union([z.number().int().safe(), boundedText(128)]),
    brand_id: boundedText(128),
    category_id: boundedText(128),
    price: int32,
  }),
});

export type UserTag = z.infer<typeof userTagSchema>;

/** Milliseconds since the epoch of a tag's own `time` (what ranges and ordering use). */
export function tagTimeMs(tag: UserTag): number {
  return Date.parse(tag.time);
}
