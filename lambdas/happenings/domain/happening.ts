/**
 * A happening: a social event in the catalog (seed 001's "events"), which admins create, change
 * and delete and anyone finds. The source of truth is MySQL; every change becomes one versioned
 * change record (see change.ts) that reaches the search projection through the outbox.
 *
 * Input rules, one place for every route and store:
 * - times are ISO-8601 instants with a UTC offset or `Z` (`2025-06-01T18:00:00+02:00`), to the
 *   millisecond at most, on the calendar (no 31 June), from 2000 until 2199; stored and answered
 *   in UTC (`2025-06-01T16:00:00.000Z`); `endsAt` is after `startsAt`, at most 366 days later;
 * - `timezone` is an IANA name the runtime knows (`Europe/Warsaw`; case fixed, see
 *   `canonicalTimeZone`): where the happening takes place, for showing local times (reminders
 *   use it);
 * - `place` is a name and a point (latitude -90..90, longitude -180..180);
 * - `topics` are 1-10 distinct lower-case slugs (`live-music`), 1-40 characters each;
 * - texts are trimmed, and bounded: title 1-200, description 0-5000, place name 1-200 characters.
 */
import * as z from 'zod';
import { parseInstant, utcText } from '../../platform/calendar';

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 5000;
export const PLACE_NAME_MAX = 200;
export const TIMEZONE_MAX = 64;
export const TOPIC_MAX = 40;
export const TOPICS_MAX = 10;
/** The longest a happening may last (a season-long festival fits). */
export const MAX_DURATION_MS = 366 * 24 * 3600 * 1000;

export interface Place {
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
}

/** What an admin writes. */
export interface HappeningFields {
  readonly title: string;
  readonly description: string;
  /** ISO-8601 UTC with milliseconds. */
  readonly startsAt: string;
  readonly endsAt: string;
  readonly timezone: string;
  readonly place: Place;
  readonly topics: readonly string[];
}

/** A stored happening: its fields plus what the store keeps about it. */
export interface Happening extends HappeningFields {
  readonly id: string;
  /** 1 when created, one more on every change (the search projection's external version). */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

// One reading of instants for every capability (platform/calendar.ts).
export { parseInstant, utcText };

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * The time zone to store for an IANA name the runtime knows, or undefined. A name that differs
 * from the runtime's canonical one only by case is stored canonical (`europe/warsaw` →
 * `Europe/Warsaw`); any other accepted name (a link such as `Asia/Calcutta`, which runtimes
 * resolve differently) is stored as sent. Offsets (`+02:00`), which newer ICU versions also
 * accept, are not zone names and are refused.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.length > TIMEZONE_MAX || !IANA_NAME.test(name)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat(undefined, { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

export const TOPIC_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const topicSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(TOPIC_MAX, `must be at most ${TOPIC_MAX} characters`)
  .regex(TOPIC_PATTERN, 'must be a lower-case slug (letters a-z, digits, single dashes between them)');

const text = (min: number, max: number) =>
  z
    .string()
    .max(max * 4, `must be at most ${max} characters`)
    .trim()
    .min(min, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

export const instantSchema = z
  .string()
  .max(40, 'must be an ISO-8601 time')
  .transform((value, ctx) => {
    const parsed = parseInstant(value);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return utcText(parsed);
  })
  .meta({ description: 'ISO-8601 time with a UTC offset or Z; answered in UTC', examples: ['2025-06-01T18:00:00+02:00'] });

const timezoneSchema = z
  .string()
  .max(TIMEZONE_MAX, `must be at most ${TIMEZONE_MAX} characters`)
  .transform((value, ctx) => {
    const canonical = canonicalTimeZone(value);
    if (canonical === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone, e.g. Europe/Warsaw' });
      return z.NEVER;
    }
    return canonical;
  })
  .meta({ description: 'IANA time zone of the place', examples: ['Europe/Warsaw'] });

export const placeSchema = z.strictObject({
  name: text(1, PLACE_NAME_MAX),
  lat: z.number().min(-90, 'must be at least -90').max(90, 'must be at most 90'),
  lon: z.number().min(-180, 'must be at least -180').max(180, 'must be at most 180'),
});

const topicsSchema = z
  .array(topicSchema)
  .min(1, 'at least one topic')
  .max(TOPICS_MAX, `at most ${TOPICS_MAX} topics`)
  .refine((topics) => new Set(topics).size === topics.length, 'topics must be distinct');

const fieldSchemas = {
  title: text(1, TITLE_MAX),
  description: text(0, DESCRIPTION_MAX),
  startsAt: instantSchema,
  endsAt: instantSchema,
  timezone: timezoneSchema,
  place: placeSchema,
  topics: topicsSchema,
};

/** Why `endsAt` cannot follow `startsAt`, or undefined when it can. */
export function timesProblem(startsAt: string, endsAt: string): string | undefined {
  const duration = Date.parse(endsAt) - Date.parse(startsAt);
  if (duration <= 0) return 'must be after startsAt';
  if (duration > MAX_DURATION_MS) return 'must be at most 366 days after startsAt';
  return undefined;
}

/** The body of POST /v1/happenings: every field, nothing else. */
export const happeningFieldsSchema = z.strictObject(fieldSchemas).superRefine((fields, ctx) => {
  const problem = timesProblem(fields.startsAt, fields.endsAt);
  if (problem) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: problem });
});

/**
 * The body of PATCH /v1/happenings/{id}: any of the fields, at least one. `place` and `topics`
 * are replaced whole. The times are checked against each other after the merge.
 */
export const happeningPatchSchema = z
  .strictObject({
    title: fieldSchemas.title.optional(),
    description: fieldSchemas.description.optional(),
    startsAt: fieldSchemas.startsAt.optional(),
    endsAt: fieldSchemas.endsAt.optional(),
    timezone: fieldSchemas.timezone.optional(),
    place: fieldSchemas.place.optional(),
    topics: fieldSchemas.topics.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');

export type HappeningPatch = z.infer<typeof happeningPatchSchema>;

/** Happening ids are lower-case UUIDs, made by the store's caller on create. */
export const happeningIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a happening id (a lower-case UUID)');

/** A happening as answered and as carried in change records. */
export const happeningSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  title: z.string(),
  description: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  timezone: z.string(),
  place: z.object({ name: z.string(), lat: z.number(), lon: z.number() }),
  topics: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Exactly the happening's own keys, in one order (stores and records may hold more). */
export function happeningOf(value: Happening): Happening {
  return {
    id: value.id,
    version: value.version,
    title: value.title,
    description: value.description,
    startsAt: value.startsAt,
    endsAt: value.endsAt,
    timezone: value.timezone,
    place: { name: value.place.name, lat: value.place.lat, lon: value.place.lon },
    topics: [...value.topics],
    createdAt: value.createdAt,
    updatedAt: value.updatedAt,
  };
}
