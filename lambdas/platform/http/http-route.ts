import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ZodType } from 'zod';
import { logger, metrics, tracer } from '../observability';
import { HttpProblem, Problems } from './problem';
import { parseJsonBody, rawBodyOf, validate } from './request';

export type HttpResponse = APIGatewayProxyStructuredResultV2;

/** What a route declares about its input; every part it names is validated before `handle`. */
export interface RouteSpec<B, Q, P> {
  /** Names the operation in logs and metrics. */
  readonly operation: string;
  readonly body?: ZodType<B>;
  readonly query?: ZodType<Q>;
  readonly path?: ZodType<P>;
  /** Largest accepted body in bytes (default 64 KiB). */
  readonly maxBodyBytes?: number;
}

export interface RouteInput<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly path: P;
  /** The body exactly as sent (after base64 decoding), for stores that keep it byte-for-byte. */
  readonly rawBody: string;
  readonly event: APIGatewayProxyEventV2;
  readonly context: Context;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * The one way HTTP handlers are written: Powertools logger, tracer and metrics around a
 * function that gets validated input and returns a response. Every thrown `HttpProblem`
 * becomes its problem+json response; anything else is logged and answered with a 500
 * problem that says nothing about internals.
 */
export function httpRoute<B = undefined, Q = undefined, P = undefined>(
  spec: RouteSpec<B, Q, P>,
  handle: (input: RouteInput<B, Q, P>) => Promise<HttpResponse>,
) {
  const maxBodyBytes = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const run = async (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResponse> => {
    try {
      const rawBody = rawBodyOf(event, maxBodyBytes);
      const path = spec.path ? validate(spec.path, event.pathParameters ?? {}, 'path') : (undefined as P);
      const query = spec.query ? validate(spec.query, event.queryStringParameters ?? {}, 'query') : (undefined as Q);
      const body = spec.body ? validate(spec.body, parseJsonBody(event, rawBody), 'body') : (undefined as B);
      return counted(spec.operation, await handle({ body, query, path, rawBody, event, context }));
    } catch (error) {
      return counted(spec.operation, problemFor(error, spec.operation));
    }
  };
  return middy(run)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics));
}

/** One count per answer and status class (`ingestUserTag2xx`, `…4xx`), for the dashboards. */
function counted(operation: string, response: HttpResponse): HttpResponse {
  const statusClass = Math.floor((response.statusCode ?? 200) / 100);
  metrics.addMetric(`${operation}${statusClass}xx`, MetricUnit.Count, 1);
  return response;
}

function problemFor(error: unknown, operation: string): HttpResponse {
  if (error instanceof HttpProblem) {
    if (error.status >= 500) logger.error(`${operation} failed`, { problem: error.slug, detail: error.detail });
    else logger.info(`${operation} rejected`, { problem: error.slug, status: error.status });
    return error.toResponse();
  }
  logger.error(`${operation} failed unexpectedly`, error as Error);
  return Problems.internal().toResponse();
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
