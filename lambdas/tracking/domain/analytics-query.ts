import { isCalendarValid } from '../../platform/calendar';
import type { FieldProblem } from '../../platform/errors';
import { intervalMillis } from '../../platform/search/aggregation-plan';
import type { AggregationInterval, SearchFilter } from '../../platform/search/search-index';
import { maxAggregationGroups } from '../../platform/search/search-index';
import { EVENT_TYPE, PROPERTY_NAME } from './app-events';

/**
 * `GET /v1/apps/{appId}/analytics` query parameters (documented in docs/API.md):
 *
 *   from, to     required; ISO-8601 instants with `Z` or an offset (`2024-05-01T10:00:00Z`), or a
 *                date (`2024-05-01`, UTC midnight); `from < to`; events with from <= time < to.
 *   interval     minute | hour | day (default hour); buckets are UTC-aligned, the first and last
 *                may be partial; at most 1440 buckets per query (a day of minutes, 60 days of hours).
 *   type         event types, repeated and/or comma-separated: `type=purchase_sword,join_guild`.
 *   where        a condition, repeatable (all must hold): `<field>:<value>` (equal; `a|b` = any of),
 *                `<field>>=<number or text>`, `<field><<number or text>`. Fields: `user_id` or
 *                `properties.<name>`. e.g. `where=properties.weapon:sword|knife`,
 *                `where=properties.price>=10&where=properties.price<100`.
 *   group_by     `type`, `user_id` or `properties.<name>`: each bucket lists its top groups.
 *   group_size   how many groups per bucket (1-25, default 10); the rest is `other_count`.
 *   sum          `properties.<name>` of a numeric property: sums per bucket (and group).
 *
 * Any other parameter is refused, so a typo (`groupby`) is an error instead of a silent no-op.
 */

export const MAX_ANALYTICS_BUCKETS = 1440;
export const DEFAULT_ANALYTICS_INTERVAL: AggregationInterval = 'hour';
export const DEFAULT_GROUP_SIZE = 10;
export const MAX_WHERE_CONDITIONS = 10;
export const MAX_VALUES_PER_CONDITION = 20;
export const MAX_TYPES = 20;

export interface AnalyticsQuery {
  readonly from: Date;
  readonly to: Date;
  readonly interval: AggregationInterval;
  readonly types: readonly string[];
  /** The `where` conditions as index filters (on `user_id` / `properties.<name>`). */
  readonly where: readonly SearchFilter[];
  readonly groupBy?: string;
  readonly groupSize: number;
  readonly sum?: string;
}

const known = new Set(['from', 'to', 'interval', 'type', 'where', 'group_by', 'group_size', 'sum']);
const repeatable = new Set(['type', 'where']);

/** A date, or a date and time with seconds optional, fractions optional, and a zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const PROPERTY_FIELD = /^properties\.(.+)$/;
/** `<field><op><value>`: the field is the longest run without an operator character. */
const CONDITION = /^([^:<>=]+)(:|>=|<)(.*)$/;

type Parsed = { ok: true; query: AnalyticsQuery } | { ok: false; problems: FieldProblem[] };

/**
 * Interprets the query parameters (every value of every name, in order, as the platform's one
 * query parser gives them), so repeated parameters and commas stay exact.
 */
