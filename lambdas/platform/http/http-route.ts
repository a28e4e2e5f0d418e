import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DomainError } from '../errors';
import type { AccessRule, RouteContract } from '../manifest-types';
import { logger, metrics, observedHandler } from '../observability';
import { type Principal, principalOf } from './principal';
import { bounded, HttpProblem, Problems, problemOfDomainError } from './problem';
import { MalformedQueryString, parseQueryString } from './query';
import { parseJsonBody, rawBodyOf, refuseIllFormedText, validate } from './request';

export type HttpResponse = APIGatewayProxyStructuredResultV2;

export interface RouteOptions {
  /**
   * How a refusal or failure is answered (default: the problem as application/problem+json).
   * Web pages answer an HTML page instead (same status, same headers such as Retry-After).
   */
  readonly problemResponse?: (problem: HttpProblem) => HttpResponse;
}

export interface RouteInput<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly path: P;
  /** The body exactly as sent (after base64 decoding), for stores that keep it byte-for-byte. */
  readonly rawBody: string;
  /** The signed-in user on user-pool routes (undefined elsewhere). */
  readonly principal: Principal | undefined;
  readonly event: APIGatewayProxyEventV2;
  readonly context: Context;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Lambda's limit on a synchronous response (the whole JSON envelope, body escaped inside it).
 * Routes are built to stay far below it; this is the net that turns a breach into a logged 500
 * problem instead of an invocation error (which API Gateway answers with a bare 502).
 */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * The one way HTTP handlers are written: Powertools logger, tracer and metrics around a function
 * that gets validated input and returns a response. The route's declaration (the manifest's
 * `HttpRouteSpec`) says everything about its input: path parameters, the query string (parsed
 * once, multi-valued, without a prototype), the JSON body and its size, and the access rule.
 * Thrown domain errors and `HttpProblem`s become problem+json; anything else is logged and
 * answered with a 500 problem that says nothing about internals.
 */
