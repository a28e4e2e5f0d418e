import { httpRoute, json } from '../../platform/http/http-route';
import { validate } from '../../platform/http/request';
import { answerAggregates } from '../domain/aggregates';
import { aggregatesQuerySchema, queryParameters } from '../domain/aggregates-query';
import { aggregateStore } from '../wiring';

/**
 * POST /aggregates?time_range=<from>_<to>&action=VIEW|BUY&aggregates=COUNT&aggregates=SUM_PRICE
 * [&origin=][&brand_id=][&category_id=]. The query is read from `rawQueryString` (repeated
 * `aggregates` in their order; API Gateway's `queryStringParameters` only has them comma-joined)
 * and validated here, with the same problem+json as the route's own validation. The body carries
 * the expected answer in the scorer's debug mode; it is ignored (but bounded in size).
 */
export const handler = httpRoute({ operation: 'queryAggregates', maxBodyBytes: 1024 * 1024 }, async ({ event }) => {
  const query = validate(aggregatesQuerySchema, queryParameters(event.rawQueryString, event.queryStringParameters), 'query');
  return json(200, await answerAggregates(await aggregateStore(), query));
});
