import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { platformDeclarations } from './declarations';

/**
 * One logger, metrics and tracer per function container. The service name comes from
 * POWERTOOLS_SERVICE_NAME (the CDK app sets it to the capability), the namespace from
 * POWERTOOLS_METRICS_NAMESPACE. Outside Lambda the tracer is inert and the local runtime turns
 * metrics output off unless asked for.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eventline' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? platformDeclarations.metricNamespace,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eventline',
});
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'eventline' });
