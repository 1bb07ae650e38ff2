// The package boundaries of shared/DESIGN.md, as rules `npm run check:deps` enforces (`npm test`
// and so CI run it). A rule here is the only place a boundary is stated in code: change the
// design first, then this file.
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

// Paths in the rules are relative to where depcruise runs (the repo root, or a test's fixture
// tree laid out like it), so the manifests are read from there too.
const root = process.cwd();

/**
 * DESIGN.md's package table: the packages of ours that each package's `src/` may import. Arrows
 * point down the table only, so `core` and `actors` import nothing of ours.
 */
const LAYERS = {
  core: [],
  actors: [],
  engine: ['core', 'actors'],
  'store-lmdb': ['core'],
  'store-postgres': ['core'],
  testkit: ['core', 'engine'],
  cli: ['core', 'engine', 'store-lmdb', 'store-postgres', 'ui'],
  ui: ['core', 'engine'],
};

const alternatives = (names) => names.join('|');

/** The `@reprise/*` packages a package's `dependencies` declare, by folder name. */
const declaredWorkspaceDeps = (name) => {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
  return Object.keys(manifest.dependencies ?? {})
    .filter((dep) => dep.startsWith('@reprise/'))
    .map((dep) => dep.slice('@reprise/'.length));
};

const packageNames = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .map((entry) => entry.name)
  .filter((name) => existsSync(join(root, 'packages', name, 'package.json')));

// Each layer rule is an allow-list: anything under packages/ other than the package itself and
// the packages its row names is refused, so a new edge needs a new row, not just a new import.
const layerRules = Object.entries(LAYERS).map(([name, allowed]) => ({
  name: `layer-${name}`,
  comment:
    `${name}'s src imports only ${allowed.length ? allowed.join(', ') : 'nothing of ours'} ` +
    "(DESIGN.md's package table): a lower layer that reaches up can no longer be used, " +
    'tested or replaced without the layers above it.',
  severity: 'error',
  from: { path: `^packages/${name}/src/` },
  to: { path: '^packages/', pathNot: `^packages/(${alternatives([name, ...allowed])})/` },
}));

// The layer table says what the design allows; the manifest says what npm installs for a user.
// Inside the workspace every @reprise package resolves through the hoisted symlinks whether it
// is declared or not, so only this rule notices an import the published package could not load.
const manifestRules = packageNames.map((name) => ({
  name: `declared-${name}`,
  comment:
    `${name}'s src imports only the @reprise packages its package.json dependencies declare: ` +
    'the workspace resolves an undeclared one, a user install does not.',
  severity: 'error',
  from: { path: `^packages/${name}/src/` },
  to: { path: '^packages/', pathNot: `^packages/(${alternatives([name, ...declaredWorkspaceDeps(name)])})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'No import circles anywhere: modules in a circle can only be read, tested and changed ' +
        'together. A type-only edge counts too (it ties the meaning of the two files as much), ' +
        'and where every edge is a value import ESM also evaluates one module before the ' +
        'bindings it needs exist.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'layer-unlisted-package',
      comment:
        "A package without a row in LAYERS imports nothing of ours: adding its row (from DESIGN.md's " +
        'table) is how a new package states where it sits.',
      severity: 'error',
      from: { path: '^packages/([^/]+)/src/', pathNot: `^packages/(${alternatives(Object.keys(LAYERS))})/` },
      to: { path: '^packages/', pathNot: '^packages/$1/' },
    },
    ...manifestRules,
    {
      name: 'engine-no-store-implementation',
      comment:
        'The engine speaks only the store contract (EventStore / VisibilityStore from core): its ' +
        'src and its tests never import a store implementation or its database driver, so every ' +
        'store is interchangeable. Tests that need a real store on disk live in ' +
        'packages/engine/test/integration/, the one place allowed to.',
      severity: 'error',
      from: { path: '^packages/engine/', pathNot: '^packages/engine/test/integration/' },
      to: { path: ['^packages/store-[^/]+/', '(^|/)node_modules/(lmdb|pg)/'] },
    },
    {
      name: 'core-does-no-io',
      comment:
        'core is the model with no I/O (DESIGN.md): pure functions over data, testable without a disk, ' +
        'a network or a process.',
      severity: 'error',
      from: { path: '^packages/core/src/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline)$',
      },
    },
    {
      name: 'actors-only-xstate',
      comment:
        'actors is OTP supervision for any XState actor and knows nothing of workflows: its one ' +
        'outside package is xstate, so it stays usable on its own.',
      severity: 'error',
      from: { path: '^packages/actors/src/' },
      to: {
        dependencyTypes: [
          'npm',
          'npm-dev',
          'npm-optional',
          'npm-peer',
          'npm-bundled',
          'npm-no-pkg',
          'npm-unknown',
        ],
        pathNot: '(^|/)node_modules/xstate/',
      },
    },
    {
      name: 'no-relative-import-across-packages',
      comment:
        'A package reaches another only as @reprise/<name>: a relative path (../../other/src) ' +
        'bypasses its exports and its package.json, and breaks once the packages are installed apart.',
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      // depcruise labels an import by package name `aliased` (from examples and bench, under the
      // root manifest's workspaces) or `undetermined` (from a package, whose manifest has none);
      // a relative import is plain `local`.
      to: { path: '^packages/', pathNot: '^packages/$1/', dependencyTypesNot: ['aliased', 'undetermined'] },
    },
    {
      name: 'no-deep-import-across-packages',
      comment:
        "Across packages only a package's entry points are importable: src/index.ts (@reprise/<name>) " +
        'and a documented src/internal subpath (@reprise/<name>/internal). Everything else is ' +
        'internal and may change without notice.',
      severity: 'error',
      from: { path: '^(packages/[^/]+|examples/[^/]+|bench/[^/]+)/' },
      to: {
        path: '^packages/',
        pathNot: ['^$1/', '^packages/[^/]+/src/index\\.ts$', '^packages/[^/]+/src/internal(/index)?\\.ts$'],
      },
    },
    {
      name: 'src-not-to-test',
      comment:
        'Shipped code never imports tests or test fixtures: they are not published, and a test ' +
        'helper in src would run in production.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: ['^packages/[^/]+/test/', '(^|/)__tests__/', '\\.(test|spec)\\.[cm]?[jt]sx?$'] },
    },
    {
      name: 'src-only-its-dependencies',
      comment:
        "A package's src runs in a user's install, which has its dependencies and peers only: not " +
        'its devDependencies, and not whatever the workspace happens to hoist.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { dependencyTypes: ['npm-dev', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every rule above matches resolved paths; an import the resolver cannot follow would slip ' +
        'past all of them (and fails at run time anyway).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    // Build output mirrors src; cruising it would report every violation twice, stale.
    exclude: { path: '^packages/[^/]+/dist/' },
    // A type-only import couples two layers as much as a value import does.
    tsPreCompilationDeps: true,
    // For the `.js` specifiers that NodeNext resolution maps to `.ts` sources.
    tsConfig: { fileName: 'tsconfig.tests.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      // `source` first, as jest and `node --conditions=source` do: @reprise/* resolve to src/,
      // which exists without a build (dist/ may not).
      conditionNames: ['source', 'import', 'require', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
