import type { FunctionSpec } from '../../lambdas/platform/manifest-types';

/** A manifest function for runtime tests: only what a test cares about needs saying. */
export function testFunction(name: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    name,
    capability: 'tracking',
    description: name,
    entry: `test/${name}.ts`,
    memoryMb: 128,
    timeoutSeconds: 3,
    uses: [],
    ...overrides,
  };
}
