// `reprise verify` reads every record, read-only, and names each damaged one (exit 6);
// `reprise list` shows the readable rows and, apart, the damaged ones with their keys.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { damageStoredValue } from '@reprise/testkit/internal';
import { CLI_TEST_TIMEOUT_MS, reprise, SHOP, seedWorkflows, spawnReprise, tempData } from './cli-process.js';

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
  expect(result.stdout).toMatch(/^no damage found: \d+ pages, 3 workflows, 4 events checked\n$/);
});

it('damaged records are each named by verify (exit 6, and nothing written), and list shows the rest', async () => {
  // The run id as its history's chunk holds it, packed: a MessagePack string of 15 bytes (0xaf,
  // then its UTF-8). The record holds it as JSON text, in quotes.
  damageStoredValue(data.path, Buffer.concat([Buffer.of(0xaf), Buffer.from('run-history-hit')]));
  damageStoredValue(data.path, '"workflowId":"row-hit","runId"');
  const before = readFileSync(join(data.path, 'data.mdb'));

  const verify = await reprise(at('verify'));
  expect(verify.code).toBe(6);
  expect(verify.stdout).toMatch(/^damage found/);
  expect(verify.stdout).toContain('corrupt record at history ["history-hit",1]: checksum mismatch');
  expect(verify.stdout).toContain('corrupt record at history ["row-hit",0]: checksum mismatch');
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
  expect(list.stdout).toMatch(/^ {2}row-hit {2}CORRUPT at history \["row-hit",0\]: checksum mismatch/m);
  const page = JSON.parse((await reprise(at('list', '--json'))).stdout) as {
    items: { workflowId: string }[];
    corrupt?: unknown[];
  };
  expect(page.items.map((row) => row.workflowId)).toEqual(['history-hit', 'healthy']);
  expect(page.corrupt).toEqual([
    {
      workflowId: 'row-hit',
      key: 'history ["row-hit",0]',
      reason: expect.stringMatching(/^checksum mismatch/),
    },
  ]);

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

it('a damaged page is named by the page walk, and LMDB is never let near it (exit 6, no crash)', async () => {
  const damaged = tempData();
  try {
    await seedWorkflows(damaged.path, [{ id: 'one', type: 'order', startedAt: T0, completed: true }]);
    // The meta pages are 0 and 1; page 2 and on hold the trees. Overwrite the page header of each
    // page the file has past the meta pages with a page number that is not its own.
    const file = join(damaged.path, 'data.mdb');
    const pageSize = 4096;
    const pages = Math.floor(readFileSync(file).length / pageSize);
    const fd = openSync(file, 'r+');
    for (let page = 2; page < pages; page++) writeSync(fd, Buffer.alloc(8, 0x7f), 0, 8, page * pageSize);
    closeSync(fd);
    const result = await reprise(['verify', '--data', damaged.path]);
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(/^damage found/);
    expect(result.stdout).toMatch(/page \d+ .*/);
    const json = JSON.parse((await reprise(['verify', '--json', '--data', damaged.path])).stdout) as {
      ok: boolean;
      workflows: number;
      problems: string[];
    };
    // The records were not read: the walk stopped it before LMDB opened the file.
    expect(json).toMatchObject({ ok: false, workflows: 0 });
    expect(json.problems.length).toBeGreaterThan(0);
  } finally {
    damaged.remove();
  }
});

it('beside a running worker the page walk is skipped, and the records are still checked', async () => {
  const live = tempData();
  const worker = spawnReprise(['worker', SHOP, '--data', live.path]);
  try {
    await worker.waitFor(/^worker ready on /);
    const result = await reprise(['verify', '--data', live.path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/a worker is writing this store: the page walk is skipped/);
    expect(result.stdout).toMatch(/^no damage found: 0 workflows, 0 events checked$/m);
    const json = JSON.parse((await reprise(['verify', '--json', '--data', live.path])).stdout) as {
      pages: number | null;
    };
    expect(json.pages).toBeNull();
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    live.remove();
  }
});
