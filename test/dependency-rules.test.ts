// .dependency-cruiser.cjs refuses each boundary it states: depcruise runs with it on a small tree
// laid out like the repo, where each bad import breaks one rule, and must fail naming exactly
// those, while the allowed imports beside them pass.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

/** A workspace package of the fixture: its manifest, `source` condition as in the repo. */
const manifest = (name: string, deps: Record<string, string> = {}, devDeps: Record<string, string> = {}) =>
  JSON.stringify({
    name: `@reprise/${name}`,
    type: 'module',
    exports: {
      '.': { source: './src/index.ts', default: './dist/index.js' },
      './internal': { source: './src/internal.ts', default: './dist/internal.js' },
    },
    dependencies: deps,
    devDependencies: devDeps,
  });

const npmPackage = (name: string) => JSON.stringify({ name, version: '1.0.0', main: 'index.js' });

const FILES: Record<string, string> = {
  'package.json': JSON.stringify({
    name: 'fixture',
    private: true,
    type: 'module',
    workspaces: ['packages/*'],
  }),
  'tsconfig.tests.json': JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', customConditions: ['source'] },
    include: ['packages/**/*.ts', 'examples/**/*.ts'],
  }),
  'node_modules/xstate/package.json': npmPackage('xstate'),
  'node_modules/xstate/index.js': 'export {};',
  'node_modules/nanoid/package.json': npmPackage('nanoid'),
  'node_modules/nanoid/index.js': 'export {};',
  'node_modules/fast-check/package.json': npmPackage('fast-check'),
  'node_modules/fast-check/index.js': 'export {};',
  'node_modules/lmdb/package.json': npmPackage('lmdb'),
  'node_modules/lmdb/index.js': 'export {};',

  'packages/core/package.json': manifest('core', { nanoid: '1' }),
  'packages/core/src/index.ts': "export * from './ids.js';\n",
  'packages/core/src/ids.ts': "import 'nanoid';\nexport const id = 1;\n",
  'packages/core/src/internal.ts': 'export const internal = 1;\n',
  'packages/core/src/reaches-up.ts': "import '@reprise/engine';\n",
  'packages/core/src/reads-files.ts': "import 'node:fs';\n",
  'packages/core/src/uses-a-test.ts': "import '../test/helper.js';\n",
  'packages/core/src/imports-nothing-there.ts': "import './missing.js';\n",
  'packages/core/test/helper.ts': 'export const helper = 1;\n',

  'packages/actors/package.json': manifest('actors', { xstate: '1', nanoid: '1' }),
  'packages/actors/src/index.ts': "import 'xstate';\n",
  'packages/actors/src/knows-core.ts': "import '@reprise/core';\n",
  'packages/actors/src/uses-nanoid.ts': "import 'nanoid';\n",

  'packages/engine/package.json': manifest(
    'engine',
    { '@reprise/core': '0', '@reprise/actors': '0' },
    { '@reprise/store-lmdb': '0', '@reprise/testkit': '0', 'fast-check': '1' },
  ),
  'packages/engine/src/index.ts': "import '@reprise/core';\nimport '@reprise/actors';\nimport './run.js';\n",
  'packages/engine/src/run.ts': "import '@reprise/core/internal';\nimport type {} from './exit.js';\n",
  'packages/engine/src/exit.ts': "import './run.js';\n",
  'packages/engine/src/opens-lmdb.ts': "import '@reprise/store-lmdb';\n",
  'packages/engine/src/uses-a-dev-dependency.ts': "import 'fast-check';\n",
  'packages/engine/test/opens-lmdb.test.ts': "import '@reprise/store-lmdb';\n",
  'packages/engine/test/integration/opens-lmdb.test.ts':
    "import '@reprise/store-lmdb';\nimport 'fast-check';\n",

  'packages/store-lmdb/package.json': manifest('store-lmdb', { '@reprise/core': '0', lmdb: '1' }),
  'packages/store-lmdb/src/index.ts': "import '@reprise/core';\nimport 'lmdb';\n",
  'packages/store-lmdb/src/uses-undeclared.ts': "import 'xstate';\n",

  'packages/testkit/package.json': manifest('testkit', { '@reprise/core': '0', '@reprise/engine': '0' }),
  'packages/testkit/src/index.ts': "import '@reprise/core';\nimport '@reprise/engine';\n",
  'packages/testkit/src/clock-from-actors.ts': "import '@reprise/actors';\n",
  'packages/testkit/src/core-by-path.ts': "import '../../core/src/index.js';\n",

  // cli's manifest leaves core out: importing it must fail although the layer table allows it.
  'packages/cli/package.json': manifest('cli', { '@reprise/engine': '0', '@reprise/store-lmdb': '0' }),
  'packages/cli/src/index.ts': "import '@reprise/engine';\nimport '@reprise/store-lmdb';\n",
  'packages/cli/src/undeclared-core.ts': "import '@reprise/core';\n",

  'packages/newcomer/package.json': manifest('newcomer', { '@reprise/engine': '0' }),
  'packages/newcomer/src/index.ts': "import '@reprise/engine';\n",

  'examples/shop/main.ts': "import '@reprise/engine';\nimport '@reprise/core/internal';\n",
  'examples/shop/deep.ts': "import '../../packages/engine/src/run.js';\n",
};

