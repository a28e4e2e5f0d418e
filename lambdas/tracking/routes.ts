/**
 * The HTTP contract of the tracking capability: every route's input schemas and answers, read by
 * its handler (validation before the handler runs), by the manifest (the CDK app and the local
 * runtime) and by the OpenAPI document. Domain code does not see HTTP: these schemas turn
 * request parts into domain values.
 */
import * as z from 'zod';
import { decimalInteger, parsedBy, repeated, single } from '../platform/http/query';
import type { AccessRule, RouteContract } from '../platform/manifest-types';
import { AGGREGATE_KINDS, type AggregateKind, type AggregatesQuery } from './domain/aggregates';
import { echo, parseMinuteRange } from './domain/aggregates-query';
import { type AnalyticsQuery, parseAnalyticsParameters } from './domain/analytics-query';
import { appEventBatchSchema, MAX_BATCH_BYTES } from './domain/app-events';
import { appIdSchema } from './domain/app-registry';
import { parseTimeRange, type TimeRange } from './domain/time-range';
import { DEFAULT_PROFILE_LIMIT } from './domain/user-profile';
import { ACTIONS, userTagSchema } from './domain/user-tag';

/** The app-key authorizer's app must be the app in the path: a key opens only its own app. */
const appKeyOpensOnlyItsApp: AccessRule = {
  kind: 'authorizerContextMatchesPath',
  contextKey: 'appId',
  pathParameter: 'appId',
  denied: 'the key does not belong to this app',
};
/** The app-key authorizer's function name, spelled here once (its manifest entry uses it). */
export const APP_AUTHORIZER = 'tracking-authorize-app';

/** Why the Allezon routes have no authorizer: the contract's external scorer calls them as they are. */
const ALLEZON_PUBLIC =
  'The Allezon contract is a public unauthenticated API: the external scorer calls these routes without credentials. The stage throttles them; inputs are validated by the request layer.';

const allezonTag = userTagSchema.meta({ description: 'A user tag exactly as sent to POST /user_tags' });

export const ingestUserTagRoute: RouteContract<z.infer<typeof userTagSchema>> = {
  method: 'POST',
  path: '/user_tags',
  operation: 'ingestUserTag',
  publicBecause: ALLEZON_PUBLIC,
  summary: 'Record a VIEW or BUY (Allezon); answered once Kafka has it',
  body: userTagSchema,
  maxBodyBytes: 16 * 1024,
  responses: { 204: { description: 'stored durably (Kafka acks=all)' } },
};

const profileQuery = z.strictObject({
  time_range: single(parsedBy<TimeRange>(parseTimeRange)),
  limit: single(decimalInteger({ min: 1, max: 1000 })).optional(),
});

export const queryUserProfileRoute: RouteContract<undefined, z.infer<typeof profileQuery>, { cookie: string }> = {
  method: 'POST',
  path: '/user_profiles/{cookie}',
  operation: 'queryUserProfile',
  publicBecause: ALLEZON_PUBLIC,
  summary: `The newest VIEWs and BUYs of a cookie in [from, to), at most limit (default ${DEFAULT_PROFILE_LIMIT}) each`,
  // The body carries the expected answer in the scorer's debug mode: ignored, but bounded.
  maxBodyBytes: 1024 * 1024,
  query: profileQuery,
  pathParameters: z.strictObject({ cookie: z.string().min(1).max(255) }),
  responses: {
    200: {
      description: 'views and buys, newest first, each tag as sent',
      body: z.object({ cookie: z.string(), views: z.array(allezonTag), buys: z.array(allezonTag) }),
    },
  },
};

/** A query names each aggregate once or twice in practice; this bounds the columns. */
const MAX_AGGREGATES = 8;

const filterValue = (max: number) =>
  single(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)).optional();

/**
 * The closed query of POST /aggregates. `aggregates` is repeated and its order orders the
 * answer's columns. Bounds of the filters are the tag schema's: a longer value could never match.
 */
const aggregatesQuery = z
  .strictObject({
    time_range: single(parsedBy(parseMinuteRange)),
    action: single(z.enum(ACTIONS, { error: 'must be VIEW or BUY' })),
    aggregates: repeated(z.string(), { max: MAX_AGGREGATES }).pipe(
      z
        .array(z.string())
        // Checked here rather than per element so the problem names `query.aggregates` itself.
        .superRefine((values, ctx) => {
          for (const value of values) {
            if (!(AGGREGATE_KINDS as readonly string[]).includes(value)) {
              ctx.addIssue({ code: 'custom', message: `"${echo(value)}" is not COUNT or SUM_PRICE` });
            }
          }
        })
        .transform((values) => values as AggregateKind[]),
    ),
    origin: filterValue(256),
    brand_id: filterValue(128),
    category_id: filterValue(128),
  })
  .transform(
    (q): AggregatesQuery => ({
      range: q.time_range,
      action: q.action,
      aggregates: q.aggregates,
      filters: {
        ...(q.origin !== undefined && { origin: q.origin }),
        ...(q.brand_id !== undefined && { brand_id: q.brand_id }),
        ...(q.category_id !== undefined && { category_id: q.category_id }),
      },
    }),
  );

