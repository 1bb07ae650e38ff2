// backup() while appends go on: the copy is one consistent snapshot (whole appends, derived data
// agreeing with histories), compacted, and restores by being copied back as data.mdb.

import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, type EventBody, envelopeEvents, InvalidArgumentError } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('backup');
afterAll(() => dirs.removeAll());

it('copies a consistent snapshot while appends go on, and refuses to overwrite', async () => {
  const root = dirs.make();
  const store = openLmdbStore({ path: join(root, 'data'), noSync: true });
  const ids = Array.from({ length: 50 }, (_, n) => asWorkflowId(`w${n}`));
  const start = (n: number): EventBody => ({
    type: 'WorkflowStarted',
    workflowType: 'order',
    input: n,
    runId: asRunId(`r${n}`),
    parentRunId: null,
  });
  await Promise.all(
    ids.map((id, n) => store.append(id, envelopeEvents(id, 0, n, [start(n)]), { expectedSeq: 0 })),
  );
  const file = join(root, 'copy.mdb');
  // Ten more events per workflow, appended while the copy is made.
  const appending = Promise.all(
    ids.map(async (id) => {
      for (let seq = 1; seq <= 10; seq++) {
        const body: EventBody = { type: 'SignalReceived', signalName: 's', payload: seq };
        await store.append(id, envelopeEvents(id, seq, seq, [body]), { expectedSeq: seq });
      }
    }),
  );
  await store.backup(file);
  await appending;
  await expect(store.backup(file)).rejects.toBeInstanceOf(InvalidArgumentError);
  // No scratch directory is left beside the file.
  expect(readdirSync(root).sort()).toEqual(['copy.mdb', 'data']);
  await store.close();

  const restored = join(root, 'restored');
  mkdirSync(restored);
  copyFileSync(file, join(restored, 'data.mdb'));
  const copy = openLmdbStore({ path: restored });
  try {
    expect((await copy.verify()).problems).toEqual([]);
    expect(await copy.count({})).toBe(50);
    for (const id of ids) {
      const history = await copy.readHistory(id);
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
    }
  } finally {
    await copy.close();
  }
  expect(existsSync(file)).toBe(true);
});
