// `reprise backup <file>` copies a live store (a worker appending meanwhile) into one compacted
// file; restoring is copying it back as data.mdb: the restored store lists the same workflows
// and its derived data agrees with its histories. A file that exists is never overwritten.
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asWorkflowId } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { CLI_TEST_TIMEOUT_MS, reprise, spawnReprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const DESK = 'packages/cli/test/fixtures/desk.ts';
const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

it('backs up a store a worker is writing, and the copy restores', async () => {
  const worker = spawnReprise(at('worker', DESK));
  const file = join(data.path, '..', 'backup.mdb');
  let listed: string;
  try {
    await worker.waitFor(/^worker ready on /);
    for (let n = 0; n < 5; n++) {
      expect((await reprise(at('start', 'greet', '--id', `g${n}`, '--input', `"${n}"`, '--wait'))).code).toBe(
        0,
      );
    }
    expect((await reprise(at('start', 'tally', '--id', 'open', '--input', '1'))).code).toBe(0);
    // Signals keep the worker appending while the copy is made.
    const signals = Promise.all([2, 3, 4].map((n) => reprise(at('signal', 'open', 'add', String(n)))));
    const backup = await reprise(at('backup', file, '--json'));
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(backup.stdout)).toEqual({
      file: expect.stringMatching(/backup\.mdb$/),
      bytes: statSync(file).size,
    });
    await signals;
    listed = (await reprise(at('list', '--json'))).stdout;
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);

  const again = await reprise(at('backup', file));
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/exists; a backup never overwrites a file/);

  const restored = join(data.path, '..', 'restored');
  mkdirSync(restored);
  copyFileSync(file, join(restored, 'data.mdb'));
  const store = openLmdbStore({ path: restored });
  try {
    expect((await store.verify()).problems).toEqual([]);
    const ids = (await store.query({})).items.map((row) => row.workflowId).sort();
    expect(ids).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'open']);
    // The copy holds whole appends: the open run's history is a prefix of the live one.
    const live = JSON.parse(listed) as { items: { workflowId: string; historyLength: number }[] };
    const copy = await store.readHistory(asWorkflowId('open'));
    expect(copy.length).toBeLessThanOrEqual(
      live.items.find((row) => row.workflowId === 'open')?.historyLength ?? 0,
    );
    expect(copy.map((event) => event.seq)).toEqual(copy.map((_, index) => index + 1));
  } finally {
    await store.close();
  }
  writeFileSync(join(data.path, '..', 'not-a-dir'), '');
  expect((await reprise(at('backup', join(data.path, '..', 'not-a-dir', 'x.mdb')))).code).toBe(6);
});
