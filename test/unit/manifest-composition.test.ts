/**
 * Capabilities as modules: the platform imports no capability (nor the app manifest), and
 * `composeManifest` joins capability manifests and refuses an inconsistent whole.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { manifest } from '../../lambdas/manifest';
import { platformDeclarations } from '../../lambdas/platform/declarations';
import {
  type CapabilityManifest,
  composeManifest,
  type FunctionSpec,
  metricsEmittedBy,
} from '../../lambdas/platform/manifest-types';

const LAMBDAS = path.resolve(__dirname, '../../lambdas');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('module boundaries', () => {
  it('lambdas/platform imports nothing outside lambdas/platform (no capability, no app manifest)', () => {
    const platformDir = path.join(LAMBDAS, 'platform');
    const offenders: string[] = [];
    for (const file of filesUnder(platformDir)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const target = path.resolve(path.dirname(file), match[1]!);
        if (!target.startsWith(`${platformDir}${path.sep}`)) offenders.push(`${path.relative(LAMBDAS, file)} → ${match[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("a capability imports no other capability, except another's contract module (its published API)", () => {
    const capabilities = readdirSync(LAMBDAS).filter((n) => n !== 'platform' && statSync(path.join(LAMBDAS, n)).isDirectory());
    const offenders: string[] = [];
    for (const capability of capabilities) {
      const own = path.join(LAMBDAS, capability);
      for (const file of filesUnder(own)) {
        for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
          const target = path.resolve(path.dirname(file), match[1]!);
          const inside = target.startsWith(`${own}${path.sep}`) || target.startsWith(path.join(LAMBDAS, 'platform') + path.sep);
          const contract = /^[a-z]+[/\\]contract$/.test(path.relative(LAMBDAS, target));
          if (!inside && !contract) offenders.push(`${path.relative(LAMBDAS, file)} → ${match[1]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

const route = {
  method: 'GET' as const,
  path: '/v1/things',
  operation: 'listThings',
  summary: 'things',
  publicBecause: 'a public list',
  responses: { 200: { description: 'ok', body: z.object({}) } },
};
const fn = (overrides: Partial<FunctionSpec> = {}): FunctionSpec => ({
  name: 'people-list-things',
  capability: 'people',
  description: 'lists things',
  entry: 'lambdas/people/handlers/list.ts',
  memoryMb: 128,
  timeoutSeconds: 3,
  uses: [],
  routes: [route],
  ...overrides,
});
const people = (overrides: Partial<CapabilityManifest> = {}): CapabilityManifest => ({
  capability: 'people',
  functions: [fn()],
  sqlMigrations: 'lambdas/people/migrations',
  ...overrides,
});

describe('composeManifest', () => {
  it('joins the platform and the capabilities: topics, functions, dashboards, migrations in order', () => {
    const composed = composeManifest(platformDeclarations, [
      people({ topics: [{ name: 'people.profiles', partitions: 1, retentionHours: 1, description: 'p' }] }),
    ]);
    expect(composed.metricNamespace).toBe('Eventline');
    expect(composed.topics.map((t) => t.name)).toEqual(['platform.dead-letters', 'people.profiles']);
    expect(composed.migrations).toEqual([{ namespace: 'people', directory: 'lambdas/people/migrations' }]);
    expect(metricsEmittedBy(composed.functions[0]!)).toEqual(['listThings2xx', 'listThings4xx', 'listThings5xx']);
  });

  it.each([
    [
      'a public route without its reason',
      [people({ functions: [fn({ routes: [{ ...route, publicBecause: undefined }] })] })],
      /no authorizer and no publicBecause/,
    ],
    ['a capability twice', [people(), people()], /composed twice/],
    ['a function of another capability', [people({ functions: [fn({ capability: 'tracking' })] })], /but says tracking/],
    [
      'a function not named after its capability',
      [people({ functions: [fn({ name: 'list-things' })] })],
      /does not start with people-/,
    ],
    [
      'a route without its contract',
      [people({ functions: [fn({ routes: [{ method: 'GET', path: '/x' }] })] })],
      /lacks its contract/,
    ],
    [
      'a path parameter without a schema',
      [people({ functions: [fn({ routes: [{ ...route, path: '/v1/things/{id}' }] })] })],
      /no pathParameters schema/,
    ],
    [
      'an operation used twice',
      [people({ functions: [fn(), fn({ name: 'people-other', routes: [{ ...route, path: '/v1/other' }] })] })],
      /operation listThings used twice/,
    ],
    [
      'a dashboard metric no function emits',
      [
        people({
          dashboard: {
            title: 'People',
            widgets: [{ title: 'w', metrics: [{ kind: 'custom', metricName: 'Nope', label: 'x' }] }],
          },
        }),
      ],
      /Nope, which no function emits/,
    ],
    [
      'a subscription to an undeclared topic',
      [
        people({
          functions: [
            fn({
              routes: [],
              subscriptions: [
                {
                  topic: 'nowhere',
                  consumerGroup: 'g',
                  batchSize: 1,
                  maxBatchingWindowSeconds: 1,
                  retryAttempts: 1,
                  deadLetter: true,
                  startingPosition: 'LATEST',
                },
              ],
            }),
          ],
        }),
      ],
      /undeclared topic nowhere/,
    ],
  ])('refuses %s', (_label, capabilities, message) => {
    expect(() => composeManifest(platformDeclarations, capabilities as CapabilityManifest[])).toThrow(message);
  });

  it("composes Eventline's own manifest, every custom dashboard metric emitted by some function", () => {
    const emitted = new Set(manifest.functions.flatMap(metricsEmittedBy));
    const shown = (manifest.dashboards ?? []).flatMap((d) => d.widgets.flatMap((w) => w.metrics));
    for (const metric of shown) if (metric.kind === 'custom') expect(emitted).toContain(metric.metricName);
    // Tracking's migrations come first: it was the first capability, and order is history.
    expect(manifest.migrations[0]).toEqual({ namespace: 'tracking', directory: 'lambdas/tracking/migrations' });
  });
});
