// Three tiers: unit specs next to the code, integration specs against real
// PostgreSQL, end-to-end specs that start the apps as processes; fuzz specs
// that send those processes seeded random requests; and fault and chaos specs
// that kill them.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  },
];
const moduleNameMapper = {
  '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@app/([a-z-]+)/([a-z.-]+)$': '<rootDir>/libs/$1/src/$2',
  // In-process tests run the CLI against the client's source, not its last build.
  '^@tcc-coordinator/client$': '<rootDir>/libs/coordinator-client/src',
};
const common = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/libs/[^/]+/dist', '<rootDir>/.data'],
};

module.exports = {
  // Jest reads testTimeout only here, not per project. Race tests run 50 rounds against real
  // PostgreSQL and the e2e tiers start processes: on a loaded 2-core box that exceeds 5 s.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{apps,libs}/**/*.spec.ts',
        '<rootDir>/bin/**/*.spec.ts',
        '<rootDir>/scripts/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'fuzz',
      // Property-based: seeded random requests against the running apps (npm run fuzz for long runs).
      testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'fault',
      testMatch: [
        '<rootDir>/test/fault/**/*.fault-spec.ts',
        '<rootDir>/test/chaos/**/*.chaos-spec.ts',
      ],
      // The e2e setup, plus a build of the controllable test participant.
      globalSetup: '<rootDir>/test/fault/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
