import { type LatencySummary, summarize } from './stats';

/**
 * Reads what the local runtime printed (one line per request, and one per consumer batch when it
 * runs with EVENTLINE_LOG_LEVEL=debug; see scripts/local-runtime/runtime-logger.ts) into
 * server-side figures: time spent in each route's handler as the runtime measured it, and each
 * consumer's batches. Comparing them with the client's latencies
 * shows where the time goes (handler vs. queueing in a busy process).
 */
export interface ConsumerFigures {
  readonly batches: number;
  readonly records: number;
  readonly meanBatchSize: number;
  readonly batchMs: LatencySummary;
  /** Sum of batch durations: how long the consumer was busy. */
  readonly busySeconds: number;
}

export interface RuntimeFigures {
  readonly routes: Record<string, LatencySummary>;
  readonly consumers: Record<string, ConsumerFigures>;
}

const REQUEST = /^(GET|POST|PUT|PATCH|DELETE) (\/\S*) (\d{3}) (\d+)ms/;
const BATCH = /-> ([\w-]+): \S+ offsets \d+\.\.\d+ \((\d+) records?\) ok (\d+)ms/;

/** `/user_profiles/abc` → `POST /user_profiles/{cookie}`; other paths as they are. */
function defaultRouteOf(method: string, path: string): string {
  if (path.startsWith('/user_profiles/')) return `${method} /user_profiles/{cookie}`;
  return `${method} ${path.split('?')[0]}`;
}

/** `routeOf` names the route of a request line's method and path (query included). */
export function readRuntimeLog(output: string, routeOf = defaultRouteOf): RuntimeFigures {
  const requestMs = new Map<string, number[]>();
  const batches = new Map<string, { records: number; ms: number[] }>();
  for (const line of output.split('\n')) {
    const request = REQUEST.exec(line);
    if (request) {
      const route = routeOf(request[1], request[2]);
      const list = requestMs.get(route) ?? [];
      requestMs.set(route, list);
      list.push(Number(request[4]));
      continue;
    }
    const batch = BATCH.exec(line);
    if (batch) {
      const entry = batches.get(batch[1]) ?? { records: 0, ms: [] };
      batches.set(batch[1], entry);
      entry.records += Number(batch[2]);
      entry.ms.push(Number(batch[3]));
    }
  }
  const routes: Record<string, LatencySummary> = {};
  for (const [route, ms] of requestMs) routes[route] = summarize(ms);
  const consumers: Record<string, ConsumerFigures> = {};
  for (const [fn, { records, ms }] of batches) {
    consumers[fn] = {
      batches: ms.length,
      records,
      meanBatchSize: records / ms.length,
      batchMs: summarize(ms),
      busySeconds: ms.reduce((total, value) => total + value, 0) / 1000,
    };
  }
  return { routes, consumers };
}
