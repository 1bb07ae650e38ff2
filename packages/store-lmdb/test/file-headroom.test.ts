// A writable store keeps zeroed room past the pages LMDB uses in its data file, so that commits
// write into blocks the file has instead of growing it (`file-headroom.ts`). The room is
// invisible to everything that reads the file, and a SIGKILL while it is being written leaves
// the store whole.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { asWorkflowId, type WorkflowId } from '@reprise/core';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { openLmdbStore } from '../src/index.js';
import { walkDataFile } from '../src/internal.js';
import { readCurrentMeta, readFileHead } from '../src/lmdb-file-layout.js';
import { killWorkers } from './child-process.js';
import { appendPaddedStart } from './padded-starts.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('headroom');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

const WORKER = join(__dirname, 'fixtures', 'headroom-worker.ts');
/** The least room a store keeps (`LEAST_ROOM`); it tops the room up once half may be used. */
const LEAST_ROOM = 1024 * 1024;

/** The data file's size, the bytes of the pages its current meta page says are used, and the bytes past them. */
function dataFile(path: string) {
  const file = join(path, 'data.mdb');
  const head = readFileHead(file);
  if (head === undefined) throw new Error(`no data file at ${file}`);
  const reading = readCurrentMeta(head.head);
  if ('problem' in reading) throw new Error(reading.problem);
  const used = Number(reading.meta.lastPage + 1n) * reading.meta.pageSize;
  return { size: head.fileSize, used, past: readFileSync(file).subarray(used) };
}

const allZeros = (bytes: Buffer) => bytes.every((byte) => byte === 0);

describe('the room past the data', () => {
  it('is made once appends have settled, zeroed, and kept while the store grows past it', async () => {
    const path = dirs.make();
    const store = openLmdbStore({ path });
    expect(dataFile(path).size - dataFile(path).used).toBe(0);
    await appendPaddedStart(store, 0);
    const opened = dataFile(path);
    expect(opened.size - opened.used).toBeGreaterThanOrEqual(LEAST_ROOM / 2);
    expect(allZeros(opened.past)).toBe(true);
    // Several times the first room, one append after the other as a run's steps come.
    for (let n = 1; n < 800; n++) await appendPaddedStart(store, n);
    await store.close();
    const grown = dataFile(path);
    expect(grown.used).toBeGreaterThan(opened.size);
    expect(grown.size - grown.used).toBeGreaterThan(0);
    expect(allZeros(grown.past)).toBe(true);

    const reopened = openLmdbStore({ path, readOnly: true });
    try {
      expect((await reopened.verify()).problems).toEqual([]);
      expect(await reopened.count({})).toBe(800);
    } finally {
      await reopened.close();
    }
    expect(walkDataFile(path).problems).toEqual([]);
  });

  it('is left out of a backup, which opens and holds every workflow', async () => {
    const path = dirs.make();
    const store = openLmdbStore({ path });
    for (let n = 0; n < 200; n++) await appendPaddedStart(store, n);
    const copy = join(dirs.make(), 'data.mdb');
    await store.backup(copy);
    await store.close();
    const { size, used } = dataFile(path);
    expect(size).toBeGreaterThan(used);
    expect(statSync(copy).size).toBeLessThanOrEqual(used);
    const restored = openLmdbStore({ path: join(copy, '..'), readOnly: true });
    try {
      expect(await restored.count({})).toBe(200);
      expect((await restored.verify()).problems).toEqual([]);
    } finally {
      await restored.close();
    }
  });

  it('is not made while appends come in bursts', async () => {
    const path = dirs.make();
    const store = openLmdbStore({ path });
    for (let burst = 0; burst < 5; burst++) {
      await Promise.all(Array.from({ length: 50 }, (_, n) => appendPaddedStart(store, burst * 50 + n)));
    }
    await store.close();
    const after = dataFile(path);
    expect(after.size).toBe(after.used);
  });

  it('is not made by a store opened read-only or without fsync', async () => {
    const path = dirs.make();
    const store = openLmdbStore({ path, noSync: true });
    await Promise.all(Array.from({ length: 50 }, (_, n) => appendPaddedStart(store, n)));
    await store.close();
    const before = dataFile(path);
    expect(before.size).toBe(before.used);
    await openLmdbStore({ path, readOnly: true }).close();
    expect(dataFile(path).size).toBe(before.size);
  });
});

describe('a SIGKILL while the room is being written', () => {
  // Extension 1 is made once the first append has committed, before it resolves; the second one
  // after about half a megabyte more, between two appends.
  it.each([
    ['after the first append', 1],
    ['between later appends', 2],
  ])(
    '%s leaves the store whole, with every acknowledged append',
    async (_when, extension) => {
      const path = dirs.make();
      const worker = startWorkerProcess(WORKER, [path, String(extension)]);
      await worker.waitFor((line) => line === 'in-window');
      await worker.kill();
      const acknowledged = worker.lines
        .filter((line) => line.startsWith('acked '))
        .map((line) => line.slice(6));
      if (extension > 1) expect(acknowledged.length).toBeGreaterThan(0);

      const store = openLmdbStore({ path });
      try {
        expect((await store.verify()).problems).toEqual([]);
        for (const n of acknowledged) {
          const history = await store.readHistory(asWorkflowId(`w${n}`) as WorkflowId);
          expect(history).toHaveLength(1);
          expect(history[0]?.type).toBe('WorkflowStarted');
        }
        // The store goes on: appends land, and the room past them is zeros again.
        const next = acknowledged.length + 1000;
        for (let n = next; n < next + 20; n++) await appendPaddedStart(store, n);
        expect(await store.count({})).toBeGreaterThanOrEqual(acknowledged.length + 20);
      } finally {
        await store.close();
      }
      const after = dataFile(path);
      expect(after.size - after.used).toBeGreaterThan(0);
      expect(allZeros(after.past)).toBe(true);
      expect(walkDataFile(path).problems).toEqual([]);
    },
    120_000,
  );
});
