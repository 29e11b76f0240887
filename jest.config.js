/** Shared by both projects: how test files are compiled and run. */
const common = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)s$': ['@swc/jest', { swcrc: true }],
  },
  // jose ships ES modules only; compile it to CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
};

/**
 * Two projects: `unit` (pure logic, no Postgres: `npm run test:unit`) and `integration`
 * (a real Postgres prepared by the global setup, which runs only when an integration test is
 * selected). `npm test` runs both.
 */
/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // Files run in parallel, each integration file in its own database cloned from a migrated template.
  maxWorkers: '50%',
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/unit/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
