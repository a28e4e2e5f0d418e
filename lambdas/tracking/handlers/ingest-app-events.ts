import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { httpRoute, json } from '../../platform/http/http-route';
import { metrics } from '../../platform/observability';
import { platform } from '../../platform/wiring';
import { prepareBatch, publishAppEvents } from '../domain/app-events';
import { ingestAppEventsRoute } from '../routes';
import { appEventsTopic } from '../topics';

/**
 * POST /v1/apps/{appId}/events → 200 `{accepted, rejected, results[]}` once Kafka has every
 * accepted event; 400 when the body is not a batch at all, 503 when Kafka could not take it.
 * Behind the app-key authorizer; the route's access rule checks the key's app is the path's.
 */
export const handler = httpRoute(ingestAppEventsRoute, async ({ body, path }) => {
  const { records, outcome } = prepareBatch(path.appId, body.events, platform.clock.now());
  await publishAppEvents(await platform.bus(), appEventsTopic.name, records);
  metrics.addMetric('AppEventsAccepted', MetricUnit.Count, outcome.accepted);
  metrics.addMetric('AppEventsRejected', MetricUnit.Count, outcome.rejected);
  return json(200, outcome);
});
