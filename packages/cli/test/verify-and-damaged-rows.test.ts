// `reprise verify` reads every record, read-only, and names each damaged one (exit 6);
// `reprise list` shows the readable rows and, apart, the damaged ones with their keys.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { damageStoredValue } from '@reprise/testkit/internal';
import { CLI_TEST_TIMEOUT_MS, reprise, seedWorkflows, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

const T0 = 1_767_225_600_000;

beforeAll(async () => {
  await seedWorkflows(data.path, [
    { id: 'healthy', type: 'order', startedAt: T0, completed: true },
    { id: 'history-hit', type: 'order', startedAt: T0 + 1 },
    { id: 'row-hit', type: 'order', startedAt: T0 + 2 },
  ]);
});

it('a healthy store verifies with exit 0 and says what it read', async () => {
  const result = await reprise(at('verify'));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toBe('no damage found: 3 workflows, 4 events checked\n');
});

it('damaged records are each named by verify (exit 6, and nothing written), and list shows the rest', async () => {
  damageStoredValue(data.path, '{"id":"history-hit"}');
  damageStoredValue(data.path, '"workflowId":"row-hit","runId"');
  const before = readFileSync(join(data.path, 'data.mdb'));

  const verify = await reprise(at('verify'));
  expect(verify.code).toBe(6);
  expect(verify.stdout).toMatch(/^damage found/);
  expect(verify.stdout).toContain('corrupt record at history ["history-hit",1]: checksum mismatch');
  expect(verify.stdout).toContain('corrupt record at workflows "row-hit": checksum mismatch');
  expect(verify.stdout).not.toMatch(/"healthy"/);
  const json = await reprise(at('verify', '--json'));
  expect(json.code).toBe(6);
  const report = JSON.parse(json.stdout) as { ok: boolean; problems: string[] };
  expect(report.ok).toBe(false);
  expect(report.problems.some((problem) => problem.includes('history ["history-hit",1]'))).toBe(true);
  expect(readFileSync(join(data.path, 'data.mdb')).equals(before)).toBe(true);

  const list = await reprise(at('list'));
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/^history-hit\s+order\s+Running\s/m);
  expect(list.stdout).toMatch(/^healthy\s+order\s+Completed\s/m);
  expect(list.stdout).toMatch(/^ {2}row-hit {2}CORRUPT at workflows "row-hit": checksum mismatch/m);
  const rows = JSON.parse((await reprise(at('list', '--json'))).stdout) as {
    workflowId: string;
    corrupt?: unknown;
  }[];
  expect(rows.map((row) => row.workflowId)).toEqual(['history-hit', 'healthy', 'row-hit']);
  expect(rows[2]?.corrupt).toEqual({
    key: 'workflows "row-hit"',
    reason: expect.stringMatching(/^checksum mismatch/),
  });

  // Reading the damaged history is a store error (exit 6) naming the key, not a crash.
  const show = await reprise(at('show', 'history-hit'));
  expect(show.code).toBe(6);
  expect(show.stderr).toContain('history ["history-hit",1]');
});

it('verify on a directory without data says so and creates nothing', async () => {
  const empty = tempData();
  try {
    const result = await reprise(['verify', '--data', join(empty.path, 'nothing-here')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no Reprise data at/);
  } finally {
    empty.remove();
  }
});
