// Test kind is in the file name: *.unit.spec.ts run pure and fast; *.int.spec.ts run against the
// real servers (Kafka, the S3 server, PostgreSQL) that the int project's global setup starts once.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // @fastify/static (the Swagger UI at /docs) needs content-disposition 3, which is ESM only: Node
    // requires it natively, jest's CommonJS runtime only once it is compiled.
    '/node_modules/content-disposition/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.cache/'],
};

/** @type {import('jest').Config} */
module.exports = {
  // A global option: jest ignores it inside a project. Int tests wait on real servers on a loaded
  // 2-core machine; every wait inside a test has its own, shorter deadline.
  testTimeout: 120000,
  // Tests start child processes, proxies and servers of their own; when a failing test leaves one
  // behind, the run must still end once its results are written, not hold CI until its deadline.
  forceExit: true,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.spec.ts'] },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
