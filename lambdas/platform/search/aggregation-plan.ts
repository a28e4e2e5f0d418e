import {
  type AggregationBucket,
  type AggregationInterval,
  type AggregationRequest,
  AggregationRequestError,
  maxAggregationBuckets,
  maxAggregationGroups,
} from './search-index';
import { parseDateMillis } from './value-rules';

/**
 * What both search adapters need to answer an aggregation the same way: the validated bounds,
 * and the time buckets every answer has (so an empty interval, or a missing index, still answers
 * a bucket with count 0).
 */

export const intervalMillis: Readonly<Record<AggregationInterval, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** OpenSearch `fixed_interval` for each interval (UTC, epoch-aligned: days start at UTC midnight). */
export const fixedInterval: Readonly<Record<AggregationInterval, string>> = { minute: '1m', hour: '1h', day: '1d' };

export const defaultGroupSize = 10;

export interface AggregationPlan {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  /** Start of every bucket, ascending. */
  readonly starts: readonly number[];
  readonly groupSize: number;
}

/** Checks the request and lists its buckets; a request no index could answer throws AggregationRequestError. */
export function planAggregation(request: AggregationRequest): AggregationPlan {
  const stepMs = intervalMillis[request.interval];
  if (stepMs === undefined) throw new AggregationRequestError('interval', `unknown interval ${String(request.interval)}`);
  const fromMs = instant(request.range.from, 'from');
  const toMs = instant(request.range.to, 'to');
  if (fromMs >= toMs) throw new AggregationRequestError('to', 'the range must end after it starts');
  const first = Math.floor(fromMs / stepMs) * stepMs;
  const count = Math.ceil((toMs - first) / stepMs);
  if (count > maxAggregationBuckets) {
    throw new AggregationRequestError(
      'interval',
      `the range spans ${count} ${request.interval} buckets; at most ${maxAggregationBuckets} are answered`,
    );
  }
  const groupSize = request.groupBy?.size ?? defaultGroupSize;
  if (request.groupBy) {
    if (request.groupBy.field === '') throw new AggregationRequestError('groupBy', 'the group field is empty');
    if (!Number.isInteger(groupSize) || groupSize < 1 || groupSize > maxAggregationGroups) {
      throw new AggregationRequestError('groupBy', `the group size must be an integer from 1 to ${maxAggregationGroups}`);
    }
  }
  if (request.sum === '') throw new AggregationRequestError('sum', 'the sum field is empty');
  const starts = Array.from({ length: count }, (_, i) => first + i * stepMs);
  return { fromMs, toMs, stepMs, starts, groupSize };
}

/** The answer for an index with no matching documents (or no index at all). */
export function emptyBuckets(request: AggregationRequest, plan: AggregationPlan): AggregationBucket[] {
  return plan.starts.map((start) => ({
    start: new Date(start).toISOString(),
    count: 0,
    ...(request.sum !== undefined ? { sum: 0 } : {}),
    ...(request.groupBy ? { groups: [], otherCount: 0 } : {}),
  }));
}

function instant(value: string, field: 'from' | 'to'): number {
  const millis = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? parseDateMillis(value) : undefined;
  if (millis === undefined) throw new AggregationRequestError(field, `not an ISO-8601 instant: ${JSON.stringify(value)}`);
  return millis;
}
