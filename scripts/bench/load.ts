import http from 'node:http';
import { HttpClient } from './http-client';
import { summarize } from './stats';

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly statuses: Readonly<Record<number, number>>;
}

export interface LoadRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/**
 * Closed loop: sends `total` requests with `concurrency` in flight over keep-alive connections
 * and measures each one. Bounded in count, loopback only.
 */
export async function runLoad(
  baseUrl: string,
  total: number,
  concurrency: number,
  next: (i: number) => LoadRequest,
): Promise<LoadResult> {
  const client = new HttpClient(baseUrl, { maxSockets: concurrency, timeoutMs: 30_000 });
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let issued = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (issued < total) {
      const request = next(issued++);
      const answer = await client.request(request.method, request.path, request.body);
      latencies.push(answer.ms);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  client.close();
  const summary = summarize(latencies);
  return { requests: total, seconds, perSecond: total / seconds, p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, statuses };
}

/** The baseline: a bare Node HTTP server that reads the body and answers 204. */
export function startBareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(204);
      res.end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
