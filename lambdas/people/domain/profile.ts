/**
 * A person's profile (seed 000's profile pages): what its owner (or an admin) writes, what the
 * stores keep and what anyone reads. One place for the input rules of every route, page and store.
 *
 * - Every text is trimmed and bounded; none may hold control characters (tab, line feed and
 *   carriage return are allowed in the two long texts, `description` and `journal`), NUL or
 *   unpaired surrogates. Lengths count UTF-16 code units (what the browser's `maxlength` counts).
 * - Optional fields may be absent (not set); an empty one is refused, so "not set" has one spelling.
 * - `country` is an ISO 3166-1 alpha-2 code in upper case (`PL`), of an assigned country.
 * - `birthday` is a real calendar date `YYYY-MM-DD`, from 1900-01-01 to today (today anywhere on
 *   earth: a birthday entered just after midnight in UTC+14 is not "in the future").
 * - `pictureUrl` is an absolute `https:` URL without credentials; `background` a colour `#rrggbb`
 *   (stored lower case).
 * - Phone numbers: an optional leading `+`, then digits, spaces, dashes and parentheses, 6..25
 *   characters with at least 6 digits.
 */
import * as z from 'zod';
import { usernameProblem } from '../../platform/identity/identity-input';

export const NAME_MAX = 80;
export const EMAIL_MAX = 254;
export const OCCUPATION_MAX = 100;
export const DESCRIPTION_MAX = 2000;
export const MOOD_MAX = 100;
export const JOURNAL_MAX = 10_000;
export const PICTURE_URL_MAX = 2048;
export const PHONE_MIN = 6;
export const PHONE_MAX = 25;
export const PHONE_MIN_DIGITS = 6;
export const BIRTHDAY_MIN = '1900-01-01';

export const RELATIONSHIP_STATUSES = [
  'single',
  'in_a_relationship',
  'engaged',
  'married',
  'its_complicated',
  'separated',
  'divorced',
  'widowed',
  'prefer_not_to_say',
] as const;
export type RelationshipStatus = (typeof RELATIONSHIP_STATUSES)[number];

/** The officially assigned ISO 3166-1 alpha-2 codes (249). */
export const COUNTRY_CODES: ReadonlySet<string> = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO ' +
    'JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR ' +
    'MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO ' +
    'RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV ' +
    'TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

// C0 controls, DEL and C1 controls; the long texts may keep tab, LF and CR.
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINES = /(?![\t\n\r])\p{Cc}/u;

/**
 * A trimmed, bounded text without control characters. `min` 1 for every field: an empty value is
 * refused (absent means not set). The pre-trim bound keeps a huge value from being trimmed at all.
 */
function text(max: number, options: { readonly lines?: boolean } = {}) {
  const control = options.lines ? CONTROL_BUT_LINES : CONTROL;
  return z
    .string()
    .max(max * 2, `must be at most ${max} characters`)
    .trim()
    .min(1, 'must not be empty (leave the field out instead)')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => value.isWellFormed(), 'must not contain unpaired UTF-16 surrogates')
    .refine(
      (value) => !control.test(value),
      options.lines
        ? 'must not contain control characters other than tabs and line breaks'
        : 'must not contain control characters',
    );
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The latest date that is today somewhere on earth (UTC+14), as `YYYY-MM-DD`. */
export function latestBirthday(now: Date): string {
  return new Date(now.getTime() + 14 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Why `value` is not a birthday (at `now`), or undefined when it is one. */
export function birthdayProblem(value: string, now: Date = new Date()): string | undefined {
  const match = DATE.exec(value);
  if (!match) return 'must be a date YYYY-MM-DD';
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return 'must be a date on the calendar';
  }
  if (value < BIRTHDAY_MIN) return `must be ${BIRTHDAY_MIN} or later`;
  if (value > latestBirthday(now)) return 'must not be in the future';
  return undefined;
}

/** Why `value` is not a country code, or undefined when it is one. */
export function countryProblem(value: string): string | undefined {
  if (!/^[A-Z]{2}$/.test(value)) return 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. PL';
  if (!COUNTRY_CODES.has(value)) return 'is not an assigned ISO 3166-1 country code';
  return undefined;
}

/** Why `value` is not a phone number, or undefined when it is one. */
export function phoneProblem(value: string): string | undefined {
  if (value.length < PHONE_MIN || value.length > PHONE_MAX) return `must be ${PHONE_MIN} to ${PHONE_MAX} characters`;
  if (!/^\+?[0-9 ()-]+$/.test(value)) return 'may hold only a leading +, digits, spaces, dashes and parentheses';
  if ((value.match(/[0-9]/g)?.length ?? 0) < PHONE_MIN_DIGITS) return `must have at least ${PHONE_MIN_DIGITS} digits`;
  return undefined;
}

/** Why `value` is not a picture URL, or undefined when it is one. */
export function pictureUrlProblem(value: string): string | undefined {
  if (/\s/.test(value)) return 'must not contain spaces';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  return undefined;
}

const problemCheck = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value);
  if (message) ctx.addIssue({ code: 'custom', message });
};

