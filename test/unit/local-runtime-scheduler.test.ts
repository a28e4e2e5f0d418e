import type { Handler } from 'aws-lambda';
import type { ScheduleSpec } from '../../lambdas/platform/manifest-types';
import { RecordingRuntimeLogger } from '../../scripts/local-runtime';
import {
  nextCronTime,
  nextFireTime,
  parseScheduleExpression,
  ScheduleExpressionError,
} from '../../scripts/local-runtime/schedule-expression';
import { buildScheduledEvent, formatScheduledTime, startScheduler } from '../../scripts/local-runtime/scheduler';
import cronCases from '../fixtures/scheduler-cron-cases.json';
import { testFunction } from '../support/function-spec';

const scheduled = (name: string, schedules: ScheduleSpec[]) => testFunction(name, { timeoutSeconds: 5, schedules });

describe('schedule expressions', () => {
  it.each(cronCases.cases)('$expression after $after fires at $next', ({ expression, after, next }) => {
    const parsed = parseScheduleExpression(expression);
    if (parsed.kind !== 'cron') throw new Error('expected a cron expression');
    const fired: string[] = [];
    let from = new Date(after);
    for (let i = 0; i < next.length; i++) {
      const at = nextCronTime(parsed, from) as Date;
      fired.push(formatScheduledTime(at));
      from = at;
    }
    expect(fired).toEqual(next);
  });

  it.each(cronCases.rejected)('rejects %s with a clear error', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
  });

  it('names the unsupported feature in the error', () => {
    expect(() => parseScheduleExpression('cron(0 10 L * ? *)')).toThrow(/L, W and # are not supported/);
    expect(() => parseScheduleExpression('cron(0 10 * * * *)')).toThrow(/exactly one of day-of-month and day-of-week/);
  });

  it('parses rates with singular and plural units', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({ kind: 'rate', everyMs: 60_000 });
    expect(parseScheduleExpression('rate(15 minutes)')).toEqual({ kind: 'rate', everyMs: 900_000 });
    expect(parseScheduleExpression('rate(2 hours)')).toEqual({ kind: 'rate', everyMs: 7_200_000 });
    expect(parseScheduleExpression('rate(1 day)')).toEqual({ kind: 'rate', everyMs: 86_400_000 });
  });

  it('counts rate periods from the start', () => {
    const start = new Date('2024-03-01T10:00:00Z');
    const rate = parseScheduleExpression('rate(15 minutes)');
    expect(nextFireTime(rate, start, start)).toEqual(new Date('2024-03-01T10:15:00Z'));
    expect(nextFireTime(rate, new Date('2024-03-01T10:15:00Z'), start)).toEqual(new Date('2024-03-01T10:30:00Z'));
    expect(nextFireTime(rate, new Date('2024-03-01T11:01:00Z'), start)).toEqual(new Date('2024-03-01T11:15:00Z'));
  });

  it('knows when a cron never fires again', () => {
    const parsed = parseScheduleExpression('cron(0 12 31 DEC ? 2025)');
    if (parsed.kind !== 'cron') throw new Error('expected a cron expression');
    expect(nextCronTime(parsed, new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('scheduled event', () => {
  it("fills EventBridge Scheduler's context attributes into the manifest's template", () => {
    const event = buildScheduledEvent(
      { name: 'trim-user-tags', expression: 'rate(15 minutes)', description: 'x' },
      new Date('2024-03-01T10:15:00.123Z'),
      '0b3c5e8e-2f6a-4b6e-9e0a-1d2c3b4a5f60',
    );
    expect(event).toEqual({
      source: 'eventline.scheduler',
      schedule: 'trim-user-tags',
      scheduledTime: '2024-03-01T10:15:00Z',
      executionId: '0b3c5e8e-2f6a-4b6e-9e0a-1d2c3b4a5f60',
    });
  });

  it('uses a fresh uuid per execution by default', () => {
    const spec = { name: 's', expression: 'rate(1 day)', description: 'x' };
    const a = buildScheduledEvent(spec, new Date());
    const b = buildScheduledEvent(spec, new Date());
    expect(a.executionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.executionId).not.toBe(b.executionId);
  });
});

describe('local scheduler timers', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('fires each schedule at its times with the scheduled time in the event, and stops cleanly', async () => {
    jest.useFakeTimers({ now: new Date('2024-03-01T10:07:30Z') });
    const events: Record<string, Record<string, string>[]> = { quarter: [], fiver: [] };
    const handler: Handler = async (event: Record<string, string>) => {
      events[event.schedule].push(event);
    };
    const scheduler = startScheduler({
      schedules: [
        { fn: scheduled('cron-fn', []), schedule: { name: 'quarter', expression: 'cron(0/15 * * * ? *)', description: 'x' } },
        { fn: scheduled('rate-fn', []), schedule: { name: 'fiver', expression: 'rate(5 minutes)', description: 'x' } },
      ],
      handlers: new Map([
        ['cron-fn', handler],
        ['rate-fn', handler],
      ]),
      logger: new RecordingRuntimeLogger(),
      enableTimers: true,
    });
    expect(scheduler.nextRuns().get('quarter')).toEqual(new Date('2024-03-01T10:15:00Z'));
    expect(scheduler.nextRuns().get('fiver')).toEqual(new Date('2024-03-01T10:12:30Z'));

    await jest.advanceTimersByTimeAsync(23 * 60_000); // until 10:30:30
    expect(events.quarter.map((e) => e.scheduledTime)).toEqual(['2024-03-01T10:15:00Z', '2024-03-01T10:30:00Z']);
    expect(events.fiver.map((e) => e.scheduledTime)).toEqual([
      '2024-03-01T10:12:30Z',
      '2024-03-01T10:17:30Z',
      '2024-03-01T10:22:30Z',
      '2024-03-01T10:27:30Z',
    ]);

    scheduler.stop();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60 * 60_000);
    expect(events.quarter).toHaveLength(2);
  });

  it('runs a schedule on demand, resolving with the run or rejecting with the handler error', async () => {
    const scheduler = startScheduler({
      schedules: [
        { fn: scheduled('ok-fn', []), schedule: { name: 'ok', expression: 'rate(1 day)', description: 'x' } },
        { fn: scheduled('bad-fn', []), schedule: { name: 'bad', expression: 'rate(1 day)', description: 'x' } },
      ],
      handlers: new Map<string, Handler>([
        ['ok-fn', async () => 'done'],
        [
          'bad-fn',
          async () => {
            throw new Error('trim failed');
          },
        ],
      ]),
      logger: new RecordingRuntimeLogger(),
      enableTimers: false,
    });
    expect(scheduler.nextRuns().size).toBe(0);
    const run = await scheduler.run('ok');
    expect(run).toMatchObject({ schedule: 'ok', functionName: 'ok-fn', result: 'done' });
    expect(run.scheduledTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await expect(scheduler.run('bad')).rejects.toThrow('trim failed');
    await expect(scheduler.run('missing')).rejects.toThrow(/no schedule named missing/);
    scheduler.stop();
  });

  it('refuses to start with an expression it cannot honour', () => {
    expect(() =>
      startScheduler({
        schedules: [{ fn: scheduled('x', []), schedule: { name: 'x', expression: 'cron(0 10 ? * 6L *)', description: 'x' } }],
        handlers: new Map(),
        logger: new RecordingRuntimeLogger(),
        enableTimers: false,
      }),
    ).toThrow(ScheduleExpressionError);
  });
});
