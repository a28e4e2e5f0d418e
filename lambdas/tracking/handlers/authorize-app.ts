import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { logger, metrics, observedHandler } from '../../platform/observability';
import { platform } from '../../platform/wiring';
import { appRegistry } from '../app-events-wiring';
import { checkAppKey } from '../domain/app-registry';

/** What routes behind this authorizer find in `requestContext.authorizer.lambda`. */
export interface AppAuthorizerContext {
  readonly appId: string;
  readonly keyId: string;
}

/**
 * API Gateway HTTP API Lambda authorizer (payload format 2.0, simple responses) for the app
 * routes: allows a request when its `x-api-key` is a valid, unrevoked ingest key of the app named
 * in the path. API Gateway caches the answer per identity-source values for the manifest's TTL,
 * so a revoked key keeps working for at most that long. A store failure throws: API Gateway
 * answers 500 and caches nothing. The key itself is never logged; its public id may be.
 */
export const handler = observedHandler(
  async (
    event: APIGatewayRequestAuthorizerEventV2,
  ): Promise<APIGatewaySimpleAuthorizerResult | APIGatewaySimpleAuthorizerWithContextResult<AppAuthorizerContext>> => {
    const presented = event.headers?.['x-api-key'];
    const appId = event.pathParameters?.appId;
    if (!presented || !appId) return deny('missing-key-or-app', event);
    const check = await checkAppKey(await appRegistry(), presented, appId, platform.clock.now());
    if (!check.ok) return deny(check.reason, event);
    metrics.addMetric('AppKeyAllowed', MetricUnit.Count, 1);
    return { isAuthorized: true, context: { appId: check.appId, keyId: check.keyId } };
  },
);

function deny(reason: string, event: APIGatewayRequestAuthorizerEventV2): APIGatewaySimpleAuthorizerResult {
  metrics.addMetric('AppKeyDenied', MetricUnit.Count, 1);
  logger.info('app key denied', { reason, routeKey: event.routeKey, appId: event.pathParameters?.appId });
  return { isAuthorized: false };
}