const phone = z
  .string()
  .max(PHONE_MAX * 2, `must be ${PHONE_MIN} to ${PHONE_MAX} characters`)
  .trim()
  .superRefine(problemCheck(phoneProblem))
  .meta({ examples: ['+48 601 234 567'] });

/** The fields of a profile: the body of PUT /v1/people/{username}, and what the web form edits. */
export const profileFieldsSchema = z.strictObject({
  firstName: text(NAME_MAX),
  lastName: text(NAME_MAX),
  email: z
    .string()
    .max(EMAIL_MAX, `must be at most ${EMAIL_MAX} characters`)
    .trim()
    .pipe(z.email('must be an email address'))
    .optional(),
  country: z
    .string()
    .superRefine(problemCheck(countryProblem))
    .optional()
    .meta({ examples: ['PL'] }),
  birthday: z
    .string()
    .max(10, 'must be a date YYYY-MM-DD')
    .superRefine(problemCheck((value) => birthdayProblem(value)))
    .optional()
    .meta({ examples: ['1990-04-21'] }),
  occupation: text(OCCUPATION_MAX).optional(),
  relationshipStatus: z.enum(RELATIONSHIP_STATUSES).optional(),
  mobileNumber: phone.optional(),
  phoneNumber: phone.optional(),
  description: text(DESCRIPTION_MAX, { lines: true }).optional(),
  mood: text(MOOD_MAX).optional(),
  journal: text(JOURNAL_MAX, { lines: true }).optional(),
  pictureUrl: z
    .string()
    .max(PICTURE_URL_MAX, `must be at most ${PICTURE_URL_MAX} characters`)
    .superRefine(problemCheck(pictureUrlProblem))
    .optional()
    .meta({ examples: ['https://example.com/me.jpg'] }),
  background: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour #rrggbb')
    .transform((value) => value.toLowerCase())
    .optional()
    .meta({ examples: ['#1e90ff'] }),
});

export type ProfileFields = z.infer<typeof profileFieldsSchema>;

/** The names of every profile field, in the schema's order. */
export const PROFILE_FIELD_NAMES = Object.keys(profileFieldsSchema.shape) as (keyof ProfileFields)[];

/** A username as the user pool allows it (the path parameter of every people route). */
export const usernameSchema = z
  .string()
  .max(512, 'a username has at most 128 characters')
  .superRefine(problemCheck(usernameProblem))
  .meta({ description: 'the account username', examples: ['alice'] });

/** A stored profile: its fields plus its version (which orders writes) and when it was written. */
export type Profile = {
  readonly username: string;
  /** Orders the writes of one username: a store keeps the profile of the highest version. */
  readonly version: number;
  /** ISO-8601 UTC. */
  readonly updatedAt: string;
} & ProfileFields;

/** What a search result shows of a person. */
export interface PersonSummary {
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly country?: string;
  readonly pictureUrl?: string;
  readonly mood?: string;
}

/** A profile as answered by GET /v1/people/{username}. */
export const profileSchema = z
  .object({
    username: z.string(),
    version: z.number().int(),
    updatedAt: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    email: z.string().optional(),
    country: z.string().optional(),
    birthday: z.string().optional(),
    occupation: z.string().optional(),
    relationshipStatus: z.enum(RELATIONSHIP_STATUSES).optional(),
    mobileNumber: z.string().optional(),
    phoneNumber: z.string().optional(),
    description: z.string().optional(),
    mood: z.string().optional(),
    journal: z.string().optional(),
    pictureUrl: z.string().optional(),
    background: z.string().optional(),
  })
  .meta({ description: "A person's profile, with its version" });

export const personSummarySchema = z.object({
  username: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  country: z.string().optional(),
  pictureUrl: z.string().optional(),
  mood: z.string().optional(),
});

/** Exactly the profile's fields (stores and documents may hold more keys), in the schema's order. */
export function profileFieldsOf(value: ProfileFields): ProfileFields {
  const fields: Record<string, unknown> = {};
  for (const name of PROFILE_FIELD_NAMES) {
    const field = value[name];
    if (field !== undefined && field !== null) fields[name] = field;
  }
  return fields as ProfileFields;
}

/** The profile of `username` at `version`, its keys in one order. */
export function profileOf(username: string, version: number, updatedAt: string, fields: ProfileFields): Profile {
  return { username, version, updatedAt, ...profileFieldsOf(fields) };
}

/** The properties of a profile that a summary shows (what a search page asks the index for). */
export const SUMMARY_FIELDS = [
  'username',
  'firstName',
  'lastName',
  'country',
  'pictureUrl',
  'mood',
] as const satisfies readonly (keyof PersonSummary)[];

/** What a search result shows of a profile. */
export function summaryOf(profile: Pick<Profile, 'username' | keyof PersonSummary>): PersonSummary {
  return {
    username: profile.username,
    firstName: profile.firstName,
    lastName: profile.lastName,
    ...(profile.country !== undefined && profile.country !== null && { country: profile.country }),
    ...(profile.pictureUrl !== undefined && profile.pictureUrl !== null && { pictureUrl: profile.pictureUrl }),
    ...(profile.mood !== undefined && profile.mood !== null && { mood: profile.mood }),
  };
}
