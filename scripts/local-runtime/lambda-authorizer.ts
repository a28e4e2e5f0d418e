import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Handler } from 'aws-lambda';
import type { FunctionSpec } from '../../lambdas/platform/manifest-types';
import type { GatewayResponse } from './apigw-response';
import { invokeHandler, LOCAL_ACCOUNT_ID, LOCAL_REGION } from './lambda-invoker';
import { describeError, type RuntimeLogger } from './runtime-logger';

/**
 * API Gateway HTTP API Lambda authorizers (REQUEST type, payload format 2.0, simple responses),
 * as documented in https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html:
 * - every identity source must be present and non-empty, otherwise API Gateway answers
 *   `401 {"message":"Unauthorized"}` without invoking the function;
 * - the function gets the authorizer event (the sample is test/fixtures/apigw-authorizer-v2-sample-event.json):
 *   the route's request without its body, plus `type`, `routeArn` and the identity-source values;
 * - `{"isAuthorized": false}` is `403 {"message":"Forbidden"}`; an error, a timeout or an answer
 *   that is not a simple response is `500 {"message":"Internal Server Error"}`;
 * - with `resultTtlSeconds > 0` the answer (allow or deny, with its context) is cached per
 *   authorizer and identity-source values — across all routes using the authorizer — and errors
 *   are not cached;
 * - an allowed request reaches the route with the context in `requestContext.authorizer.lambda`.
 */

/** API Gateway's own answers for authorization; the function behind the route never runs. */
export const authorizerResponses = {
  unauthorized: () => message(401, 'Unauthorized'),
  forbidden: () => message(403, 'Forbidden'),
  internalServerError: () => message(500, 'Internal Server Error'),
};

function message(statusCode: number, text: string): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': ['application/json'] },
    body: Buffer.from(JSON.stringify({ message: text })),
    warnings: [],
  };
}

/** Where one identity-source expression reads its value from. */
type IdentitySource =
  | { readonly kind: 'header' | 'querystring' | 'context' | 'stageVariables'; readonly name: string; readonly expression: string }
  /** Not an HTTP API identity source (REST APIs do not allow it either); evaluated locally, flagged at start. */
  | { readonly kind: 'path'; readonly name: string; readonly expression: string };

const EXPRESSION = /^\$(request\.header|request\.querystring|request\.path|context|stageVariables)\.([A-Za-z0-9_.-]+)$/;

/** Parses `$request.header.x-api-key` and friends; throws on anything API Gateway could not take. */
export function parseIdentitySource(expression: string): IdentitySource {
  const match = EXPRESSION.exec(expression);
  if (!match) {
    throw new Error(
      `identity source ${expression} is not one of $request.header.<name>, $request.querystring.<name>, $context.<variable>, $stageVariables.<name>`,
    );
  }
  const [, where, name] = match as unknown as [string, string, string];
  const kind = (
    {
      'request.header': 'header',
      'request.querystring': 'querystring',
      'request.path': 'path',
      context: 'context',
      stageVariables: 'stageVariables',
    } as const
  )[where as 'context'];
  if (kind === 'context' && !(name in contextVariables)) {
    throw new Error(`identity source ${expression}: the local runtime knows no context variable ${name}`);
  }
  return { kind, name, expression };
}

/** The HTTP API context variables an identity source can name, read from the route's event. */
const contextVariables: Record<string, (event: APIGatewayProxyEventV2) => string | number | undefined> = {
  accountId: (e) => e.requestContext.accountId,
  apiId: (e) => e.requestContext.apiId,
  domainName: (e) => e.requestContext.domainName,
  domainPrefix: (e) => e.requestContext.domainPrefix,
  httpMethod: (e) => e.requestContext.http.method,
  // On the $default stage the path has no stage prefix.
  path: (e) => e.requestContext.http.path,
  protocol: (e) => e.requestContext.http.protocol,
  requestId: (e) => e.requestContext.requestId,
  requestTime: (e) => e.requestContext.time,
  requestTimeEpoch: (e) => e.requestContext.timeEpoch,
  routeKey: (e) => e.requestContext.routeKey,
  stage: (e) => e.requestContext.stage,
  'identity.sourceIp': (e) => e.requestContext.http.sourceIp,
  'identity.userAgent': (e) => e.requestContext.http.userAgent,
};

