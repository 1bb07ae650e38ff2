// Fuzz of the command line: any arguments (command names, options, JSON, ids, bytes) get a typed
// answer: an exit status the README lists, never the "unexpected error" status 1, at most one
// line on stderr for a refusal, and the store under --data still verifies afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStore } from '@reprise/store-lmdb';
import fc from 'fast-check';
import { runCli } from '../src/main.js';
import { seedWorkflows, tempData } from './cli-process.js';

const data = tempData();
const scratch = mkdtempSync(join(tmpdir(), 'reprise-cli-fuzz-'));
afterAll(() => {
  data.remove();
  rmSync(scratch, { recursive: true, force: true });
});

beforeAll(async () => {
  await seedWorkflows(data.path, [
    { id: 'order-1', type: 'order', startedAt: 1_767_225_600_000, completed: true },
    { id: 'order-2', type: 'order', startedAt: 1_767_225_660_000 },
  ]);
});

/** Commands that wait for something that never comes here (a worker's life, a run's close). */
const WAITS = /^(worker|ui)$|^--(follow|wait)/;

const commands = fc.constantFrom(
  'start',
  'list',
  'show',
  'describe',
  'signal',
  'cancel',
  'replay',
  'export',
  'verify',
  'query',
  'count',
  'schedule',
  'prune',
  'backup',
  'help',
  '',
);
const words = fc.oneof(
  fc.constantFrom(
    'order-1',
    'order-2',
    'missing',
    '',
    '-',
    '--',
    '--json',
    '--limit',
    '0',
    '-1',
    '1e9',
    '--status',
    'running',
    'Bogus',
    '--type',
    '--attr',
    'a=b',
    '=',
    '--data',
    '--out',
    '--workflows',
    '--module',
    '--input',
    '{',
    'null',
    '[]',
    '{"a":1}',
    '\u0000',
    '\u001b[31m',
    '\u202e',
    'ø'.repeat(600),
    '--verbose',
    'list',
    'pause',
    'trigger',
    '--closed-before',
    '2020-01-01',
    '--dry-run',
    '--help',
    '-h',
    '--version',
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const argv = fc
  .tuple(commands, fc.array(words, { maxLength: 6 }))
  .map(([command, rest]) => [command, ...rest].filter((word) => word !== ''))
  .filter((args) => !args.some((word) => WAITS.test(word)));

/** Runs the CLI in this process with stdout and stderr captured. */
async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  const cwd = process.cwd();
  // A relative --out or --data lands in the scratch folder, never in the repository.
  process.chdir(scratch);
  try {
    return { code: await runCli(args), stdout, stderr };
  } finally {
    process.chdir(cwd);
    out.mockRestore();
    err.mockRestore();
  }
}

it('any arguments get a listed exit status, never an unexpected error, and leave the store sound', async () => {
  await fc.assert(
    fc.asyncProperty(argv, fc.boolean(), async (args, withData) => {
      const full = withData ? [...args, '--data', data.path] : args;
      const { code, stderr } = await run(full);
      if (![0, 2, 3, 4, 5, 6].includes(code)) {
        throw new Error(`reprise ${JSON.stringify(full)} exited ${code}: ${stderr}`);
      }
      // A refusal is one line (the help, printed for a missing command, and the stack that
      // --verbose asks for are the exceptions).
      if (code !== 0 && !stderr.startsWith('Usage:') && !full.includes('--verbose')) {
        expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      }
    }),
    { numRuns: 300 },
  );
  const store = openLmdbStore({ path: data.path, readOnly: true });
  try {
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
});
