/**
 * The HTTP contract of the people capability: a profile is written by its owner or an admin
 * (answered 202 once the write is in the `people` log), read and searched by anyone. Read by the
 * handlers, the manifest (the CDK app and the local runtime) and the OpenAPI document.
 */
import * as z from 'zod';
import { decimalInteger, single } from '../platform/http/query';
import { type AccessRule, type RouteContract, USER_POOL_AUTHORIZER } from '../platform/manifest-types';
import type { PeopleQuery } from './domain/people';
import { personSummarySchema, profileFieldsSchema, profileSchema, usernameSchema } from './domain/profile';
import { DEFAULT_LIMIT, MAX_LIMIT, QUERY_MAX } from './domain/search';

const ownerOrAdmin: AccessRule = {
  kind: 'ownerOrGroup',
  pathParameter: 'username',
  group: 'admin',
  denied: "only the profile's owner or an admin may change it",
};

/**
 * The largest profile body: every text at its limit (about 12,700 characters) with every character
 * escaped in JSON (`\uXXXX`, 6 bytes), plus the field names.
 */
const MAX_PROFILE_BODY_BYTES = 96 * 1024;

const usernamePath = z.strictObject({ username: usernameSchema });

const writeAnswer = z
  .object({ username: z.string(), version: z.number().int() })
  .meta({ description: 'The write is durable in the people log; reads by the writer see this version at once' });

const READ_FROM = 'The header x-eventline-read-from says which store answered: cache, search (OpenSearch) or sql (MySQL).';

export const putProfileRoute: RouteContract<z.infer<typeof profileFieldsSchema>, undefined, { username: string }> = {
  method: 'PUT',
  path: '/v1/people/{username}',
  operation: 'putProfile',
  summary: "Write a person's profile whole (its owner or an admin); absent optional fields are not set",
  authorizer: USER_POOL_AUTHORIZER,
  access: ownerOrAdmin,
  body: profileFieldsSchema,
  maxBodyBytes: MAX_PROFILE_BODY_BYTES,
  pathParameters: usernamePath,
  responses: {
    202: {
      description:
        'accepted: the write is in the people log (Kafka acknowledged it) with this version; the stores catch up within seconds',
      body: writeAnswer,
    },
  },
};

export const deleteProfileRoute: RouteContract<undefined, undefined, { username: string }> = {
  method: 'DELETE',
  path: '/v1/people/{username}',
  operation: 'deleteProfile',
  summary: "Delete a person's profile (its owner or an admin); deleting the account deletes it too",
  authorizer: USER_POOL_AUTHORIZER,
  access: ownerOrAdmin,
  pathParameters: usernamePath,
  responses: {
    202: { description: 'accepted: the delete is in the people log with this version', body: writeAnswer },
  },
};

/** Profile pages are public, as in seed 000: anyone reads them; only the owner or an admin changes one. */
const PUBLIC_PROFILES =
  "Profile pages are public, as in seed 000's profile site: anyone may read a profile and find people by name; only the profile's owner or an admin can change it.";

export const getProfileRoute: RouteContract<undefined, undefined, { username: string }> = {
  method: 'GET',
  path: '/v1/people/{username}',
  operation: 'getProfile',
  summary: "A person's profile (anyone), from the cache, the search index or MySQL",
  publicBecause: PUBLIC_PROFILES,
  pathParameters: usernamePath,
  responses: {
    200: { description: `the profile. ${READ_FROM}`, body: profileSchema },
    404: { description: 'no such profile, or it was deleted (problem+json)' },
  },
};

const searchQuery = z
  .strictObject({
    q: single(
      z
        .string()
        .max(QUERY_MAX, `must be at most ${QUERY_MAX} characters`)
        .meta({ description: 'words of a name (first, last or username); the last may be unfinished', examples: ['Ali'] }),
    ).optional(),
    limit: single(decimalInteger({ min: 1, max: MAX_LIMIT })).optional(),
    cursor: single(z.string().min(1, 'must not be empty').max(200, 'is not a cursor this search answered')).optional(),
  })
  .transform(
    (q): PeopleQuery => ({
      ...(q.q !== undefined && { q: q.q }),
      limit: q.limit ?? DEFAULT_LIMIT,
      ...(q.cursor !== undefined && { cursor: q.cursor }),
    }),
  );

export const searchPeopleRoute: RouteContract<undefined, PeopleQuery> = {
  method: 'GET',
  path: '/v1/people',
  operation: 'searchPeople',
  summary:
    'Find people by name (anyone): as you type (the last word may be unfinished) and despite typos, best matches first; everyone by name without q',
  publicBecause: PUBLIC_PROFILES,
  query: searchQuery,
  responses: {
    200: {
      description:
        'a page of people and, unless it is the last, the cursor of the next. The header x-eventline-read-from says which store answered: search (OpenSearch, ranked by relevance) or sql (MySQL while the index is unavailable: every word begins a name, ordered by name)',
      body: z.object({ items: z.array(personSummarySchema), next: z.string().optional() }),
    },
  },
};
