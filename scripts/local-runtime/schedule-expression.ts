/**
 * EventBridge Scheduler expressions, for the local timers:
 * - `rate(value unit)`: unit minute|minutes|hour|hours|day|days, singular exactly when value is 1;
 * - `cron(minutes hours day-of-month month day-of-week year)`, all in UTC, with `*`, `?`, lists
 *   (`1,15`), ranges (`MON-FRI`), steps (`0/15`, `*\/5`, `10-40/10`), month names JAN-DEC and
 *   day names SUN-SAT (day-of-week 1 = Sunday). Exactly one of day-of-month and day-of-week is `?`.
 * `L`, `W` and `#` are rejected with an error rather than misread.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */

export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly everyMs: number }
  | {
      readonly kind: 'cron';
      readonly minutes: ReadonlySet<number>;
      readonly hours: ReadonlySet<number>;
      /** `undefined` when the field is `?`. */
      readonly daysOfMonth: ReadonlySet<number> | undefined;
      readonly months: ReadonlySet<number>;
      /** 1 = Sunday ... 7 = Saturday; `undefined` when the field is `?`. */
      readonly daysOfWeek: ReadonlySet<number> | undefined;
      readonly years: ReadonlySet<number>;
    };

export class ScheduleExpressionError extends Error {
  constructor(expression: string, problem: string) {
    super(`unsupported schedule expression "${expression}": ${problem}`);
    this.name = 'ScheduleExpressionError';
  }
}

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES },
  { name: 'year', min: 1970, max: 2199 },
];

function parseRate(expression: string, body: string): ScheduleExpression {
  const match = /^(\d+)\s+([a-z]+)$/.exec(body.trim());
  if (!match) throw new ScheduleExpressionError(expression, 'expected rate(<value> <unit>)');
  const value = Number(match[1]);
  const unit = match[2];
  const singular = unit.replace(/s$/, '');
  if (!(singular in UNIT_MS)) throw new ScheduleExpressionError(expression, `unit must be minute(s), hour(s) or day(s)`);
  if (value < 1) throw new ScheduleExpressionError(expression, 'value must be a positive integer');
  if ((value === 1) !== (unit === singular)) {
    throw new ScheduleExpressionError(expression, 'use the singular unit for 1 and the plural otherwise');
  }
  return { kind: 'rate', everyMs: value * UNIT_MS[singular] };
}

function parseValue(expression: string, field: FieldSpec, text: string): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  const value = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(value) || value < field.min || value > field.max) {
    throw new ScheduleExpressionError(expression, `${field.name}: "${text}" is not in ${field.min}-${field.max}`);
  }
  return value;
}

function parseField(expression: string, field: FieldSpec, text: string): Set<number> {
  if (/[LW#]/i.test(text.replace(/[A-Z]{3}/gi, (name) => (field.names?.includes(name.toUpperCase()) ? '' : name)))) {
    throw new ScheduleExpressionError(expression, `${field.name}: L, W and # are not supported locally`);
  }
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [rangeText, stepText, ...extra] = part.split('/');
    if (extra.length > 0 || rangeText === '') throw new ScheduleExpressionError(expression, `${field.name}: "${part}"`);
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = field.min;
      to = field.max;
    } else if (rangeText.includes('-')) {
      const [a, b] = rangeText.split('-');
      from = parseValue(expression, field, a);
      to = parseValue(expression, field, b);
      if (from > to) throw new ScheduleExpressionError(expression, `${field.name}: range ${rangeText} runs backwards`);
    } else {
      from = parseValue(expression, field, rangeText);
      // `0/15` means "from 0, every 15": the range runs to the end of the field.
      to = stepText === undefined ? from : field.max;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(expression, `${field.name}: bad step "${stepText}"`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseCron(expression: string, body: string): ScheduleExpression {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleExpressionError(expression, 'cron needs 6 fields: minutes hours day-of-month month day-of-week year');
  }
  const [dom, dow] = [parts[2], parts[4]];
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleExpressionError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  parts.forEach((part, i) => {
    if (part === '?' && i !== 2 && i !== 4) {
      throw new ScheduleExpressionError(expression, `${FIELDS[i].name}: ? is only allowed for day-of-month or day-of-week`);
    }
  });
  const field = (i: number) => parseField(expression, FIELDS[i], parts[i]);
  return {
    kind: 'cron',
    minutes: field(0),
    hours: field(1),
    daysOfMonth: dom === '?' ? undefined : field(2),
    months: field(3),
    daysOfWeek: dow === '?' ? undefined : field(4),
    years: field(5),
  };
}

export function parseScheduleExpression(expression: string): ScheduleExpression {
  const match = /^(rate|cron)\((.*)\)$/.exec(expression.trim());
  if (!match) throw new ScheduleExpressionError(expression, 'expected rate(...) or cron(...) (at(...) is not supported)');
  return match[1] === 'rate' ? parseRate(expression, match[2]) : parseCron(expression, match[2]);
}

/**
 * The first time strictly after `after` at which a cron expression fires (whole minutes, UTC),
 * or `undefined` if it never fires again (e.g. its years are over).
 */
export function nextCronTime(cron: Extract<ScheduleExpression, { kind: 'cron' }>, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  // Each step either returns or moves to the start of the next candidate minute/hour/day/month/year,
  // so this ends well within the bound for any expression (2199 is the last year allowed).
  for (let guard = 0; guard < 1_000_000; guard++) {
    const year = t.getUTCFullYear();
    if (year > 2199) return undefined;
    if (!cron.years.has(year)) {
      t.setUTCFullYear(year + 1, 0, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!cron.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    const dayMatches = cron.daysOfMonth
      ? cron.daysOfMonth.has(t.getUTCDate())
      : (cron.daysOfWeek as ReadonlySet<number>).has(t.getUTCDay() + 1);
    if (!dayMatches) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!cron.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!cron.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return t;
  }
  return undefined;
}

/**
 * When a schedule next fires after `after`. Rates fire every period counted from `startedAt`
 * (the runtime's start, as a new EventBridge schedule counts from its creation).
 */
export function nextFireTime(expression: ScheduleExpression, after: Date, startedAt: Date): Date | undefined {
  if (expression.kind === 'cron') return nextCronTime(expression, after);
  const elapsed = after.getTime() - startedAt.getTime();
  const periods = Math.floor(elapsed / expression.everyMs) + 1;
  return new Date(startedAt.getTime() + Math.max(1, periods) * expression.everyMs);
}
