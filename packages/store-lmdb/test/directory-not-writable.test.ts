// A directory the process may not write is refused at open with StoreUnavailableError, for a
// new store and for an existing one. Tests run as root, who may write anywhere, so the store
// is opened by a child process running as an unprivileged user.

import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { killWorkers, startWorker } from './child-process.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('not-writable');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;

async function openAsUnprivileged(path: string): Promise<string> {
  const worker = startWorker('open', path, [], asRoot ? { uid: NOBODY, gid: NOBODY } : {});
  const line = await worker.waitFor((text) => text === 'opened' || text.startsWith('failed '));
  await worker.exited;
  return line;
}

it('refuses to create a store in a directory it cannot write', async () => {
  const parent = dirs.make();
  const path = join(parent, 'store');
  mkdirSync(path);
  chmodSync(path, 0o555);
  chmodSync(parent, 0o555);
  expect(await openAsUnprivileged(path)).toMatch(/^failed StoreUnavailableError store_unavailable /);
}, 20_000);

it('refuses to open an existing store it cannot write', async () => {
  const path = join(dirs.make(), 'store');
  const store = openLmdbStore({ path, noSync: true });
  const id = asWorkflowId('w');
  await store.append(
    id,
    envelopeEvents(id, 0, 1, [
      { type: 'WorkflowStarted', workflowType: 't', input: null, runId: asRunId('r'), parentRunId: null },
    ]),
    { expectedSeq: 0 },
  );
  await store.close();
  chmodSync(path, 0o555);
  for (const file of ['data.mdb', 'lock.mdb']) chmodSync(join(path, file), 0o444);
  expect(await openAsUnprivileged(path)).toMatch(/^failed StoreUnavailableError store_unavailable /);
  // Nothing was harmed: the owner still reads and writes it.
  const again = openLmdbStore({ path, noSync: true });
  expect(await again.lastSeq(id)).toBe(1);
  await again.close();
}, 20_000);