/** Every violation the fixture must produce, as `rule: from`; nothing else may be reported. */
const EXPECTED = [
  'no-circular: packages/engine/src/exit.ts',
  'layer-core: packages/core/src/reaches-up.ts',
  'declared-core: packages/core/src/reaches-up.ts',
  'core-does-no-io: packages/core/src/reads-files.ts',
  'src-not-to-test: packages/core/src/uses-a-test.ts',
  'not-to-unresolvable: packages/core/src/imports-nothing-there.ts',
  'layer-actors: packages/actors/src/knows-core.ts',
  'declared-actors: packages/actors/src/knows-core.ts',
  'actors-only-xstate: packages/actors/src/uses-nanoid.ts',
  'layer-engine: packages/engine/src/opens-lmdb.ts',
  'declared-engine: packages/engine/src/opens-lmdb.ts',
  'engine-no-store-implementation: packages/engine/src/opens-lmdb.ts',
  'engine-no-store-implementation: packages/engine/test/opens-lmdb.test.ts',
  'src-only-its-dependencies: packages/engine/src/uses-a-dev-dependency.ts',
  'src-only-its-dependencies: packages/store-lmdb/src/uses-undeclared.ts',
  'layer-testkit: packages/testkit/src/clock-from-actors.ts',
  'declared-testkit: packages/testkit/src/clock-from-actors.ts',
  'no-relative-import-across-packages: packages/testkit/src/core-by-path.ts',
  'declared-cli: packages/cli/src/undeclared-core.ts',
  'layer-unlisted-package: packages/newcomer/src/index.ts',
  'no-deep-import-across-packages: examples/shop/deep.ts',
].sort();

let fixture: string;

beforeAll(() => {
  fixture = mkdtempSync(join(tmpdir(), 'reprise-depcruise-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(fixture, path)), { recursive: true });
    writeFileSync(join(fixture, path), text);
  }
  // As npm workspaces link them: @reprise/* resolve through node_modules to packages/*.
  mkdirSync(join(fixture, 'node_modules/@reprise'), { recursive: true });
  for (const name of ['core', 'actors', 'engine', 'store-lmdb', 'testkit', 'cli', 'newcomer'])
    symlinkSync(join('..', '..', 'packages', name), join(fixture, 'node_modules/@reprise', name), 'dir');
});

afterAll(() => rmSync(fixture, { recursive: true, force: true }));

it('fails on every broken boundary, naming its rule, and on nothing else', () => {
  // The same command and output as `npm run check:deps`: CI relies on its exit status.
  const run = spawnSync(
    DEPCRUISE,
    ['packages', 'examples', '--config', join(ROOT, '.dependency-cruiser.cjs')],
    {
      cwd: fixture,
      encoding: 'utf8',
    },
  );
  expect(run.error).toBeUndefined();
  expect(run.status).not.toBe(0);
  // One line per violation: `  error <rule>: <from> → <to>`.
  const found = [...run.stdout.matchAll(/^\s*error ([\w-]+): (\S+) →/gm)].map(
    ([, rule, from]) => `${rule}: ${from}`,
  );
  expect(found.sort()).toEqual(EXPECTED);
});
