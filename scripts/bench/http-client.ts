import http from 'node:http';

/** One answer: status 0 when the request failed or timed out (then `error` says why). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** From the request's creation to the last byte of the answer, queueing in the agent included. */
  readonly ms: number;
  readonly error?: string;
  /** The answer's headers (absent when the request failed). */
  readonly headers?: http.IncomingHttpHeaders;
}

/**
 * A keep-alive HTTP client for the benchmarks, loopback only. It never rejects: failures are
 * answers with status 0, so a load generator counts them instead of stopping.
 */
export class HttpClient {
  private readonly url: URL;
  private readonly agent: http.Agent;

  constructor(
    baseUrl: string,
    private readonly options: { maxSockets: number; timeoutMs: number },
  ) {
    this.url = new URL(baseUrl);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(this.url.hostname)) {
      throw new Error(`benchmarks run on loopback only (got ${this.url.hostname})`);
    }
    // An agent timeout makes Node honour the server's `Keep-Alive: timeout=5` hint (it closes an
    // idle socket a second before the server would); without it a request sent on a socket the
    // server is closing fails with ECONNRESET, a client artefact that would count as a drop.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, timeout: 60_000 });
  }

  request(method: string, path: string, body = '', headers: Readonly<Record<string, string>> = {}): Promise<HttpAnswer> {
    const started = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
    return new Promise((resolve) => {
      let settled = false;
      const done = (answer: HttpAnswer) => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      const req = http.request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: ms(), headers: res.headers }),
          );
          res.on('error', (error) => done({ status: 0, body: '', ms: ms(), error: error.message }));
        },
      );
      req.setTimeout(this.options.timeoutMs, () => {
        req.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`));
      });
      req.on('error', (error) => done({ status: 0, body: '', ms: ms(), error: error.message }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Parses a JSON answer body, or returns undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
