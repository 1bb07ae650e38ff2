// Every error is one line on stderr, `reprise: <message> [<code>]`, with the README's exit
// status: usage errors from the argument parser, a --data path that is a file, a damaged store;
// --verbose adds the stack.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_TEST_TIMEOUT_MS, reprise, SHOP, seedWorkflows, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());

/** stderr as lines, without the empty one after the last newline. */
const linesOf = (stderr: string) => stderr.split('\n').filter((line) => line !== '');

it('prints a usage error of the argument parser as one line, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['list', '--bogus'], /^reprise: unknown option '--bogus' \(see reprise --help\)$/],
    [
      ['list', '--limt', '3'],
      /^reprise: unknown option '--limt' \(Did you mean --limit\?\) \(see reprise --help\)$/,
    ],
    [['lst'], /^reprise: unknown command 'lst' \(Did you mean list\?\) \(see reprise --help\)$/],
    [['show'], /^reprise: missing required argument 'workflowId' \(see reprise --help\)$/],
  ];
  for (const [args, line] of cases) {
    const result = await reprise([...args, '--data', data.path]);
    expect({ args, code: result.code, stderr: linesOf(result.stderr) }).toEqual({
      args,
      code: 2,
      stderr: [expect.stringMatching(line)],
    });
  }
});

it('refuses a --data path that is a file, or lies under one, as bad usage in one line (exit 2)', async () => {
  const file = join(data.path, '..', 'notes.txt');
  writeFileSync(file, 'not a store');
  const commands = [
    ['list'],
    ['describe', 'o-1'],
    ['start', 'checkout', '--module', SHOP],
    ['signal', 'o-1', 'approve'],
    ['worker', SHOP],
  ];
  for (const command of commands) {
    const result = await reprise([...command, '--data', file]);
    expect({ command, code: result.code, stderr: linesOf(result.stderr) }).toEqual({
      command,
      code: 2,
      stderr: [
        `reprise: --data ${file} is a file; it must be a data directory (LMDB keeps its files in one)`,
      ],
    });
  }
  const under = await reprise(['list', '--data', join(file, 'data')]);
  expect(under.code).toBe(2);
  expect(linesOf(under.stderr)).toEqual([
    `reprise: --data ${join(file, 'data')} lies under the file ${file}; it must be a data directory`,
  ]);
  expect(readFileSync(file, 'utf8')).toBe('not a store');
});

it('reports a damaged store in one line with exit 6, where LMDB would crash the process', async () => {
  const whole = join(data.path, '..', 'whole');
  await seedWorkflows(whole, [{ id: 'o-1', type: 'checkout', startedAt: 1_767_225_600_000 }]);
  const real = readFileSync(join(whole, 'data.mdb'));

  const random = join(data.path, '..', 'random');
  mkdirSync(random);
  const noise = Buffer.alloc(64 * 1024, 0x5a);
  writeFileSync(join(random, 'data.mdb'), noise);
  const cut = join(data.path, '..', 'cut');
  mkdirSync(cut);
  writeFileSync(join(cut, 'data.mdb'), real.subarray(0, 8192));

  for (const [dir, why] of [
    [random, /meta page 0 has magic 0x5a5a5a5a/],
    [cut, /but the file ends after 2 pages of 4096 bytes \(8192 bytes\)/],
  ] as const) {
    const result = await reprise(['list', '--data', dir]);
    expect(result.code).toBe(6);
    const lines = linesOf(result.stderr);
    expect(lines).toEqual([
      expect.stringMatching(/^reprise: corrupt record at \S+data\.mdb: .*\[store_corruption\]$/),
    ]);
    expect(lines[0]).toContain(join(dir, 'data.mdb'));
    expect(lines[0]).toMatch(why);
  }
  expect((await reprise(['list', '--data', whole])).code).toBe(0);
});

it('prints the stack after the line with --verbose, and only the line without it', async () => {
  const store = join(data.path, '..', 'verbose');
  await seedWorkflows(store, [{ id: 'o-1', type: 'checkout', startedAt: 1_767_225_600_000 }]);
  const plain = await reprise(['describe', 'nope', '--data', store]);
  expect(plain.code).toBe(3);
  expect(linesOf(plain.stderr)).toEqual(['reprise: workflow "nope" not found [workflow_not_found]']);

  const verbose = await reprise(['describe', 'nope', '--data', store, '--verbose']);
  expect(verbose.code).toBe(3);
  const [first, second, ...frames] = linesOf(verbose.stderr);
  expect(first).toBe('reprise: workflow "nope" not found [workflow_not_found]');
  expect(second).toMatch(/^WorkflowNotFoundError: workflow "nope" not found$/);
  expect(frames.length).toBeGreaterThan(0);
  for (const frame of frames) expect(frame).toMatch(/^ {4}at /);
});

it('refuses an --out path that cannot be written as bad usage in one line naming it (exit 2)', async () => {
  await seedWorkflows(data.path, [{ id: 'exported', type: 'checkout', startedAt: 1_767_225_600_000 }]);
  const folder = join(data.path, '..', 'a-folder');
  mkdirSync(folder, { recursive: true });
  const cases: [string, RegExp][] = [
    [folder, /^reprise: --out ".*a-folder" is a directory$/],
    [join(folder, 'missing', 'h.json'), /^reprise: --out ".*h\.json" is in a folder that does not exist$/],
  ];
  for (const [out, line] of cases) {
    const result = await reprise(['export', 'exported', '--out', out, '--data', data.path]);
    expect({ out, code: result.code, stderr: linesOf(result.stderr) }).toEqual({
      out,
      code: 2,
      stderr: [expect.stringMatching(line)],
    });
  }
});
