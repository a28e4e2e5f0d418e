import { httpRoute, json } from '../../platform/http/http-route';
import { platform } from '../../platform/wiring';
import { queryAnalytics } from '../domain/analytics';
import { queryAnalyticsRoute } from '../routes';

/**
 * GET /v1/apps/{appId}/analytics?from=…&to=…[&interval=][&type=][&where=][&group_by=][&group_size=][&sum=]
 * → 200 `{app_id, interval, from, to, buckets: [{start, count, sum?, groups?, other_count?}]}`.
 * Behind the app-key authorizer (the route's access rule: the key's app is the path's). A query
 * the index cannot answer (e.g. a sum over a text property) is an invalid-input domain error; a
 * busy or starting cluster is unavailable (503): both are mapped by the HTTP layer.
 */
export const handler = httpRoute(queryAnalyticsRoute, async ({ path, query }) =>
  json(200, await queryAnalytics(await platform.search(), path.appId, query)),
);