export function httpRoute<B = undefined, Q = undefined, P = undefined>(
  route: RouteContract<B, Q, P>,
  handle: (input: RouteInput<B, Q, P>) => Promise<HttpResponse>,
  options: RouteOptions = {},
) {
  const maxBodyBytes = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const answer = options.problemResponse ?? ((problem: HttpProblem) => problem.toResponse());
  const run = async (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResponse> => {
    try {
      const input = readInput(route, event, maxBodyBytes);
      const principal = principalOf(event);
      if (route.access && !allowed(route.access, event, principal, input.path)) throw Problems.forbidden(route.access.denied);
      return counted(route.operation, fitting(await handle({ ...input, principal, event, context })));
    } catch (error) {
      return counted(route.operation, answer(problemFor(error, route.operation)));
    }
  };
  return observedHandler(run);
}

function readInput<B, Q, P>(route: RouteContract<B, Q, P>, event: APIGatewayProxyEventV2, maxBodyBytes: number) {
  const rawBody = rawBodyOf(event, maxBodyBytes);
  const pathValues = Object.assign(Object.create(null), event.pathParameters ?? {});
  refuseIllFormedText(pathValues, 'path');
  const path = route.pathParameters ? validate(route.pathParameters, pathValues, 'path') : (undefined as P);

  let params: Record<string, string[]>;
  try {
    params = parseQueryString(event.rawQueryString);
  } catch (error) {
    if (error instanceof MalformedQueryString) {
      const path = error.parameter ? `query.${bounded(error.parameter, 60)}` : 'query';
      throw Problems.validation(`1 problem(s) in the query: ${path}`, [{ path, message: error.message }]);
    }
    throw error;
  }
  refuseIllFormedText(params, 'query');
  const query = validate(route.query ?? noQueryParameters, params, 'query') as Q;

  const body = route.body ? validate(route.body, parseJsonBody(event, rawBody), 'body') : (undefined as B);
  return { body, query, path, rawBody };
}

/** A route without a query schema takes no parameters: an unknown one is refused, not ignored. */
const noQueryParameters = {
  safeParse(value: unknown) {
    const names = Object.keys(value as object);
    if (names.length === 0) return { success: true as const, data: undefined };
    return {
      success: false as const,
      error: { issues: [{ code: 'unrecognized_keys' as const, keys: names, path: [], message: 'is not allowed' }] },
    };
  },
} as unknown as import('zod').ZodType<undefined>;

/** Whether the route's access rule lets this request through. Fails closed: no context is a no. */
function allowed(rule: AccessRule, event: APIGatewayProxyEventV2, principal: Principal | undefined, path: unknown): boolean {
  const pathValue = (name: string) => (path as Record<string, unknown> | undefined)?.[name];
  switch (rule.kind) {
    case 'authorizerContextMatchesPath': {
      const context = (event.requestContext as { authorizer?: { lambda?: Record<string, unknown> } }).authorizer?.lambda;
      const granted = context?.[rule.contextKey];
      return typeof granted === 'string' && granted === pathValue(rule.pathParameter);
    }
    case 'group':
      return principal?.groups.includes(rule.group) ?? false;
    case 'ownerOrGroup':
      return (
        principal !== undefined && (principal.username === pathValue(rule.pathParameter) || principal.groups.includes(rule.group))
      );
  }
}

/** One count per answer and status class (`ingestUserTag2xx`, `…4xx`), for the dashboards. */
function counted(operation: string, response: HttpResponse): HttpResponse {
  const statusClass = Math.floor((response.statusCode ?? 200) / 100);
  metrics.addMetric(`${operation}${statusClass}xx`, MetricUnit.Count, 1);
  return response;
}

/** JSON-escaping can grow a body at most 6× (`\u00XX`); below this no exact check is needed. */
const SURELY_FITTING_CHARS = Math.floor(LAMBDA_RESPONSE_LIMIT_BYTES / 6) - 4096;

function fitting(response: HttpResponse): HttpResponse {
  if ((response.body?.length ?? 0) <= SURELY_FITTING_CHARS) return response;
  const size = Buffer.byteLength(JSON.stringify(response), 'utf8');
  if (size <= LAMBDA_RESPONSE_LIMIT_BYTES) return response;
  logger.error('answer exceeds the Lambda response limit', { bytes: size });
  return Problems.responseTooLarge().toResponse();
}

function problemFor(error: unknown, operation: string): HttpProblem {
  const problem = error instanceof HttpProblem ? error : error instanceof DomainError ? problemOfDomainError(error) : undefined;
  if (problem) {
    if (problem.status >= 500) logger.error(`${operation} failed`, { problem: problem.slug, detail: problem.detail, error });
    else logger.info(`${operation} rejected`, { problem: problem.slug, status: problem.status });
    return problem;
  }
  logger.error(`${operation} failed unexpectedly`, error as Error);
  return Problems.internal();
}

export function json(statusCode: number, value: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** A JSON body already serialized (e.g. assembled from stored raw JSON fragments). */
export function rawJson(statusCode: number, body: string): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body };
}

export function noContent(): HttpResponse {
  return { statusCode: 204 };
}

/** One route of a function that serves several, with its handler (see `httpRouter`). */
export interface RouteBinding {
  readonly routeKey: string;
  readonly handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;
}

/** Binds a route to its handler, keeping the route's input types for `handle`. */
export function on<B, Q, P>(
  route: RouteContract<B, Q, P>,
  handle: (input: RouteInput<B, Q, P>) => Promise<HttpResponse>,
  options?: RouteOptions,
): RouteBinding {
  return { routeKey: `${route.method} ${route.path}`, handler: httpRoute(route, handle, options) };
}

/**
 * A function that serves several routes (e.g. every `/v1/accounts/me…` route): API Gateway's
 * `routeKey` picks the binding, each of which is a whole `httpRoute` (its own validation,
 * access rule and metrics). One function for related routes keeps one warm container for all.
 */
export function httpRouter(bindings: readonly RouteBinding[]) {
  const byKey = new Map(bindings.map((binding) => [binding.routeKey, binding.handler]));
  if (byKey.size !== bindings.length) throw new Error('a route is bound twice');
  return async (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResponse> => {
    const handler = byKey.get(event.routeKey);
    if (!handler) return Problems.notFound(`no handler for ${event.routeKey.slice(0, 100)}`).toResponse();
    return handler(event, context);
  };
}
