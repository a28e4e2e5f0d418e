/**
 * What `npm start` prints (the real process, embedded backend): by default at most one line per
 * request, however many tags the consumers apply, and no Powertools warning; at debug
 * (`--verbose` / EVENTLINE_LOG_LEVEL=debug) the consumers' batches and the handlers' own logs.
 */
import { randomBytes } from 'node:crypto';
import { eventually, type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';

const TAGS = 240;
const INVALID = 12;
const IN_FLIGHT = 12;
const COOKIES = 8;

const tag = (cookie: string, i: number, action = 'VIEW') =>
  JSON.stringify({
    time: new Date(Date.UTC(2022, 2, 1) + i * 1000).toISOString(),
    cookie,
    country: 'PL',
    device: 'PC',
    action,
    origin: `origin-${i % 5}`,
    product_info: { product_id: i, brand_id: `brand-${i % 3}`, category_id: 'cat-1', price: 100 + i },
  });

/** Requests made through `call`, counted: each may be worth one line of output, no more. */
function client(runtime: RunningRuntime) {
  let requests = 0;
  return {
    requests: () => requests,
    /** The answer, its body read (or left for the caller with `keepBody`). */
    async call(path: string, body: string, keepBody = false): Promise<Response> {
      requests++;
      const res = await fetch(`${runtime.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (!keepBody) await res.arrayBuffer();
      return res;
    },
  };
}

/** Waits until `cookie`'s profile holds `views` tags: the consumers have applied them. */
function profileHas(http: ReturnType<typeof client>, runtime: RunningRuntime, cookie: string, views: number) {
  const range = '2022-03-01T00:00:00.000_2022-03-02T00:00:00.000';
  return eventually(
    async () => {
      const res = await http.call(`/user_profiles/${cookie}?time_range=${range}&limit=200`, '{}', true);
      return ((await res.json()) as { views: unknown[] }).views.length === views ? true : undefined;
    },
    30_000,
    100,
    () => runtime.output(),
  );
}

/** Where the output after start-up begins: after `npm start`'s own last line. */
const afterStartUp = (runtime: RunningRuntime) =>
  eventually(
    async () => {
      const output = runtime.output();
      const at = output.indexOf('backend) ready on ');
      const end = at === -1 ? -1 : output.indexOf('\n', at);
      return end === -1 ? undefined : end + 1;
    },
    10_000,
    20,
  );

const linesSince = (runtime: RunningRuntime, from: number) =>
  runtime
    .output()
    .slice(from)
    .split('\n')
    .filter((line) => line.trim() !== '');

describe('local runtime output (embedded backend)', () => {
  it('prints at most one line per request by default, whatever the consumers do, and no Powertools warning', async () => {
    const runtime = await startRuntimeProcess({ EVENTLINE_BACKEND: 'embedded' });
    try {
      const from = await afterStartUp(runtime);
      const http = client(runtime);
      const run = randomBytes(3).toString('hex');
      const cookies = Array.from({ length: COOKIES }, (_, i) => `quiet-${run}-${i}`);
      let next = 0;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < TAGS + INVALID) {
            const i = next++;
            // Some refused tags too: the handler's own "rejected" log stays below WARN.
            const body = i < TAGS ? tag(cookies[i % COOKIES]!, i) : tag(cookies[0]!, i, 'CLICK');
            statuses.push((await http.call('/user_tags', body)).status);
          }
        }),
      );
      expect(statuses.filter((s) => s === 204)).toHaveLength(TAGS);
      expect(statuses.filter((s) => s === 400)).toHaveLength(INVALID);
      for (const cookie of cookies) await profileHas(http, runtime, cookie, TAGS / COOKIES);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the last lines' write

      const requests = http.requests();
      const lines = linesSince(runtime, from);
      const accessLines = lines.filter((line) => /^POST \/user_(tags|profiles)\S* \d{3} \d+ms/.test(line));
      expect(lines.join('\n')).not.toContain('No application metrics');
      expect(accessLines).toHaveLength(requests);
      expect(lines.filter((line) => !accessLines.includes(line))).toEqual([]);
      expect(lines.length).toBeLessThanOrEqual(requests);
    } finally {
      await runtime.stop();
    }
  }, 120_000);

  it("at debug prints each consumer batch and the handlers' own logs", async () => {
    // POWERTOOLS_LOG_LEVEL empty: the test environment's ERROR must not decide for the runtime.
    const runtime = await startRuntimeProcess({
      EVENTLINE_BACKEND: 'embedded',
      EVENTLINE_LOG_LEVEL: 'debug',
      POWERTOOLS_LOG_LEVEL: '',
    });
    try {
      const from = await afterStartUp(runtime);
      const http = client(runtime);
      const cookie = `verbose-${randomBytes(3).toString('hex')}`;
      expect((await http.call('/user_tags', tag(cookie, 1))).status).toBe(204);
      expect((await http.call('/user_tags', tag(cookie, 2, 'CLICK'))).status).toBe(400);
      await profileHas(http, runtime, cookie, 1);
      const output = await eventually(
        async () => {
          const text = linesSince(runtime, from).join('\n');
          return text.includes('-> tracking-store-profiles') ? text : undefined;
        },
        10_000,
        100,
        () => runtime.output(),
      );
      expect(output).toMatch(/tracking\.user-tags -> tracking-store-profiles: \S+ offsets \d+\.\.\d+ \(1 record\) ok \d+ms/);
      // Powertools' JSON line for the refused tag (logged at INFO by the handler).
      expect(output).toMatch(/\{.*"level":"INFO".*"message":"ingestUserTag rejected"/);
    } finally {
      await runtime.stop();
    }
  }, 120_000);
});
