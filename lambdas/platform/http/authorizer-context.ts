import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The app a Lambda authorizer vouched for (its simple response's `context.appId`, which API
 * Gateway puts under `requestContext.authorizer.lambda`); undefined when no authorizer ran.
 * Handlers compare it with the app in the path, so a misconfigured route fails closed.
 */
export function authorizedAppId(event: APIGatewayProxyEventV2): string | undefined {
  const lambda = (event.requestContext as { authorizer?: { lambda?: { appId?: unknown } } }).authorizer?.lambda;
  return typeof lambda?.appId === 'string' ? lambda.appId : undefined;
}
