import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Handler } from 'aws-lambda';
import { USER_POOL_AUTHORIZER } from '../../lambdas/platform/manifest-types';
import { buildHttpApiEvent, decodePathSegments, type IncomingHttpRequest, newApiGatewayRequestId } from './apigw-event';
import { type GatewayResponse, gatewayResponses, toGatewayResponse } from './apigw-response';
import type { LocalJwtAuthorizer } from './jwt-authorizer';
import type { LocalAuthorizers } from './lambda-authorizer';
import { invokeHandler } from './lambda-invoker';
import type { RouteTable } from './route-matcher';
import { describeError, type RuntimeLogger } from './runtime-logger';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
/** Lambda's limit for a synchronous invocation's event and for its response. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** HTTP APIs wait at most 30 s for an integration, whatever the function's own timeout. */
export const INTEGRATION_TIMEOUT_MS = 30_000;

/** Answers for the runtime's own `/__local/...` routes; `undefined` means "not an admin route". */
export type AdminRoutes = (method: string, segments: readonly string[]) => Promise<GatewayResponse | undefined>;

export interface HttpGatewayOptions {
  readonly routes: RouteTable;
  /** The loaded handler of each function, by function name. */
  readonly handlers: ReadonlyMap<string, Handler>;
  readonly logger: RuntimeLogger;
  readonly adminRoutes?: AdminRoutes;
  /** JSON documents the runtime itself serves on GET, by path (e.g. `/openapi.json`); never deployed. */
  readonly documents?: ReadonlyMap<string, unknown>;
  /** API Gateway's JWT authorizer for routes behind the user pool. */
  readonly userPool?: LocalJwtAuthorizer;
  /** The manifest's Lambda authorizers, for routes that name one. */
  readonly authorizers?: LocalAuthorizers;
  readonly integrationTimeoutMs?: number;
  readonly maxRequestBodyBytes?: number;
}

