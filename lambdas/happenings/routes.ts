/**
 * The HTTP contract of the happenings capability: admins (the user pool's `admin` group) create,
 * change and delete happenings; anyone reads one and searches them. Read by the handlers, the
 * manifest (the CDK app and the local runtime) and the OpenAPI document.
 */
import * as z from 'zod';
import { decimalInteger, instantText, repeated, single } from '../platform/http/query';
import { type AccessRule, type RouteContract, USER_POOL_AUTHORIZER } from '../platform/manifest-types';
import {
  type HappeningFields,
  type HappeningPatch,
  happeningFieldsSchema,
  happeningIdSchema,
  happeningPatchSchema,
  happeningSchema,
  topicSchema,
} from './domain/happening';
import {
  DEFAULT_LIMIT,
  decodeCursor,
  type HappeningFilters,
  type HappeningQuery,
  MAX_LIMIT,
  RADIUS_MAX_KM,
  TEXT_MAX,
  TOPICS_QUERY_MAX,
} from './domain/query';

/** Reads need no account: the catalog is for everyone to find events (seed 001's user stories). */
const PUBLIC_CATALOG = 'The catalog of happenings is public: anyone finds and reads them; only admins change them.';

const adminsOnly: AccessRule = { kind: 'group', group: 'admin', denied: 'only admins manage happenings' };

/** Bodies are a few KiB at most (5000 characters of description, 4 bytes each, and the rest). */
const MAX_HAPPENING_BODY_BYTES = 32 * 1024;

const idPath = z.strictObject({ id: happeningIdSchema });

const happeningAnswer = happeningSchema.meta({ description: 'A happening, with its times in UTC' });

export const createHappeningRoute: RouteContract<HappeningFields> = {
  method: 'POST',
  path: '/v1/happenings',
  operation: 'createHappening',
  summary: 'Create a happening (admins)',
  authorizer: USER_POOL_AUTHORIZER,
  access: adminsOnly,
  body: happeningFieldsSchema,
  maxBodyBytes: MAX_HAPPENING_BODY_BYTES,
  responses: { 201: { description: 'created: the happening with its generated id, version 1', body: happeningAnswer } },
};

export const updateHappeningRoute: RouteContract<HappeningPatch, undefined, { id: string }> = {
  method: 'PATCH',
  path: '/v1/happenings/{id}',
  operation: 'updateHappening',
  summary: 'Change some fields of a happening (admins); place and topics are replaced whole',
  authorizer: USER_POOL_AUTHORIZER,
  access: adminsOnly,
  body: happeningPatchSchema,
  maxBodyBytes: MAX_HAPPENING_BODY_BYTES,
  pathParameters: idPath,
  responses: {
    200: { description: 'the happening after the change, one version on', body: happeningAnswer },
    404: { description: 'no such happening (problem+json)' },
  },
};

export const deleteHappeningRoute: RouteContract<undefined, undefined, { id: string }> = {
  method: 'DELETE',
  path: '/v1/happenings/{id}',
  operation: 'deleteHappening',
  summary: 'Delete a happening (admins)',
  authorizer: USER_POOL_AUTHORIZER,
  access: adminsOnly,
  pathParameters: idPath,
  responses: {
    204: { description: 'deleted' },
    404: { description: 'no such happening (problem+json)' },
  },
};

export const getHappeningRoute: RouteContract<undefined, undefined, { id: string }> = {
  method: 'GET',
  path: '/v1/happenings/{id}',
  operation: 'getHappening',
  summary: 'One happening, as stored (anyone)',
  publicBecause: PUBLIC_CATALOG,
  pathParameters: idPath,
  responses: {
    200: { description: 'the happening', body: happeningAnswer },
    404: { description: 'no such happening (problem+json)' },
  },
};

const instantParameter = instantText('ISO-8601 time with a UTC offset or Z');

const COORDINATE = /^-?(?:0|[1-9][0-9]{0,2})(?:\.[0-9]{1,12})?$/;

