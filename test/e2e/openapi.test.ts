/**
 * The OpenAPI document against the running API (`npm start`, embedded backend):
 * - `GET /openapi.json` serves the document generated from the manifest, and docs/openapi.json
 *   is that document (stale docs fail here: run `npm run openapi`);
 * - every operation of the document is driven with generated malformed input (fast-check):
 *   unknown and prototype-named parameters, loose numbers, repeated values, bytes that are not
 *   UTF-8, NUL and lone surrogates, random JSON, padding, wrong media types. No answer may be a
 *   5xx, and every 4xx the API itself gives is problem+json.
 *
 * API Gateway answers some requests before any function runs, with its own `{"message": ...}`
 * JSON (no route: 404; an authorizer saying no: 401/403; a body over 10 MB: 413). The local
 * runtime reproduces those, and they are accepted here only in those cases. Web pages (documented
 * as text/html) answer their refusals as HTML pages instead of problem+json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { manifest } from '../../lambdas/manifest';
import { USER_POOL_AUTHORIZER } from '../../lambdas/platform/manifest-types';
import { EMBEDDED_DEMO_APP_ID, EMBEDDED_DEMO_APP_KEY } from '../../lambdas/tracking/app-events-wiring';
import { eventlineOpenApi } from '../../scripts/local-runtime/openapi-document';
import { type RunningRuntime, startRuntimeProcess } from '../../scripts/local-runtime/spawn-runtime';

type Operation = {
  operationId: string;
  parameters: { name: string; in: 'path' | 'query'; required: boolean; schema: { type?: string } }[];
  requestBody?: unknown;
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
};

let runtime: RunningRuntime;
/** The local admin's access token: user-pool routes are fuzzed as a signed-in admin, past the JWT authorizer. */
let adminToken: string;
beforeAll(async () => {
  runtime = await startRuntimeProcess({ EVENTLINE_BACKEND: 'embedded' });
  const res = await fetch(`${runtime.url}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'Local-admin-password-1' }),
  });
  adminToken = ((await res.json()) as { accessToken: string }).accessToken;
}, 120_000);
afterAll(() => runtime?.stop(), 60_000);

describe('the OpenAPI document', () => {
  it('is served at GET /openapi.json and committed as docs/openapi.json, both generated from the manifest', async () => {
    const res = await fetch(`${runtime.url}/openapi.json`);
    expect(res.status).toBe(200);
    const served = (await res.json()) as { paths: Record<string, Record<string, Operation>> };
    const generated = eventlineOpenApi(manifest);
    expect(served).toEqual(generated);
    const committed = readFileSync(path.resolve(__dirname, '../../docs/openapi.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(generated, null, 2)}\n`);
    const operations = Object.values(served.paths as Record<string, Record<string, Operation>>).flatMap(Object.values);
    const routes = manifest.functions.flatMap((fn) => fn.routes ?? []);
    expect(operations.map((o) => o.operationId).sort()).toEqual(routes.map((r) => r.operation).sort());
  });
});

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineSetter__'];

/** Percent-encoded random bytes: often not UTF-8 at all. */
const encodedBytes = fc
  .uint8Array({ maxLength: 12 })
  .map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
const hostileText = fc.oneof(
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom('0x10', '1e3', '%205', '5%20', '-0', '05', '1.5', '9'.repeat(30), '%00', '', 'NaN', 'Infinity', 'null'),
  fc.constantFrom(...PROTO_NAMES),
  encodedBytes,
  fc.string({ minLength: 200, maxLength: 3000 }).map(encodeURIComponent),
);

function queryString(operation: Operation): fc.Arbitrary<string> {
  const declared = operation.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const name = fc.oneof(
    ...(declared.length > 0 ? [fc.constantFrom(...declared)] : []),
    fc.constantFrom(...PROTO_NAMES),
    hostileText,
  );
  return fc
    .array(fc.tuple(name, hostileText, fc.boolean()), { maxLength: 8 })
    .map((pairs) => pairs.map(([n, v, bare]) => (bare ? n : `${n}=${v}`)).join('&'));
}