export interface HttpGateway {
  readonly server: http.Server;
  /** Resolves with the base URL (`http://127.0.0.1:3000`) once the port accepts connections. */
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Too large: answer 413 at once and discard the rest of the upload, so the client (which is
    // usually still sending) reads the answer instead of a reset connection.
    const tooLarge = () => {
      req.removeAllListeners('data');
      req.resume();
      reject(new BodyTooLargeError());
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sourceIpOf(req: http.IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * JSON-escaping grows a string at most 6× (`\u00XX`); Node refuses request headers over 16 KiB.
 * Below these bounds an event or a response surely fits Lambda's 6 MB and is not serialized just
 * to be measured (it was, twice per request).
 */
const ESCAPE_GROWTH = 6;
const SURELY_SMALL_REST_BYTES = 256 * 1024;

function eventSurelyFits(event: APIGatewayProxyEventV2): boolean {
  if ((event.requestContext as { authorizer?: unknown }).authorizer !== undefined) return false;
  return (event.body?.length ?? 0) * ESCAPE_GROWTH + SURELY_SMALL_REST_BYTES < MAX_INVOKE_PAYLOAD_BYTES;
}

function resultSurelyFits(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return typeof result !== 'string';
  const { body, headers, cookies, ...rest } = result as { body?: unknown; headers?: unknown; cookies?: unknown };
  let chars = typeof body === 'string' ? body.length : body === undefined ? 0 : Number.POSITIVE_INFINITY;
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== 'object') return false;
    for (const [name, value] of Object.entries(headers)) chars += name.length + String(value).length;
  }
  if (cookies !== undefined) {
    if (!Array.isArray(cookies)) return false;
    for (const cookie of cookies) chars += String(cookie).length;
  }
  for (const value of Object.values(rest)) {
    if (typeof value === 'object' && value !== null) return false;
    chars += String(value).length;
  }
  return chars * ESCAPE_GROWTH + 4096 < MAX_INVOKE_PAYLOAD_BYTES;
}

export function createHttpGateway(options: HttpGatewayOptions): HttpGateway {
  const { routes, handlers, logger } = options;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const maxBody = options.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES;

  async function respond(
    req: http.IncomingMessage,
    requestId: string,
    rawPathEncoded: string,
    rawQueryString: string,
  ): Promise<{ response: GatewayResponse; target?: string }> {
    const receivedAt = new Date();
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = decodePathSegments(rawPathEncoded);

    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return { response: gatewayResponses.payloadTooLarge() };
      throw error;
    }

    const document = method === 'GET' ? options.documents?.get(`/${segments.join('/')}`) : undefined;
    if (document !== undefined) {
      const body = Buffer.from(JSON.stringify(document));
      return { response: { statusCode: 200, headers: { 'content-type': ['application/json'] }, body, warnings: [] } };
    }

    if (segments[0] === '__local' && options.adminRoutes) {
      const admin = await options.adminRoutes(method, segments.slice(1));
      if (admin) return { response: admin, target: 'local-admin' };
    }

    const match = routes.match(method, segments);
    if (!match) return { response: gatewayResponses.notFound() };
    const { fn, routeKey } = match.compiled;
    const handler = handlers.get(fn.name);
    if (!handler) throw new Error(`no handler loaded for ${fn.name}`);

    const request: IncomingHttpRequest = {
      method,
      rawPathEncoded,
      rawQueryString,
      rawHeaders: req.rawHeaders,
      httpVersion: req.httpVersion,
      sourceIp: sourceIpOf(req),
      body,
      receivedAt,
      pathSegments: segments,
    };
    const event = buildHttpApiEvent(request, { routeKey, pathParameters: match.pathParameters }, requestId);
    const authorizerName = match.compiled.route.authorizer;
    if (authorizerName === USER_POOL_AUTHORIZER) {
      if (!options.userPool) throw new Error(`route ${routeKey} needs the user pool, but the runtime has none configured`);
      const decision = await options.userPool.authorize(event);
      if (decision.kind === 'rejected') return { response: decision.response, target: authorizerName };
      // Where API Gateway puts the JWT authorizer's claims for the integration.
      Object.assign(event.requestContext, { authorizer: { jwt: decision.jwt } });
    } else if (authorizerName) {
      if (!options.authorizers) throw new Error(`route ${routeKey} needs authorizer ${authorizerName}, but none is loaded`);
      const decision = await options.authorizers.authorize(authorizerName, event);
      if (decision.kind === 'rejected') return { response: decision.response, target: authorizerName };
      // Where API Gateway puts a Lambda authorizer's context for the integration.
      Object.assign(event.requestContext, { authorizer: { lambda: decision.context } });
    }
    if (!eventSurelyFits(event) && Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES) {
      // In AWS, Lambda refuses an event over 6 MB (a large binary body grows by a third in base64),
      // so the request fails there; failing it here keeps local and cloud alike.
      logger.warn(`${fn.name}: event exceeds Lambda's 6 MB invocation payload limit`);
      return { response: gatewayResponses.payloadTooLarge(), target: fn.name };
    }

    const functionTimeoutMs = fn.timeoutSeconds * 1000;
    const gatewayGivesUpFirst = integrationTimeoutMs < functionTimeoutMs;
    const outcome = await invokeHandler(handler, event, fn, {
      timeoutMs: Math.min(functionTimeoutMs, integrationTimeoutMs),
    });
    if (!outcome.ok) {
      if (outcome.timedOut && gatewayGivesUpFirst) {
        logger.error(`${fn.name}: no response within API Gateway's ${integrationTimeoutMs} ms integration timeout`);
        return { response: gatewayResponses.serviceUnavailable(), target: fn.name };
      }
      // A function error, including Lambda's own "Task timed out", is a 500 from API Gateway.
      logger.error(`${fn.name} (${outcome.requestId}) failed: ${describeError(outcome.error)}`);
      if (outcome.error instanceof Error && outcome.error.stack && !outcome.timedOut) logger.error(outcome.error.stack);
      return { response: gatewayResponses.internalServerError(), target: fn.name };
    }
    if (
      !resultSurelyFits(outcome.result) &&
      Buffer.byteLength(JSON.stringify(outcome.result ?? null)) > MAX_INVOKE_PAYLOAD_BYTES
    ) {
      logger.error(`${fn.name}: response exceeds Lambda's 6 MB payload limit`);
      return { response: gatewayResponses.internalServerError(), target: fn.name };
    }
    try {
      const response = toGatewayResponse(outcome.result);
      for (const warning of response.warnings) logger.warn(`${fn.name}: ${warning}`);
      return { response, target: fn.name };
    } catch (error) {
      logger.error(`${fn.name}: ${describeError(error)}`);
      return { response: gatewayResponses.internalServerError(), target: fn.name };
    }
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    // The same id API Gateway returns in `apigw-requestid` and passes as requestContext.requestId.
    const requestId = newApiGatewayRequestId();
    const write = (response: GatewayResponse, target?: string): void => {
      try {
        for (const [name, values] of Object.entries(response.headers)) {
          res.setHeader(name, values.length === 1 ? values[0] : [...values]);
        }
        res.setHeader('apigw-requestid', requestId);
        res.setHeader('content-length', response.body.length);
        res.statusCode = response.statusCode;
      } catch (error) {
        // Header values Node refuses (e.g. control characters) would be a 500 in API Gateway too.
        logger.error(`${target ?? 'gateway'}: invalid response header: ${describeError(error)}`);
        for (const name of res.getHeaderNames()) res.removeHeader(name);
        write(gatewayResponses.internalServerError(), target);
        return;
      }
      res.end(response.body);
      logger.info(`${req.method} ${path} ${response.statusCode} ${Date.now() - started}ms${target ? ` (${target})` : ''}`);
    };
    respond(req, requestId, path, q === -1 ? '' : url.slice(q + 1)).then(
      ({ response, target }) => write(response, target),
      (error) => {
        logger.error(`gateway error: ${describeError(error)}`);
        write(gatewayResponses.internalServerError());
      },
    );
  });

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
