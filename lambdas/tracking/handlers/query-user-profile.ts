import { z } from 'zod';
import { httpRoute, rawJson } from '../../platform/http/http-route';
import { parseTimeRange } from '../domain/time-range';
import { DEFAULT_PROFILE_LIMIT, userProfileJson } from '../domain/user-profile';
import { userTagStore } from '../wiring';

const query = z.object({
  time_range: z.string({ error: 'is required' }).transform((value, ctx) => {
    const range = parseTimeRange(value);
    if (typeof range === 'string') {
      ctx.addIssue({ code: 'custom', message: range });
      return z.NEVER;
    }
    return range;
  }),
  limit: z.coerce.number().int().min(1).max(1000).default(DEFAULT_PROFILE_LIMIT),
});
const path = z.object({ cookie: z.string().min(1).max(255) });

/**
 * POST /user_profiles/{cookie}?time_range=<from>_<to>&limit=<n>. The body carries the expected
 * answer in the scorer's debug mode; it is deliberately ignored (but bounded in size).
 */
export const handler = httpRoute({ operation: 'queryUserProfile', query, path, maxBodyBytes: 1024 * 1024 }, async (input) => {
  const json = await userProfileJson(await userTagStore(), input.path.cookie, input.query.time_range, input.query.limit);
  return rawJson(200, json);
});
