// A data.mdb that is not a whole LMDB file (random bytes, a copy cut short, a damaged meta page)
// is refused at open with StoreCorruption naming the file, where LMDB would fault the process.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { openInChild } from './open-in-child.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('damaged-env');
afterAll(() => dirs.removeAll());

/** A real store holding one workflow's two events, closed; returns its data file's bytes. */
async function realStore(): Promise<{ path: string; bytes: Buffer }> {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  const id = asWorkflowId('kept');
  await store.append(
    id,
    envelopeEvents(id, 0, 1, [
      { type: 'WorkflowStarted', workflowType: 't', input: null, runId: asRunId('r'), parentRunId: null },
      { type: 'WorkflowCompleted', result: 'done' },
    ]),
    { expectedSeq: 0 },
  );
  await store.close();
  return { path, bytes: readFileSync(join(path, 'data.mdb')) };
}

/** A store directory whose data.mdb holds exactly `bytes`. */
function storeWith(bytes: Buffer): { path: string; file: string } {
  const path = join(dirs.make(), 'store');
  mkdirSync(path);
  const file = join(path, 'data.mdb');
  writeFileSync(file, bytes);
  return { path, file };
}

const refusal = (file: string, reason: RegExp) => ({
  opened: false,
  name: 'StoreCorruption',
  code: 'store_corruption',
  key: file,
  message: expect.stringMatching(reason),
});

it('refuses a data file of random bytes, naming it, and leaves it as it was', () => {
  const bytes = randomBytes(64 * 1024);
  bytes.writeUInt32LE(0x12345678, 24); // never LMDB's magic by chance
  const { path, file } = storeWith(bytes);
  expect(openInChild(path)).toEqual(refusal(file, /meta page 0 has magic 0x12345678, not LMDB's 0xbeefc0de/));
  expect(readFileSync(file).equals(bytes)).toBe(true);
});

it('refuses a copy of a real data file cut short at 8 KiB (both meta pages, no data)', async () => {
  const { bytes } = await realStore();
  expect(bytes.length).toBeGreaterThan(8192);
  const { path, file } = storeWith(bytes.subarray(0, 8192));
  expect(openInChild(path)).toEqual(
    refusal(file, /names root page \d+, but the file ends after 2 pages of 4096 bytes \(8192 bytes\)/),
  );
});

it('refuses a copy cut short by one page', async () => {
  const { bytes } = await realStore();
  const { path, file } = storeWith(bytes.subarray(0, bytes.length - 4096));
  expect(openInChild(path)).toEqual(refusal(file, /but the file ends after/));
});

it('refuses a file too short for its meta pages', async () => {
  const { bytes } = await realStore();
  const tiny = storeWith(Buffer.alloc(100));
  expect(openInChild(tiny.path)).toEqual(
    refusal(tiny.file, /has 100 bytes, too few for LMDB's first meta page/),
  );
  const onePage = storeWith(bytes.subarray(0, 4096));
  expect(openInChild(onePage.path)).toEqual(refusal(onePage.file, /too few for LMDB's two meta pages/));
});

it('refuses a file whose second meta page lost its magic number', async () => {
  const { bytes } = await realStore();
  const damaged = Buffer.from(bytes);
  damaged.writeUInt32LE(0, 4096 + 24);
  const { path, file } = storeWith(damaged);
  expect(openInChild(path)).toEqual(refusal(file, /meta page 1 has magic 0x00000000/));
});

it('refuses a file whose meta page names a root past its last page', async () => {
  const { bytes } = await realStore();
  const damaged = Buffer.from(bytes);
  // The main database's root in both meta pages (so whichever is current says it).
  for (const page of [0, 4096]) damaged.writeBigUInt64LE(1_000_000n, page + 24 + 24 + 48 + 40);
  const { path, file } = storeWith(damaged);
  expect(openInChild(path)).toEqual(refusal(file, /names root page 1000000, past its last page/));
});

it('still opens a whole store, and an empty data file as a new one', async () => {
  const { path } = await realStore();
  expect(openInChild(path)).toEqual({ opened: true, events: 2 });
  const empty = storeWith(Buffer.alloc(0));
  expect(openInChild(empty.path)).toEqual({ opened: true, events: 0 });
});

it('opens a store whose last used page lies past the end of its file (LMDB allows it when those pages are free)', async () => {
  const { bytes } = await realStore();
  const grown = Buffer.from(bytes);
  const pages = BigInt(bytes.length / 4096);
  // mm_last_pg in both meta pages, so whichever is current says it.
  for (const page of [0, 4096]) grown.writeBigUInt64LE(pages + 5n, page + 24 + 24 + 2 * 48);
  const { path } = storeWith(grown);
  expect(openInChild(path)).toEqual({ opened: true, events: 2 });
});
