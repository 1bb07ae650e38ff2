// Jest runs the TypeScript sources directly (CommonJS via SWC); `tsc -b` type-checks separately.
const packages = ['core', 'actors', 'store-lmdb', 'engine', 'testkit', 'cli'];

const moduleNameMapper = {
  '^(\\.{1,2}/.*)\\.js$': '$1',
  ...Object.fromEntries(
    packages.map((name) => [`^@reprise/${name}$`, `<rootDir>/packages/${name}/src/index.ts`]),
  ),
};

const transform = {
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

const project = (displayName, roots, testMatch) => ({
  displayName,
  rootDir: __dirname,
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

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: TEST_TIMEOUT_MS,
  projects: [
    ...packages.map((name) => project(name, [`<rootDir>/packages/${name}`], ['**/test/**/*.test.ts'])),
    project('examples', ['<rootDir>/examples'], ['**/*.test.ts']),
  ],
};