export function parseAnalyticsParameters(params: Readonly<Record<string, readonly string[]>>): Parsed {
  const problems: FieldProblem[] = [];
  const problem = (name: string, message: string) => problems.push({ path: `query.${name}`, message });

  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(params).flatMap(([n, vs]) => vs.map((v) => [n, v] as const))) {
    if (!known.has(name)) {
      problem(name, 'is not allowed');
      continue;
    }
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const single = (name: string): string | undefined => {
    const given = values.get(name);
    if (!given) return undefined;
    if (given.length > 1 && !repeatable.has(name)) problem(name, 'must be given once');
    return given[0];
  };

  const from = instant(single('from'), 'from', problem);
  const to = instant(single('to'), 'to', problem);

  const intervalText = single('interval') ?? DEFAULT_ANALYTICS_INTERVAL;
  const interval = intervalText in intervalMillis ? (intervalText as AggregationInterval) : undefined;
  if (!interval) problem('interval', 'must be minute, hour or day');

  if (from && to && interval) {
    if (from.getTime() >= to.getTime()) problem('to', 'must be after from');
    else {
      const step = intervalMillis[interval];
      const buckets = Math.ceil((to.getTime() - Math.floor(from.getTime() / step) * step) / step);
      if (buckets > MAX_ANALYTICS_BUCKETS) {
        problem(
          'interval',
          `the range spans ${buckets} ${interval} buckets; at most ${MAX_ANALYTICS_BUCKETS} (use a larger interval or a shorter range)`,
        );
      }
    }
  }

  const types = (values.get('type') ?? []).flatMap((value) => value.split(','));
  if (types.length > MAX_TYPES) problem('type', `at most ${MAX_TYPES} types`);
  for (const type of types) if (!EVENT_TYPE.test(type)) problem('type', `${JSON.stringify(type)} is not an event type`);

  const where: SearchFilter[] = [];
  const conditions = values.get('where') ?? [];
  if (conditions.length > MAX_WHERE_CONDITIONS) problem('where', `at most ${MAX_WHERE_CONDITIONS} conditions`);
  for (const condition of conditions) {
    const filter = parseCondition(condition);
    if (typeof filter === 'string') problem('where', filter);
    else where.push(filter);
  }

  const groupByText = single('group_by');
  let groupBy: string | undefined;
  if (groupByText !== undefined) {
    groupBy = groupByText === 'type' || groupByText === 'user_id' || isPropertyField(groupByText) ? groupByText : undefined;
    if (!groupBy) problem('group_by', 'must be type, user_id or properties.<name>');
  }

  const groupSizeText = single('group_size');
  let groupSize = DEFAULT_GROUP_SIZE;
  if (groupSizeText !== undefined) {
    groupSize = /^(0|[1-9]\d{0,2})$/.test(groupSizeText) ? Number(groupSizeText) : Number.NaN;
    if (!(groupSize >= 1 && groupSize <= maxAggregationGroups))
      problem('group_size', `must be an integer from 1 to ${maxAggregationGroups}`);
    else if (groupBy === undefined && groupByText === undefined) problem('group_size', 'needs group_by');
  }

  const sum = single('sum');
  if (sum !== undefined && !isPropertyField(sum)) problem('sum', 'must be properties.<name> of a numeric property');

  if (problems.length > 0 || !from || !to || !interval) return { ok: false, problems };
  return {
    ok: true,
    query: {
      from,
      to,
      interval,
      types: [...new Set(types)],
      where,
      ...(groupBy !== undefined ? { groupBy } : {}),
      groupSize,
      ...(sum !== undefined ? { sum } : {}),
    },
  };
}

function isPropertyField(field: string): boolean {
  const name = PROPERTY_FIELD.exec(field)?.[1];
  return name !== undefined && PROPERTY_NAME.test(name);
}

/** One `where` condition as a filter, or why it is not one. */
export function parseCondition(condition: string): SearchFilter | string {
  const match = CONDITION.exec(condition);
  if (!match) return `${JSON.stringify(condition)} is not <field>:<value>, <field>>=<value> or <field><<value>`;
  const [, field, operator, value] = match as unknown as [string, string, ':' | '>=' | '<', string];
  if (field !== 'user_id' && !isPropertyField(field)) {
    return `${JSON.stringify(field)} is not a filterable field (user_id or properties.<name>)`;
  }
  if (operator === '<' && value.startsWith('=')) return `${JSON.stringify(condition)}: the operators are :, >= and < (no <=)`;
  if (value === '') return `${JSON.stringify(condition)} has no value`;
  if (operator === ':') {
    const options = [...new Set(value.split('|'))];
    if (options.some((option) => option === '')) return `${JSON.stringify(condition)} has an empty alternative`;
    if (options.length > MAX_VALUES_PER_CONDITION)
      return `${JSON.stringify(condition)} has more than ${MAX_VALUES_PER_CONDITION} alternatives`;
    return options.length === 1 ? { term: { field, value: options[0]! } } : { terms: { field, values: options } };
  }
  // A numeric bound compares as a number (on number properties); anything else as text.
  const bound = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) ? Number(value) : value;
  return { range: operator === '>=' ? { field, gte: bound } : { field, lt: bound } };
}

function instant(value: string | undefined, name: string, problem: (name: string, message: string) => void): Date | undefined {
  if (value === undefined) {
    problem(name, 'is required');
    return undefined;
  }
  // An unencoded `+` in an offset arrives as a space (form encoding): take it back.
  value = value.replace(/ (\d{2}:\d{2})$/, '+$1');
  const ms =
    ISO_INSTANT.test(value) && isCalendarValid(value)
      ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)
      : Number.NaN;
  if (Number.isNaN(ms)) {
    problem(name, 'must be an ISO-8601 time with Z or an offset (2024-05-01T10:00:00Z) or a date (2024-05-01)');
    return undefined;
  }
  return new Date(ms);
}