const pointParameter = z
  .string()
  .max(60, 'must be lat,lon')
  .transform((value, ctx) => {
    const [lat, lon, ...rest] = value.split(',');
    const latitude = lat !== undefined && COORDINATE.test(lat) ? Number(lat) : Number.NaN;
    const longitude = lon !== undefined && COORDINATE.test(lon) ? Number(lon) : Number.NaN;
    if (rest.length > 0 || !(latitude >= -90 && latitude <= 90) || !(longitude >= -180 && longitude <= 180)) {
      ctx.addIssue({ code: 'custom', message: 'must be lat,lon in decimal degrees (latitude -90..90, longitude -180..180)' });
      return z.NEVER;
    }
    return { lat: latitude, lon: longitude };
  })
  .meta({ description: 'lat,lon in decimal degrees', examples: ['52.2297,21.0122'] });

const radiusParameter = z
  .string()
  .regex(/^(?:0|[1-9][0-9]{0,4})(?:\.[0-9]{1,3})?$/, 'must be a plain decimal number of kilometres')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be more than 0').max(RADIUS_MAX_KM, `must be at most ${RADIUS_MAX_KM}`))
  .meta({ description: 'kilometres around near (needs near)', examples: ['25'] });

/**
 * The closed query of GET /v1/happenings, turned into the domain's query: every parameter at
 * most once except `topic` (repeated: any of them), `radiusKm` only with `near`, `from` before
 * `to`, and a cursor only with the filters that made it.
 */
const searchQuery = z
  .strictObject({
    topic: repeated(topicSchema, { max: TOPICS_QUERY_MAX }).optional(),
    from: single(instantParameter).optional(),
    to: single(instantParameter).optional(),
    near: single(pointParameter).optional(),
    radiusKm: single(radiusParameter).optional(),
    q: single(
      z
        .string()
        .max(TEXT_MAX * 4, `must be at most ${TEXT_MAX} characters`)
        .trim()
        .min(1, 'must not be empty')
        .max(TEXT_MAX, `must be at most ${TEXT_MAX} characters`),
    ).optional(),
    limit: single(decimalInteger({ min: 1, max: MAX_LIMIT })).optional(),
    cursor: single(z.string().min(1, 'must not be empty').max(512, 'is not a cursor this query answered')).optional(),
  })
  .transform((q, ctx): HappeningQuery => {
    if (q.radiusKm !== undefined && q.near === undefined) {
      ctx.addIssue({ code: 'custom', path: ['radiusKm'], message: 'needs near (the point the radius is around)' });
    }
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
    const filters: HappeningFilters = {
      ...(q.topic !== undefined && { topics: [...new Set(q.topic)] }),
      ...(q.from !== undefined && { fromMs: q.from }),
      ...(q.to !== undefined && { toMs: q.to }),
      ...(q.near !== undefined && { near: q.near }),
      ...(q.radiusKm !== undefined && { radiusKm: q.radiusKm }),
      ...(q.q !== undefined && { text: q.q }),
    };
    let after: HappeningQuery['after'];
    if (q.cursor !== undefined) {
      const decoded = decodeCursor(filters, q.cursor);
      if (typeof decoded === 'string') ctx.addIssue({ code: 'custom', path: ['cursor'], message: decoded });
      else after = decoded;
    }
    return { ...filters, limit: q.limit ?? DEFAULT_LIMIT, ...(after && { after }) };
  });

export const searchHappeningsRoute: RouteContract<undefined, HappeningQuery> = {
  method: 'GET',
  path: '/v1/happenings',
  operation: 'searchHappenings',
  summary:
    'Find happenings by topic, time range (overlapping [from, to)), place (near, radiusKm) and text (q); by start time, or by distance with near (anyone)',
  publicBecause: PUBLIC_CATALOG,
  query: searchQuery,
  responses: {
    200: {
      description:
        'a page of happenings and, unless it is the last, the cursor of the next; the header x-eventline-source says which store answered (search, or database when the search index is unavailable)',
      body: z.object({
        items: z.array(happeningSchema.extend({ distanceKm: z.number().optional() })),
        nextCursor: z.string().optional(),
      }),
    },
  },
};
