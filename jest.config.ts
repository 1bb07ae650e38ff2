/** @jest-config-loader esbuild-register */
// Jest runs the TypeScript sources directly (CommonJS via SWC); `tsc -b` type-checks separately.
//
// Node 20 cannot load a .ts config by itself, so the docblock names the loader. The file avoids
// `__dirname` and `import.meta` alike, so it reads the same whether esbuild-register compiles it
// to CommonJS or a later Node strips its types and imports it as ESM: each project's rootDir
// defaults to this file's folder.
import type { Config } from 'jest';

const packages = ['core', 'actors', 'store-lmdb', 'store-postgres', 'engine', 'testkit', 'cli', 'ui'];

const moduleNameMapper = {
  '^(\\.{1,2}/.*)\\.js$': '$1',
  ...Object.fromEntries(
    packages.map((name) => [`^@reprise/${name}$`, `<rootDir>/packages/${name}/src/index.ts`]),
  ),
  // The `/internal` subpaths (package.json "exports") of the packages that have one.
  ...Object.fromEntries(
    ['core', 'store-lmdb', 'engine', 'testkit'].map((name) => [
      `^@reprise/${name}/internal$`,
      `<rootDir>/packages/${name}/src/internal.ts`,
    ]),
  ),
};

const transform: Config['transform'] = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

// A hang bound, not a speed limit: jest's 5 s default failed tests that do a second or two of
// CPU work whenever the machine was busy (two CPU hogs leave a jest worker a fifth of a core).
// No test may depend on it: tests drive the virtual clock or wait for events. Tests with worker
// processes set longer bounds of their own.
const TEST_TIMEOUT_MS = 60_000;

const project = (displayName: string, roots: string[], testMatch: string[]): Config => ({
  displayName,
  roots,
  testMatch,
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!nanoid/)'],
  moduleNameMapper,
  // Slow soak suites run only through `npm run soak` / `npm run soak:store` (SOAK=1).
  testPathIgnorePatterns:
    process.env.SOAK === '1'
      ? ['/node_modules/', '/dist/']
      : ['/node_modules/', '/dist/', '\\.soak\\.test\\.ts$'],
});

const config: Config = {
  testTimeout: TEST_TIMEOUT_MS,
  // PostgreSQL for the suites that need it: REPRISE_TEST_PG_URL, or a throwaway cluster started
  // by the first test file that asks (test/support/postgres.ts) and stopped here at the end.
  globalSetup: '<rootDir>/test/support/pg-global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/pg-global-teardown.cjs',
  projects: [
    ...packages.map((name) => project(name, [`<rootDir>/packages/${name}`], ['**/test/**/*.test.ts'])),
    project('examples', ['<rootDir>/examples'], ['**/*.test.ts']),
    // Checks of the repository itself, such as the dependency rules.
    project('repo', ['<rootDir>/test'], ['**/*.test.ts']),
  ],
};

export default config;
