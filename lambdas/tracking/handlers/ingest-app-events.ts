import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { Topics } from '../../manifest';
import { authorizedAppId } from '../../platform/http/authorizer-context';
import { httpRoute, json } from '../../platform/http/http-route';
import { Problems } from '../../platform/http/problem';
import { metrics } from '../../platform/observability';
import { platform } from '../../platform/wiring';
import { appEventBatchSchema, MAX_BATCH_BYTES, prepareBatch, publishAppEvents } from '../domain/app-events';
import { appIdSchema } from '../domain/app-registry';

const path = z.object({ appId: appIdSchema });

/**
 * POST /v1/apps/{appId}/events → 200 `{accepted, rejected, results[]}` once Kafka has every
 * accepted event; 400 when the body is not a batch at all, 503 when Kafka could not take it.
 * Behind the app-key authorizer; the authorized app must be the one in the path (checked again
 * here, so a misconfigured route fails closed).
 */
export const handler = httpRoute(
  { operation: 'ingestAppEvents', body: appEventBatchSchema, path, maxBodyBytes: MAX_BATCH_BYTES },
  async ({ body, path, event }) => {
    if (authorizedAppId(event) !== path.appId) throw Problems.forbidden('the key does not belong to this app');
    const { records, outcome } = prepareBatch(path.appId, body.events, platform.clock.now());
    await publishAppEvents(await platform.bus(), Topics.appEvents, records);
    metrics.addMetric('AppEventsAccepted', MetricUnit.Count, outcome.accepted);
    metrics.addMetric('AppEventsRejected', MetricUnit.Count, outcome.rejected);
    return json(200, outcome);
  },
);
