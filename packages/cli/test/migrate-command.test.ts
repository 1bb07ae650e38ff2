// `reprise migrate` rewrites a format-4 or format-6 store (the store-lmdb fixtures, written by
// that code) as the current format, in place; before it, `reprise verify` (read-only) refuses
// the store saying to run it (exit 6); after it, the store verifies and lists its rows; a second
// run has nothing to do.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FORMAT_VERSION } from '@reprise/store-lmdb';
import { CLI_TEST_TIMEOUT_MS, ROOT, reprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const made: { remove(): void }[] = [];
afterAll(() => {
  for (const data of made) data.remove();
});

it.each([
  [4, 'v4-store', 6, 17, ['looper-1', 'napper-1', 'order-1', 'order-2', 'waiter-1']],
  [
    6,
    'v6-store',
    9,
    25,
    ['fanout-1', 'looper-1', 'napper-1', 'order-1', 'order-2', 'order-3', 'order-4', 'waiter-1'],
  ],
])('migrates a format-%i store that verify refused, once', async (from, fixture, workflows, events, rows) => {
  const data = tempData();
  made.push(data);
  const at = (...args: string[]) => [...args, '--data', data.path];
  mkdirSync(data.path, { recursive: true });
  cpSync(join(ROOT, `packages/store-lmdb/test/fixtures/${fixture}/data.mdb`), join(data.path, 'data.mdb'));

  const refused = await reprise(at('verify'));
  expect(refused.code).toBe(6);
  expect(refused.stderr).toMatch(new RegExp(`format version ${from}.*reprise migrate`));

  const migrated = await reprise(at('migrate', '--json'));
  expect(migrated).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(migrated.stdout)).toEqual({ path: data.path, from, to: FORMAT_VERSION, migrated: true });

  const verified = await reprise(at('verify'));
  expect(verified).toMatchObject({ code: 0 });
  expect(verified.stdout).toMatch(
    new RegExp(`no damage found: .*${workflows} workflows, ${events} events checked`),
  );
  const listed = (
    JSON.parse((await reprise(at('list', '--json'))).stdout) as { items: { workflowId: string }[] }
  ).items;
  expect(listed.map((row) => row.workflowId).sort()).toEqual(rows);

  const again = await reprise(at('migrate'));
  expect(again).toMatchObject({ code: 0, stderr: '' });
  expect(again.stdout).toMatch(new RegExp(`is already format ${FORMAT_VERSION}; nothing to do`));
});