const jsonText = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.constantFrom('{"events":[{"type":"a\\u0000","user_id":"u"}]}', '{"cookie":"\\ud800"}', '{"\\udfff":1}', '[', '{"a":1', ''),
  fc.object({ maxDepth: 3 }).map((o) => `${JSON.stringify(o)}${' '.repeat(5000)}`),
  fc.string({ maxLength: 200 }),
  fc.constant(`${'['.repeat(5000)}${']'.repeat(5000)}`),
);

interface Sent {
  readonly method: string;
  readonly url: string;
  readonly init: RequestInit;
}

function requests(pathTemplate: string, method: string, operation: Operation): fc.Arbitrary<Sent> {
  const pathValue = fc.oneof(fc.constant(EMBEDDED_DEMO_APP_ID), fc.constantFrom(...PROTO_NAMES), hostileText);
  const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s as object));
  const secured = schemes.some((scheme) => scheme !== USER_POOL_AUTHORIZER);
  const signedIn = schemes.includes(USER_POOL_AUTHORIZER);
  return fc
    .record({
      params: fc.array(pathValue, { minLength: 4, maxLength: 4 }),
      query: queryString(operation),
      body: jsonText,
      contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded'),
      keepAppPath: fc.boolean(),
    })
    .map(({ params, query, body, contentType, keepAppPath }) => {
      let i = 0;
      const filled = pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = params[i++] ?? 'x';
        // Behind the app-key authorizer, mostly the key's own app, so requests reach the function.
        if (secured && name === 'appId' && keepAppPath) return EMBEDDED_DEMO_APP_ID;
        return value === '' ? 'x' : value.replace(/\//g, '%2F');
      });
      const headers: Record<string, string> = { 'content-type': contentType };
      if (secured) headers['x-api-key'] = EMBEDDED_DEMO_APP_KEY;
      if (signedIn) headers.authorization = `Bearer ${adminToken}`;
      return {
        method,
        url: `${runtime.url}${filled}${query ? `?${query}` : ''}`,
        init: { method, headers, ...(method === 'GET' ? {} : { body }) },
      };
    });
}

/** API Gateway's own answers (before any function): its JSON `{"message"}`, only for these. */
const GATEWAY_STATUSES = new Set([401, 403, 404, 413]);

describe('every operation under generated malformed input', () => {
  const document = eventlineOpenApi(manifest) as { paths: Record<string, Record<string, Operation>> };
  const operations = Object.entries(document.paths).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => ({ p, m, op })));

  it.each(operations.map(({ p, m, op }) => [`${m.toUpperCase()} ${p}`, p, m, op] as const))(
    '%s: no 5xx, every 4xx of ours is problem+json',
    async (_label, pathTemplate, method, operation) => {
      const seen = new Map<number, number>();
      const htmlRefusals = operation.responses?.['400']?.content?.['text/html'] !== undefined;
      await fc.assert(
        fc.asyncProperty(requests(pathTemplate, method.toUpperCase(), operation), async (sent) => {
          const res = await fetch(sent.url, sent.init);
          const text = await res.text();
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          const contentType = res.headers.get('content-type') ?? '';
          const where = `${sent.method} ${sent.url.slice(0, 300)} -> ${res.status} ${text.slice(0, 300)}`;
          if (res.status >= 500) throw new Error(`5xx: ${where}`);
          if (res.status >= 400 && htmlRefusals && contentType.startsWith('text/html')) {
            expect(text.startsWith('<!doctype html>')).toBe(true);
          } else if (res.status >= 400) {
            const fromGateway = GATEWAY_STATUSES.has(res.status) && typeof JSON.parse(text).message === 'string';
            if (!fromGateway && !contentType.startsWith('application/problem+json'))
              throw new Error(`not problem+json: ${where}`);
            if (!fromGateway) {
              const problem = JSON.parse(text);
              expect(problem.status).toBe(res.status);
              expect(typeof problem.type).toBe('string');
              expect(Buffer.byteLength(text)).toBeLessThan(16 * 1024);
            }
          }
        }),
        // A fixed seed keeps CI repeatable; EVENTLINE_FUZZ_SEED explores others.
        { numRuns: 150, seed: Number(process.env.EVENTLINE_FUZZ_SEED ?? 6) },
      );
      // The input reached the functions' own validation, not only the gateway.
      expect(seen.get(400) ?? 0).toBeGreaterThan(0);
    },
    120_000,
  );
});
