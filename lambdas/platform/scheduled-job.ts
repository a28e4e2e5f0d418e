import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type FunctionSpec, operationOf, type ScheduledInvocation } from './manifest-types';
import { logger, metrics, observedHandler } from './observability';

/**
 * The one way scheduled handlers are written, given the function's own manifest entry: the
 * schedule's payload in, a summary out (logged, and returned so the local runtime and tests can
 * see it). Errors propagate so the scheduler's retry policy and the Errors alarm see them.
 */
export function scheduledJob<R extends object>(fn: FunctionSpec, run: (invocation: ScheduledInvocation) => Promise<R>) {
  const operation = operationOf(fn);
  return observedHandler(async (invocation: ScheduledInvocation) => {
    const summary = await run(invocation);
    metrics.addMetric(`${operation}Runs`, MetricUnit.Count, 1);
    logger.info(`${operation} done`, { schedule: invocation.schedule, scheduledTime: invocation.scheduledTime, ...summary });
    return summary;
  });
}
