// `list --type` and `list --limit` choose rows from the store; `export --out` writes the history
// to a file; the built binary (dist/bin.js, which the `bin` launcher runs) lists with plain node.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUILT_BIN,
  CLI_TEST_TIMEOUT_MS,
  reprise,
  repriseBuilt,
  seedWorkflows,
  tempData,
} from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

const T0 = 1_767_225_600_000;
const MINUTE = 60_000;

beforeAll(async () => {
  // Newest first in lists: refund-2, checkout-3, refund-1, checkout-2, checkout-1.
  await seedWorkflows(data.path, [
    { id: 'checkout-1', type: 'checkout', startedAt: T0, completed: true },
    { id: 'checkout-2', type: 'checkout', startedAt: T0 + MINUTE },
    { id: 'refund-1', type: 'refund', startedAt: T0 + 2 * MINUTE, completed: true },
    { id: 'checkout-3', type: 'checkout', startedAt: T0 + 3 * MINUTE },
    { id: 'refund-2', type: 'refund', startedAt: T0 + 4 * MINUTE },
  ]);
});

/** The workflow ids of a `list` table, top to bottom. */
const idsOf = (table: string) =>
  table
    .split('\n')
    .slice(1)
    .filter((line) => line !== '' && !line.startsWith('('))
    .map((line) => line.split(/\s+/)[0]);

it('list --type shows only that workflow type', async () => {
  const refunds = await reprise(at('list', '--type', 'refund'));
  expect(refunds.code).toBe(0);
  expect(idsOf(refunds.stdout)).toEqual(['refund-2', 'refund-1']);
  expect(refunds.stdout).toMatch(/^refund-1\s+refund\s+Completed\s/m);
  const checkouts = await reprise(at('list', '--type', 'checkout', '--status', 'running'));
  expect(idsOf(checkouts.stdout)).toEqual(['checkout-3', 'checkout-2']);
  expect((await reprise(at('list', '--type', 'no-such-type'))).stdout).toBe('no workflows match\n');
});

it('list --limit shows the newest rows and says how many more there are', async () => {
  const two = await reprise(at('list', '--limit', '2'));
  expect(two.code).toBe(0);
  expect(idsOf(two.stdout)).toEqual(['refund-2', 'checkout-3']);
  expect(two.stdout).toMatch(/^\(2 of 5; --limit shows more\)$/m);
  const all = await reprise(at('list', '--limit', '5'));
  expect(idsOf(all.stdout)).toEqual(['refund-2', 'checkout-3', 'refund-1', 'checkout-2', 'checkout-1']);
  expect(all.stdout).not.toMatch(/--limit shows more/);
  const json = await reprise(at('list', '--limit', '1', '--json'));
  const page = JSON.parse(json.stdout) as { items: { workflowId: string }[]; cursor?: string };
  expect(page.items.map((row) => row.workflowId)).toEqual(['refund-2']);
  expect(page.cursor).toEqual(expect.any(String));
  const zero = await reprise(at('list', '--limit', '0'));
  expect(zero.code).toBe(2);
  expect(zero.stderr).toBe('reprise: --limit 0 must be a whole number from 1 to 10000\n');
});

it('export --out writes the history to the file (the exported-history format), the same as on stdout', async () => {
  const file = join(data.path, '..', 'refund-1.json');
  const result = await reprise(at('export', 'refund-1', '--out', file));
  expect(result).toMatchObject({ code: 0, stdout: '' });
  expect(result.stderr).toBe(`exported 2 events of refund-1 to ${file}\n`);
  const written = JSON.parse(readFileSync(file, 'utf8')) as {
    format: string;
    version: number;
    workflowId: string;
    events: { type: string; seq: number }[];
  };
  expect(written).toMatchObject({ format: 'reprise.history', version: 1, workflowId: 'refund-1' });
  expect(written.events.map((event) => [event.seq, event.type])).toEqual([
    [1, 'WorkflowStarted'],
    [2, 'WorkflowCompleted'],
  ]);
  expect(written).toEqual(JSON.parse((await reprise(at('export', 'refund-1'))).stdout));

  const missing = await reprise(at('export', 'nope', '--out', join(data.path, '..', 'nope.json')));
  expect(missing.code).toBe(3);
  expect(existsSync(join(data.path, '..', 'nope.json'))).toBe(false);
});

// The launcher itself, and the link npm makes to it, are npx-reprise.test.ts's.
it('the built binary, which the `bin` launcher runs when it exists, lists with plain node', async () => {
  // `npm test` builds first; run `npx tsc -b` before this file on its own.
  expect(existsSync(BUILT_BIN)).toBe(true);
  expect(readFileSync(BUILT_BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');

  const result = await repriseBuilt(at('list', '--type', 'refund'));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(idsOf(result.stdout)).toEqual(['refund-2', 'refund-1']);
  const usage = await repriseBuilt(at('list', '--bogus'));
  expect(usage).toMatchObject({
    code: 2,
    stderr: "reprise: unknown option '--bogus' (see reprise --help)\n",
  });
});
