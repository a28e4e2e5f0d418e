import { httpRoute, json } from '../../platform/http/http-route';
import { answerAggregates } from '../domain/aggregates';
import { queryAggregatesRoute } from '../routes';
import { aggregateStore } from '../wiring';

/**
 * POST /aggregates?time_range=<from>_<to>&action=VIEW|BUY&aggregates=COUNT&aggregates=SUM_PRICE
 * [&origin=][&brand_id=][&category_id=]. The body carries the expected answer in the scorer's
 * debug mode; it is ignored (but bounded in size).
 */
export const handler = httpRoute(queryAggregatesRoute, async ({ query }) =>
  json(200, await answerAggregates(await aggregateStore(), query)),
);
