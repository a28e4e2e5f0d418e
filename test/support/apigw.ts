import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A minimal API Gateway HTTP API (payload 2.0) event for calling a handler directly. */
export function httpEvent(partial: Partial<APIGatewayProxyEventV2> & { method?: string; path?: string }): APIGatewayProxyEventV2 {
  const method = partial.method ?? 'POST';
  const path = partial.path ?? '/';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/Mar/2022:00:00:00 +0000',
      timeEpoch: 0,
    },
    ...partial,
  } as APIGatewayProxyEventV2;
}

export const lambdaContext = {
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:test',
  memoryLimitInMB: '128',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 10_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} as Context;

/** A handler's answer with its JSON body parsed (undefined when it has none). */
export interface HandlerAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, read by the tests
  readonly body: any;
}

/** Calls an HTTP handler as Lambda does and reads its answer. */
export async function invokeHttp(
  handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>,
  event: APIGatewayProxyEventV2,
): Promise<HandlerAnswer> {
  const response = (await handler(event, lambdaContext)) as {
    statusCode: number;
    headers?: Record<string, string>;
    body?: string;
  };
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: response.body ? JSON.parse(response.body) : undefined,
  };
}
