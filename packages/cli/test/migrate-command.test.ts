// `reprise migrate` rewrites a format-4 store (the store-lmdb fixture, written by that code) as
// the current format, in place; before it, `reprise verify` (read-only) refuses the store saying
// to run it (exit 6); after it, the store verifies and lists its rows; a second run has nothing
// to do.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_TEST_TIMEOUT_MS, ROOT, reprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

it('migrates a format-4 store that verify refused, once', async () => {
  mkdirSync(data.path, { recursive: true });
  cpSync(join(ROOT, 'packages/store-lmdb/test/fixtures/v4-store/data.mdb'), join(data.path, 'data.mdb'));

  const refused = await reprise(at('verify'));
  expect(refused.code).toBe(6);
  expect(refused.stderr).toMatch(/format version 4.*reprise migrate/);

  const migrated = await reprise(at('migrate', '--json'));
  expect(migrated).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(migrated.stdout)).toEqual({ path: data.path, from: 4, to: 6, migrated: true });

  const verified = await reprise(at('verify'));
  expect(verified).toMatchObject({ code: 0 });
  expect(verified.stdout).toMatch(/no damage found: .*6 workflows, 17 events checked/);
  const listed = (
    JSON.parse((await reprise(at('list', '--json'))).stdout) as { items: { workflowId: string }[] }
  ).items;
  expect(listed.map((row) => row.workflowId).sort()).toEqual([
    'looper-1',
    'napper-1',
    'order-1',
    'order-2',
    'waiter-1',
  ]);

  const again = await reprise(at('migrate'));
  expect(again).toMatchObject({ code: 0, stderr: '' });
  expect(again.stdout).toMatch(/is already format 6; nothing to do/);
});
