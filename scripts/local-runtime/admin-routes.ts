import { DomainError } from '../../lambdas/platform/errors';
import type { Mailer } from '../../lambdas/platform/mailer/mailer';
import { platform } from '../../lambdas/platform/wiring';
import type { GatewayResponse } from './apigw-response';
import type { AdminRoutes } from './http-gateway';
import { describeError } from './runtime-logger';
import { type LocalScheduler, UnknownScheduleError } from './scheduler';

/**
 * The runtime's own routes under `/__local/` (never deployed):
 * - `GET /__local/health` → 200 `{"status":"ok"}` once the runtime serves;
 * - `POST /__local/schedules/{name}` → runs that schedule now and answers the run as JSON;
 * - `GET /__local/outbox` → every mail the handlers sent, oldest first, as a JSON array of
 *   `{messageId, from, to, subject, text, html, sentAt}`: the embedded mailer's outbox, or with
 *   `services` what the SES emulator received (its `GET /store`, shared by whoever uses it).
 * Errors are application/problem+json.
 */

export interface LocalAdminOptions {
  /** The mailer whose outbox `GET /__local/outbox` shows (default: the platform's, which the handlers send with). */
  readonly mailer?: () => Promise<Mailer>;
}

function json(statusCode: number, value: unknown, contentType = 'application/json'): GatewayResponse {
  return { statusCode, headers: { 'content-type': [contentType] }, body: Buffer.from(JSON.stringify(value)), warnings: [] };
}

function problem(status: number, title: string, detail: string): GatewayResponse {
  return json(status, { type: 'about:blank', title, status, detail }, 'application/problem+json');
}

export function localAdminRoutes(scheduler: LocalScheduler, options: LocalAdminOptions = {}): AdminRoutes {
  const mailer = options.mailer ?? (() => platform.mailer());
  return async (method, segments) => {
    if (method === 'GET' && segments.length === 1 && segments[0] === 'health') return json(200, { status: 'ok' });
    if (method === 'GET' && segments.length === 1 && segments[0] === 'outbox') {
      try {
        const local = await mailer();
        if (!local.outbox) return problem(404, 'No outbox', 'this mailer keeps no outbox');
        return json(200, await local.outbox());
      } catch (error) {
        if (error instanceof DomainError && error.kind === 'unavailable')
          return problem(503, 'Outbox unavailable', error.message);
        return problem(500, 'Outbox failed', describeError(error));
      }
    }
    if (method === 'POST' && segments.length === 2 && segments[0] === 'schedules') {
      try {
        return json(200, await scheduler.run(segments[1]));
      } catch (error) {
        if (error instanceof UnknownScheduleError) return problem(404, 'Unknown schedule', error.message);
        return problem(500, 'Scheduled run failed', describeError(error));
      }
    }
    return undefined;
  };
}