/** The value an identity source has in a request; `undefined` when missing or empty. */
export function identitySourceValue(source: IdentitySource, event: APIGatewayProxyEventV2): string | undefined {
  let value: string | number | undefined;
  switch (source.kind) {
    case 'header':
      // Header names are case-insensitive; the event's are lower-cased already.
      value = event.headers?.[source.name.toLowerCase()];
      break;
    case 'querystring':
      value = event.queryStringParameters?.[source.name];
      break;
    case 'path':
      value = event.pathParameters?.[source.name];
      break;
    case 'context':
      value = contextVariables[source.name]?.(event);
      break;
    case 'stageVariables':
      value = event.stageVariables?.[source.name];
      break;
  }
  return value === undefined || value === '' ? undefined : String(value);
}

/** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`, as API Gateway builds it. */
export function routeArnOf(event: APIGatewayProxyEventV2): string {
  const { apiId, stage, http } = event.requestContext;
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${apiId}/${stage}/${http.method}${http.path}`;
}

/** The authorizer's event: the route's request without body, with type, routeArn and identity values. */
export function buildAuthorizerEvent(
  event: APIGatewayProxyEventV2,
  identitySource: readonly string[],
): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: routeArnOf(event),
    identitySource: [...identitySource],
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    ...(event.cookies ? { cookies: [...event.cookies] } : {}),
    headers: { ...event.headers },
    ...(event.queryStringParameters ? { queryStringParameters: { ...event.queryStringParameters } } : {}),
    requestContext: structuredClone(event.requestContext),
    ...(event.pathParameters ? { pathParameters: { ...event.pathParameters } } : {}),
    ...(event.stageVariables ? { stageVariables: { ...event.stageVariables } } : {}),
  } as APIGatewayRequestAuthorizerEventV2;
}

export type AuthorizationOutcome =
  | { readonly kind: 'allowed'; readonly context: Readonly<Record<string, unknown>>; readonly cached: boolean }
  | { readonly kind: 'rejected'; readonly response: GatewayResponse; readonly cached: boolean };

interface CachedDecision {
  readonly expiresAt: number;
  readonly isAuthorized: boolean;
  readonly context: Readonly<Record<string, unknown>>;
}

interface Authorizer {
  readonly fn: FunctionSpec;
  readonly handler: Handler;
  readonly sources: readonly IdentitySource[];
  readonly ttlMs: number;
}

export interface LocalAuthorizersOptions {
  /** The manifest's functions; those with `authorizer` set are the authorizers. */
  readonly functions: readonly FunctionSpec[];
  readonly handlers: ReadonlyMap<string, Handler>;
  readonly logger: RuntimeLogger;
  /** Milliseconds now (tests move time to expire cached answers). */
  readonly now?: () => number;
}

/** A cap on cached decisions: expired ones go first, then the oldest (Map keeps insertion order). */
const MAX_CACHED_DECISIONS = 10_000;

/** The manifest's Lambda authorizers, invoked and cached the way API Gateway does. */
export class LocalAuthorizers {
  private readonly authorizers = new Map<string, Authorizer>();
  private readonly cache = new Map<string, CachedDecision>();
  private readonly now: () => number;
  private readonly logger: RuntimeLogger;

  constructor(options: LocalAuthorizersOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    for (const fn of options.functions) {
      if (!fn.authorizer) continue;
      const handler = options.handlers.get(fn.name);
      if (!handler) throw new Error(`no handler loaded for authorizer ${fn.name}`);
      const sources = fn.authorizer.identitySource.map(parseIdentitySource);
      const ttlSeconds = fn.authorizer.resultTtlSeconds;
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > 3600) {
        throw new Error(`authorizer ${fn.name}: resultTtlSeconds must be an integer from 0 to 3600`);
      }
      if (ttlSeconds > 0 && sources.length === 0) {
        throw new Error(`authorizer ${fn.name}: caching needs at least one identity source`);
      }
      for (const source of sources.filter((s) => s.kind === 'path')) {
        this.logger.warn(
          `authorizer ${fn.name}: identity source ${source.expression} is evaluated locally, but API Gateway HTTP APIs accept only ` +
            '$request.header, $request.querystring, $context and $stageVariables (e.g. $context.path): a deploy would be refused',
        );
      }
      this.authorizers.set(fn.name, { fn, handler, sources, ttlMs: ttlSeconds * 1000 });
    }
  }

  has(name: string): boolean {
    return this.authorizers.has(name);
  }

  /** Decides a route request; on `allowed`, put `context` into `requestContext.authorizer.lambda`. */
  async authorize(name: string, event: APIGatewayProxyEventV2): Promise<AuthorizationOutcome> {
    const authorizer = this.authorizers.get(name);
    if (!authorizer) throw new Error(`route ${event.routeKey} names ${name}, which is not an authorizer`);
    const values: string[] = [];
    for (const source of authorizer.sources) {
      const value = identitySourceValue(source, event);
      if (value === undefined) return { kind: 'rejected', response: authorizerResponses.unauthorized(), cached: false };
      values.push(value);
    }

    const cacheKey = JSON.stringify([name, values]);
    const cached = authorizer.ttlMs > 0 ? this.cache.get(cacheKey) : undefined;
    if (cached && cached.expiresAt > this.now()) return decisionOutcome(cached, true);

    const outcome = await invokeHandler(authorizer.handler, buildAuthorizerEvent(event, values), authorizer.fn);
    if (!outcome.ok) {
      this.logger.error(`${name} (${outcome.requestId}) failed: ${describeError(outcome.error)}`);
      return { kind: 'rejected', response: authorizerResponses.internalServerError(), cached: false };
    }
    const decision = simpleResponseOf(outcome.result);
    if (typeof decision === 'string') {
      this.logger.error(`${name}: ${decision}`);
      return { kind: 'rejected', response: authorizerResponses.internalServerError(), cached: false };
    }
    if (authorizer.ttlMs > 0) this.remember(cacheKey, { ...decision, expiresAt: this.now() + authorizer.ttlMs });
    return decisionOutcome(decision, false);
  }

  private remember(key: string, decision: CachedDecision): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_CACHED_DECISIONS) {
      const now = this.now();
      for (const [k, v] of this.cache) if (v.expiresAt <= now) this.cache.delete(k);
      while (this.cache.size >= MAX_CACHED_DECISIONS) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(key, decision);
  }
}

function decisionOutcome(decision: Omit<CachedDecision, 'expiresAt'>, cached: boolean): AuthorizationOutcome {
  return decision.isAuthorized
    ? { kind: 'allowed', context: decision.context, cached }
    : { kind: 'rejected', response: authorizerResponses.forbidden(), cached };
}

/** A simple response `{isAuthorized, context?}`, or why the answer is not one. */
function simpleResponseOf(result: unknown): Omit<CachedDecision, 'expiresAt'> | string {
  if (typeof result !== 'object' || result === null || typeof (result as { isAuthorized?: unknown }).isAuthorized !== 'boolean') {
    return 'the authorizer did not return a simple response ({"isAuthorized": true|false, "context"?: {...}})';
  }
  const { isAuthorized, context } = result as { isAuthorized: boolean; context?: unknown };
  if (context !== undefined && context !== null && (typeof context !== 'object' || Array.isArray(context))) {
    return 'the authorizer returned a context that is not an object';
  }
  return { isAuthorized, context: { ...((context as Record<string, unknown> | null | undefined) ?? {}) } };
}
