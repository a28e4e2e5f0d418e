import { z } from 'zod';
import { authorizedAppId } from '../../platform/http/authorizer-context';
import { httpRoute, json } from '../../platform/http/http-route';
import { Problems } from '../../platform/http/problem';
import { AggregationRequestError } from '../../platform/search/search-index';
import { platform } from '../../platform/wiring';
import { queryAnalytics } from '../domain/analytics';
import { parseAnalyticsQuery } from '../domain/analytics-query';
import { appIdSchema } from '../domain/app-registry';

const path = z.object({ appId: appIdSchema });

function isUnavailable(error: unknown): boolean {
  const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
  return status === 503 || status === 429;
}

/** The port names request parts; the client knows them as query parameters. */
const parameterOf: Record<string, string> = { groupBy: 'group_by', sum: 'sum', from: 'from', to: 'to', interval: 'interval' };

/**
 * GET /v1/apps/{appId}/analytics?from=…&to=…[&interval=][&type=][&where=][&group_by=][&group_size=][&sum=]
 * → 200 `{app_id, interval, from, to, buckets: [{start, count, sum?, groups?, other_count?}]}`.
 * Behind the app-key authorizer; the key's app must be the one in the path (403 otherwise).
 * The query string is read raw (API Gateway joins repeated parameters with commas, which would
 * blur `where` values). Syntax: lambdas/tracking/domain/analytics-query.ts and docs/API.md.
 */
export const handler = httpRoute({ operation: 'queryAnalytics', path }, async ({ path, event }) => {
  if (authorizedAppId(event) !== path.appId) throw Problems.forbidden('the key does not belong to this app');
  const parsed = parseAnalyticsQuery(event.rawQueryString ?? '');
  if (!parsed.ok) {
    throw Problems.validation(
      `${parsed.problems.length} problem(s) in the query: ${[...new Set(parsed.problems.map((p) => p.path))].join(', ')}`,
      parsed.problems,
    );
  }
  try {
    return json(200, await queryAnalytics(await platform.search(), path.appId, parsed.query));
  } catch (error) {
    if (error instanceof AggregationRequestError) {
      const name = parameterOf[error.field] ?? error.field;
      throw Problems.validation(`1 problem(s) in the query: query.${name}`, [{ path: `query.${name}`, message: error.message }]);
    }
    // OpenSearch busy or a fresh index's shards not yet allocated: the client should retry.
    if (isUnavailable(error)) throw Problems.unavailable('the search cluster is busy or starting, retry shortly');
    throw error;
  }
});
