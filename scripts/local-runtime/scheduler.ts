import { randomUUID } from 'node:crypto';
import type { Handler } from 'aws-lambda';
import { type FunctionSpec, type ScheduleSpec, scheduledInvocationTemplate } from '../../lambdas/platform/manifest-types';
import { invokeHandler } from './lambda-invoker';
import { describeError, type RuntimeLogger } from './runtime-logger';
import { nextFireTime, parseScheduleExpression, type ScheduleExpression } from './schedule-expression';

/**
 * The local stand-in for EventBridge Scheduler: a timer per manifest schedule that invokes the
 * function with the schedule's target input, the `<aws.scheduler.*>` context attributes filled in
 * as the service does. Runs never overlap-check (Scheduler does not either); a failed run is
 * logged, not retried (in AWS the asynchronous invocation would be retried). A run missed while
 * the machine slept is skipped, not replayed.
 */

/** The Scheduler's time format for `<aws.scheduler.scheduled-time>`: ISO 8601, no millis, `Z`. */
export function formatScheduledTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Fills EventBridge Scheduler's context attributes into the schedule's payload template. */
export function buildScheduledEvent(
  schedule: ScheduleSpec,
  scheduledTime: Date,
  executionId: string = randomUUID(),
): Record<string, string> {
  const event: Record<string, string> = {};
  for (const [key, value] of Object.entries(scheduledInvocationTemplate(schedule))) {
    event[key] = value
      .replaceAll('<aws.scheduler.scheduled-time>', formatScheduledTime(scheduledTime))
      .replaceAll('<aws.scheduler.execution-id>', executionId);
  }
  return event;
}

export interface ScheduledRun {
  readonly schedule: string;
  readonly functionName: string;
  readonly executionId: string;
  readonly scheduledTime: string;
  readonly result: unknown;
}

export class UnknownScheduleError extends Error {
  constructor(name: string) {
    super(`no schedule named ${name} in the manifest`);
    this.name = 'UnknownScheduleError';
  }
}

export interface SchedulerOptions {
  readonly schedules: readonly { fn: FunctionSpec; schedule: ScheduleSpec }[];
  readonly handlers: ReadonlyMap<string, Handler>;
  readonly logger: RuntimeLogger;
  /** Start the timers; when false only `run(name)` fires schedules. */
  readonly enableTimers: boolean;
}

export interface LocalScheduler {
  /** Fires one schedule now; rejects with the handler's error if the run fails. */
  run(name: string): Promise<ScheduledRun>;
  /** The next time each schedule fires (absent when timers are off). */
  nextRuns(): ReadonlyMap<string, Date>;
  stop(): void;
}

/** setTimeout's longest delay; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function startScheduler(options: SchedulerOptions): LocalScheduler {
  const { handlers, logger } = options;
  const entries = options.schedules.map((entry) => ({
    ...entry,
    // Parse every expression up front so a bad one stops the runtime at start, not at 3 a.m.
    expression: parseScheduleExpression(entry.schedule.expression),
  }));
  const byName = new Map(entries.map((e) => [e.schedule.name, e]));
  const timers = new Map<string, NodeJS.Timeout>();
  const nextRuns = new Map<string, Date>();
  const startedAt = new Date();
  let stopped = false;

  async function fire(name: string, scheduledTime: Date): Promise<ScheduledRun> {
    const entry = byName.get(name);
    if (!entry) throw new UnknownScheduleError(name);
    const handler = handlers.get(entry.fn.name);
    if (!handler) throw new Error(`no handler loaded for ${entry.fn.name}`);
    const executionId = randomUUID();
    const event = buildScheduledEvent(entry.schedule, scheduledTime, executionId);
    const outcome = await invokeHandler(handler, event, entry.fn);
    const line = `schedule ${name} -> ${entry.fn.name} (${event.scheduledTime})`;
    if (!outcome.ok) {
      logger.error(`${line} failed after ${outcome.durationMs}ms: ${describeError(outcome.error)}`);
      throw outcome.error;
    }
    logger.info(`${line} ok ${outcome.durationMs}ms`);
    return {
      schedule: name,
      functionName: entry.fn.name,
      executionId,
      scheduledTime: formatScheduledTime(scheduledTime),
      result: outcome.result,
    };
  }

  function arm(name: string, expression: ScheduleExpression, after: Date): void {
    if (stopped) return;
    const at = nextFireTime(expression, after, startedAt);
    if (!at) {
      nextRuns.delete(name);
      logger.warn(`schedule ${name} will not fire again`);
      return;
    }
    nextRuns.set(name, at);
    const wait = () => {
      const delay = at.getTime() - Date.now();
      if (delay > MAX_TIMER_MS) {
        timers.set(name, setTimeout(wait, MAX_TIMER_MS).unref());
        return;
      }
      const timer = setTimeout(
        () => {
          // Count the next run from now if we are late (a sleeping laptop), so missed runs are skipped.
          const from = Date.now() - at.getTime() > 60_000 ? new Date() : at;
          arm(name, expression, from);
          fire(name, at).catch(() => {
            // already logged by fire()
          });
        },
        Math.max(0, delay),
      );
      timers.set(name, timer.unref());
    };
    wait();
  }

  if (options.enableTimers) {
    for (const entry of entries) arm(entry.schedule.name, entry.expression, startedAt);
  }

  return {
    run: (name) => fire(name, new Date()),
    nextRuns: () => nextRuns,
    stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      nextRuns.clear();
    },
  };
}
