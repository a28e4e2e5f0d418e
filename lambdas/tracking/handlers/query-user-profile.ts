import { httpRoute, rawJson } from '../../platform/http/http-route';
import { DEFAULT_PROFILE_LIMIT, userProfileJson } from '../domain/user-profile';
import { queryUserProfileRoute } from '../routes';
import { userTagStore } from '../wiring';

/**
 * POST /user_profiles/{cookie}?time_range=<from>_<to>&limit=<n>. The body carries the expected
 * answer in the scorer's debug mode; it is deliberately ignored (but bounded in size).
 */
export const handler = httpRoute(queryUserProfileRoute, async ({ path, query }) => {
  const limit = query.limit ?? DEFAULT_PROFILE_LIMIT;
  return rawJson(200, await userProfileJson(await userTagStore(), path.cookie, query.time_range, limit));
});
