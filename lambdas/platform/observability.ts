import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { platformDeclarations } from './declarations';

/**
 * One logger, metrics and tracer per function container. The service name comes from
 * POWERTOOLS_SERVICE_NAME (the CDK app sets it to the capability), the namespace from
 * POWERTOOLS_METRICS_NAMESPACE. The local runtime turns metrics output off unless asked for
 * (POWERTOOLS_METRICS_DISABLED) and never loads the tracer (see `tracer`).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eventline' });
/**
 * Powertools' Metrics, except that with output disabled (POWERTOOLS_METRICS_DISABLED: the local
 * runtime, tests) a metric is not even stored: Powertools validates and buffers each one (about
 * 10 µs, twice per ingested tag locally) only to drop the buffer when it publishes.
 */
class EventlineMetrics extends Metrics {
  override addMetric(...metric: Parameters<Metrics['addMetric']>): this {
    if (this.isDisabled()) return this;
    return super.addMetric(...metric);
  }
}

export const metrics = new EventlineMetrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? platformDeclarations.metricNamespace,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eventline',
});

/** Lambda's runtime sets AWS_EXECUTION_ENV; Powertools' tracer uses the same test to stay inert elsewhere. */
const inLambda = (process.env.AWS_EXECUTION_ENV ?? '') !== '';

/**
 * The tracer, only in Lambda with tracing on (POWERTOOLS_TRACE_ENABLED not `false`). Elsewhere
 * Powertools' tracer is inert anyway, but merely loading it loads the X-Ray SDK, whose
 * continuation-local storage installs a process-wide async hook with destroy tracking: every
 * promise of the process then costs about twenty times more (measured in the local runtime,
 * where it was the largest single cost of a request). So it is required lazily, never imported.
 */
export const tracer: Tracer | undefined =
  inLambda && (process.env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false'
    ? new (require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer')).Tracer({
        serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eventline',
      })
    : undefined;

/**
 * Powertools' `logMetrics`, without its "No application metrics to publish" warning: an
 * invocation that stored no metric publishes nothing and says nothing. In the local runtime many
 * invocations share one process and one metrics buffer, so an invocation often found the buffer
 * already flushed by another and warned on every request.
 */
const publishMetrics: MiddlewareObj = {
  after: () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  },
  onError: () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  },
};

/**
 * Every Eventline handler's wrapper: Powertools logger context, the tracer (in Lambda), metrics
 * published after the invocation. Middy's early timeout (an abortable timer per invocation, set
 * 5 ms before Lambda's deadline so `onError` still runs) is kept in Lambda only: the local
 * runtime enforces the function's timeout itself, and the timer's abort built two error objects
 * with stack traces per invocation.
 */
export function observedHandler<TEvent, TResult>(
  run: (event: TEvent, context: Context) => Promise<TResult>,
): MiddyfiedHandler<TEvent, TResult, Error, Context> {
  const handler = middy<TEvent, TResult, Error, Context>(run, { timeoutEarlyInMillis: inLambda ? 5 : 0 }).use(
    injectLambdaContext(logger, { resetKeys: true }),
  );
  if (tracer) handler.use(captureLambdaHandler(tracer));
  return handler.use(publishMetrics);
}
