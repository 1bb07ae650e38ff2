// Jest runs the TypeScript sources directly (CommonJS via SWC); `tsc -b` type-checks separately.
const packages = ['core', 'actors', 'store-lmdb', 'engine', 'testkit', 'cli'];

const moduleNameMapper = {
  '^(\\.{1,2}/.*)\\.js$': '$1',
  ...Object.fromEntries(
    packages.map((name) => [`^@reprise/${name}$`, `<rootDir>/packages/${name}/src/index.ts`]),
  ),
  // The `/internal` subpaths (package.json "exports") of the packages that have one.
  ...Object.fromEntries(
    ['core', 'engine', 'testkit'].map((name) => [
      `^@reprise/${name}/internal$`,
      `<rootDir>/packages/${name}/src/internal.ts`,
    ]),
  ),
};

const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

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
  projects: [
    ...packages.map((name) => project(name, [`<rootDir>/packages/${name}`], ['**/test/**/*.test.ts'])),
    project('examples', ['<rootDir>/examples'], ['**/*.test.ts']),
  ],
};
