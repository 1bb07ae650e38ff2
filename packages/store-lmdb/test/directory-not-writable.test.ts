// A directory the process may not write is refused at open with StoreUnavailableError, for a
// new store and for an existing one. Root may write anywhere regardless of mode bits, so as
// root the files are made immutable (chattr +i, which binds root too); otherwise mode bits do.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('not-writable');
const asRoot = process.getuid?.() === 0;
const locked: string[] = [];

/** Takes write access away from `paths`, for this process whoever it runs as. */
function makeUnwritable(...paths: string[]): void {
  if (asRoot) {
    execFileSync('chattr', ['+i', ...paths]);
    locked.push(...paths);
  } else {
    for (const path of paths) chmodSync(path, 0o555);
  }
}

/** Gives write access back (so the owner can use, and the test remove, what was locked). */
function makeWritable(...paths: string[]): void {
  if (asRoot) execFileSync('chattr', ['-i', ...paths]);
  else for (const path of paths) chmodSync(path, 0o755);
}

afterAll(() => {
  if (locked.length > 0) execFileSync('chattr', ['-i', ...locked]);
  dirs.removeAll();
});

/** What opening the store at `path` gives: `opened`, or `failed <name> <code>`. */
async function tryOpen(path: string): Promise<string> {
  try {
    const store = openLmdbStore({ path, noSync: true });
    await store.close();
    return 'opened';
  } catch (error) {
    const { name, code, message } = error as { name: string; code?: string; message: string };
    return `failed ${name} ${code} ${message}`;
  }
}

it('refuses to create a store in a directory it cannot write', async () => {
  const parent = dirs.make();
  const path = join(parent, 'store');
  mkdirSync(path);
  makeUnwritable(path, parent);
  expect(await tryOpen(path)).toMatch(/^failed StoreUnavailableError store_unavailable /);
  makeWritable(path, parent);
});

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
  const files = ['data.mdb', 'lock.mdb'].map((file) => join(path, file));
  makeUnwritable(path, ...files);
  expect(await tryOpen(path)).toMatch(/^failed StoreUnavailableError store_unavailable /);
  makeWritable(path, ...files);
  // Nothing was harmed: the owner still reads and writes it.
  const again = openLmdbStore({ path, noSync: true });
  expect(await again.lastSeq(id)).toBe(1);
  await again.close();
});
