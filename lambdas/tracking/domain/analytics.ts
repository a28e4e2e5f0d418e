import { InvalidInput } from '../../platform/errors';
import {
  type AggregationRequest,
  AggregationRequestError,
  type SearchFilter,
  type SearchIndex,
} from '../../platform/search/search-index';
import type { AnalyticsQuery } from './analytics-query';
import { appEventIndexName } from './app-event-index';

/**
 * App analytics answered from the app's event index with one aggregation: what seed 004 did with
 * Spark SQL over Parquet (`select count(*) … where event_type = … group by …`), per time bucket.
 */

export interface AnalyticsGroup {
  readonly key: string | number;
  readonly count: number;
  readonly sum?: number;
}

export interface AnalyticsBucket {
  readonly start: string;
  readonly count: number;
  readonly sum?: number;
  readonly groups?: readonly AnalyticsGroup[];
  /** Events in this bucket whose group value is not among `groups`. */
  readonly other_count?: number;
}

/** The JSON answer (our own API: numbers are numbers). */
export interface AnalyticsAnswer {
  readonly app_id: string;
  readonly interval: AnalyticsQuery['interval'];
  readonly from: string;
  readonly to: string;
  readonly group_by?: string;
  readonly sum?: string;
  readonly buckets: readonly AnalyticsBucket[];
}

/** The aggregation for a parsed query: event time buckets, type filter, property conditions. */
export function aggregationFor(query: AnalyticsQuery): AggregationRequest {
  const filters: SearchFilter[] = [...query.where];
  if (query.types.length === 1) filters.unshift({ term: { field: 'type', value: query.types[0]! } });
  else if (query.types.length > 1) filters.unshift({ terms: { field: 'type', values: query.types } });
  return {
    timeField: 'time',
    interval: query.interval,
    range: { from: query.from.toISOString(), to: query.to.toISOString() },
    filters,
    ...(query.groupBy !== undefined ? { groupBy: { field: query.groupBy, size: query.groupSize } } : {}),
    ...(query.sum !== undefined ? { sum: query.sum } : {}),
  };
}

/** The port names request parts; clients know them as query parameters. */
const parameterOf: Readonly<Record<string, string>> = {
  groupBy: 'group_by',
  sum: 'sum',
  from: 'from',
  to: 'to',
  interval: 'interval',
};

/**
 * Runs the query against the app's index. An app that has sent nothing has no index yet: the
 * port answers empty buckets for it. A sum over a non-numeric property is invalid input naming
 * the query parameter; an index that is busy or starting throws the port's `Unavailable`.
 */
export async function queryAnalytics(search: SearchIndex, appId: string, query: AnalyticsQuery): Promise<AnalyticsAnswer> {
  const result = await search.aggregate(appEventIndexName(appId), aggregationFor(query)).catch((error: unknown) => {
    if (!(error instanceof AggregationRequestError)) throw error;
    const path = `query.${parameterOf[error.field] ?? error.field}`;
    throw new InvalidInput(`1 problem(s) in the query: ${path}`, [{ path, message: error.message }]);
  });
  return {
    app_id: appId,
    interval: query.interval,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    ...(query.groupBy !== undefined ? { group_by: query.groupBy } : {}),
    ...(query.sum !== undefined ? { sum: query.sum } : {}),
    buckets: result.buckets.map((bucket) => ({
      start: bucket.start,
      count: bucket.count,
      ...(bucket.sum !== undefined ? { sum: bucket.sum } : {}),
      ...(bucket.groups !== undefined ? { groups: bucket.groups } : {}),
      ...(bucket.otherCount !== undefined ? { other_count: bucket.otherCount } : {}),
    })),
  };
}
