// `npx reprise` right after `npm install`: package.json's `bin` names a committed launcher, so npm
// links node_modules/.bin/reprise before any build, and the link runs the build or the source.
import { accessSync, constants, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, LINKED_BIN, ROOT, repriseLinked, seedWorkflows, tempData } from './cli-process.js';

jest.setTimeout(60_000);

const store = tempData();
const empty = mkdtempSync(join(tmpdir(), 'reprise-cli-empty-'));
afterAll(() => {
  store.remove();
  rmSync(empty, { recursive: true, force: true });
});

beforeAll(() =>
  seedWorkflows(store.path, [
    { id: 'checkout-1', type: 'checkout', startedAt: 1_767_225_600_000, completed: true },
    { id: 'refund-1', type: 'refund', startedAt: 1_767_225_660_000 },
  ]),
);

it('npm links node_modules/.bin/reprise to the executable launcher that package.json ships', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
  };
  expect(manifest.bin).toEqual({ reprise: './bin/reprise.js' });
  expect(manifest.files).toContain('bin');
  expect(realpathSync(LINKED_BIN)).toBe(join(ROOT, 'packages/cli/bin/reprise.js'));
  expect(readFileSync(LINKED_BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  expect(() => accessSync(LINKED_BIN, constants.X_OK)).not.toThrow();
});

// The launcher runs dist/bin.js when it exists (`npm test` builds first) and the TypeScript source
// through tsx otherwise, as on a fresh clone; REPRISE_CLI_FROM_SOURCE=1 takes that path here.
describe.each([
  ['by default (the build, once `npm run build` made one)', {}],
  ['the source, as before any build', { REPRISE_CLI_FROM_SOURCE: '1' }],
])('the linked reprise, running %s', (_path, env: NodeJS.ProcessEnv) => {
  const reprise = (...args: string[]): Promise<CliResult> => repriseLinked(args, env);

  it('--help prints the usage and exits 0', async () => {
    const help = await reprise('--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: reprise \[options\] \[command\]\n/);
    expect(help.stdout).toMatch(/^ {2}list \[options\] +list workflows, newest first$/m);
  });

  it('list --data on a store lists its workflows and exits 0', async () => {
    const list = await reprise('list', '--data', store.path);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toMatch(/^refund-1\s+refund\s+Running\s/m);
    expect(list.stdout).toMatch(/^checkout-1\s+checkout\s+Completed\s/m);
  });

  it('list --data on an empty directory says there is no data and exits 3', async () => {
    const list = await reprise('list', '--data', empty);
    expect(list).toEqual({
      code: 3,
      stdout: '',
      stderr: `reprise: no Reprise data at ${empty} (point --data at the folder your app or worker stores its workflows in)\n`,
    });
  });

  it('a usage error exits 2 with its one line', async () => {
    expect(await reprise('list', '--bogus')).toEqual({
      code: 2,
      stdout: '',
      stderr: "reprise: unknown option '--bogus' (see reprise --help)\n",
    });
  });
});