export { aggregatesQuery as aggregatesQuerySchema };

export const queryAggregatesRoute: RouteContract<undefined, AggregatesQuery> = {
  method: 'POST',
  path: '/aggregates',
  operation: 'queryAggregates',
  publicBecause: ALLEZON_PUBLIC,
  summary: 'Per-minute COUNT / SUM_PRICE of VIEWs or BUYs (Allezon), optionally by origin, brand and category',
  // The body carries the expected answer in the scorer's debug mode: ignored, but bounded.
  maxBodyBytes: 1024 * 1024,
  query: aggregatesQuery,
  responses: {
    200: {
      description: 'one row per minute bucket, ascending; every value a string',
      body: z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.string())) }),
    },
  },
};

const appPath = z.strictObject({ appId: appIdSchema });

export const ingestAppEventsRoute: RouteContract<z.infer<typeof appEventBatchSchema>, undefined, { appId: string }> = {
  method: 'POST',
  path: '/v1/apps/{appId}/events',
  operation: 'ingestAppEvents',
  summary: 'A batch of up to 500 app or game events, answered per item once Kafka has the accepted ones',
  authorizer: APP_AUTHORIZER,
  access: appKeyOpensOnlyItsApp,
  body: appEventBatchSchema,
  maxBodyBytes: MAX_BATCH_BYTES,
  pathParameters: appPath,
  responses: {
    200: {
      description: 'the fate of every event, by index',
      body: z.object({
        accepted: z.number().int(),
        rejected: z.number().int(),
        results: z.array(
          z.object({
            index: z.number().int(),
            event_id: z.string().optional(),
            status: z.enum(['accepted', 'rejected']),
            reason: z.string().optional(),
          }),
        ),
      }),
    },
  },
};

/** Every query parameter of the analytics route, for the OpenAPI document. */
const analyticsParameters = {
  from: { required: true, description: 'ISO-8601 instant with Z or an offset, or a date' },
  to: { required: true, description: 'ISO-8601 instant with Z or an offset, or a date; after from' },
  interval: { required: false, description: 'minute | hour | day (default hour)' },
  type: { required: false, repeated: true, description: 'event types, repeated and/or comma-separated' },
  where: { required: false, repeated: true, description: '<field>:<a|b>, <field>>=<v> or <field><<v>' },
  group_by: { required: false, description: 'type, user_id or properties.<name>' },
  group_size: { required: false, description: 'groups per bucket, 1-25 (default 10)' },
  sum: { required: false, description: 'properties.<name> of a numeric property' },
} as const;

const analyticsQuery = z
  .custom<Record<string, string[]>>((value) => typeof value === 'object' && value !== null)
  .transform((params, ctx): AnalyticsQuery => {
    const result = parseAnalyticsParameters(params);
    if (result.ok) return result.query;
    for (const problem of result.problems) {
      ctx.addIssue({ code: 'custom', path: [problem.path.replace(/^query\./, '')], message: problem.message });
    }
    return z.NEVER;
  })
  .meta({ queryParameters: analyticsParameters });

export const queryAnalyticsRoute: RouteContract<undefined, AnalyticsQuery, { appId: string }> = {
  method: 'GET',
  path: '/v1/apps/{appId}/analytics',
  operation: 'queryAnalytics',
  summary: 'Event counts and sums over time, filtered and grouped by properties (OpenSearch aggregations)',
  authorizer: APP_AUTHORIZER,
  access: appKeyOpensOnlyItsApp,
  query: analyticsQuery,
  pathParameters: appPath,
  responses: {
    200: {
      description: 'buckets in time order',
      body: z.object({
        app_id: z.string(),
        interval: z.enum(['minute', 'hour', 'day']),
        from: z.string(),
        to: z.string(),
        group_by: z.string().optional(),
        sum: z.string().optional(),
        buckets: z.array(
          z.object({
            start: z.string(),
            count: z.number(),
            sum: z.number().optional(),
            groups: z
              .array(z.object({ key: z.union([z.string(), z.number()]), count: z.number(), sum: z.number().optional() }))
              .optional(),
            other_count: z.number().optional(),
          }),
        ),
      }),
    },
  },
};
