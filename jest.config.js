/**
 * One `npm test` runs every project. `unit` needs nothing; `contract` and `e2e` need the local
 * services (scripts/test.ts starts them first); `infra` synthesizes the CDK app. `faults` stops
 * and restarts local services, which breaks any test running beside it: it exists only when
 * EVENTLINE_FAULT_TESTS=1, which scripts/test.ts sets for its last run, alone and in band.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const base = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/quiet-env.ts'],
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'contract', testMatch: ['<rootDir>/test/contract/**/*.test.ts'] },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
    ...(process.env.EVENTLINE_FAULT_TESTS === '1'
      ? [{ ...base, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] }]
      : []),
  ],
};
