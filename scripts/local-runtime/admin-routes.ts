import type { GatewayResponse } from './apigw-response';
import type { AdminRoutes } from './http-gateway';
import { describeError } from './runtime-logger';
import { type LocalScheduler, UnknownScheduleError } from './scheduler';

/**
 * The runtime's own routes under `/__local/` (never deployed):
 * - `GET /__local/health` → 200 `{"status":"ok"}` once the runtime serves;
 * - `POST /__local/schedules/{name}` → runs that schedule now and answers the run as JSON.
 * Errors are application/problem+json.
 */

function json(statusCode: number, value: unknown, contentType = 'application/json'): GatewayResponse {
  return { statusCode, headers: { 'content-type': [contentType] }, body: Buffer.from(JSON.stringify(value)), warnings: [] };
}

function problem(status: number, title: string, detail: string): GatewayResponse {
  return json(status, { type: 'about:blank', title, status, detail }, 'application/problem+json');
}

export function localAdminRoutes(scheduler: LocalScheduler): AdminRoutes {
  return async (method, segments) => {
    if (method === 'GET' && segments.length === 1 && segments[0] === 'health') return json(200, { status: 'ok' });
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
