import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { httpRoute, json } from '../../platform/http/http-route';
import { logger, metrics } from '../../platform/observability';
import { encodeCursor } from '../domain/query';
import { findHappenings } from '../domain/search';
import { searchHappeningsRoute } from '../routes';
import { happeningRepository, queryIndex } from '../wiring';

/**
 * GET /v1/happenings?topic=&from=&to=&near=&radiusKm=&q=&limit=&cursor= → 200 `{items, nextCursor?}`
 * from the search index, or from MySQL when the index is unavailable (counted as
 * `SearchFallbacks`); the header `x-eventline-source` says which (`search` | `database`).
 */
export const handler = httpRoute(searchHappeningsRoute, async ({ query }) => {
  const answer = await findHappenings(queryIndex, happeningRepository, query);
  if (answer.source === 'database') {
    metrics.addMetric('SearchFallbacks', MetricUnit.Count, 1);
    logger.warn('search answered from MySQL: the search index is unavailable', { reason: answer.fallbackReason });
  }
  const { items, next } = answer.page;
  const body = {
    items: items.map(({ happening, distanceKm }) => (distanceKm === undefined ? happening : { ...happening, distanceKm })),
    ...(next ? { nextCursor: encodeCursor(query, next) } : {}),
  };
  const response = json(200, body);
  return { ...response, headers: { ...response.headers, 'x-eventline-source': answer.source } };
});
