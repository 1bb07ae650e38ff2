// The indexes live in one database, and an index entry is written only when the value it indexes
// changes: an append that changes no indexed field writes no entry (its chunk alone), a start adds
// the row's entries once, a close swaps only the status entries and adds the close time; a store
// holds four named databases whatever it was given.
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, type EventBody } from '@reprise/core';
import { type Key, open } from 'lmdb';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import type { Databases } from '../src/layout.js';
import { appendOnLastSeq, started } from './fixtures/last-seq-appends.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('index-on-change');
afterAll(() => dirs.removeAll());

/** The keys of the `index` database put and removed during `write`, each as `+key` or `-key` (tag first). */
async function indexWrites(store: LmdbStore, write: () => Promise<unknown>): Promise<string[]> {
  const writes: string[] = [];
  const index = (store as unknown as { dbs: Databases }).dbs.index as unknown as {
    put(key: Key, value: Buffer): Promise<boolean>;
    remove(key: Key): Promise<boolean>;
  };
  const realPut = index.put;
  const realRemove = index.remove;
  index.put = function (key, value) {
    writes.push(`+${JSON.stringify(key)}`);
    return realPut.call(this, key, value);
  };
  index.remove = function (key) {
    writes.push(`-${JSON.stringify(key)}`);
    return realRemove.call(this, key);
  };
  try {
    await write();
  } finally {
    index.put = realPut;
    index.remove = realRemove;
  }
  return writes.sort();
}

const signal = (n: number): EventBody => ({ type: 'SignalReceived', signalName: 's', payload: n });

it('writes an index entry only when what it indexes changes, in one index database', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  const id = asWorkflowId('wf');
  try {
    const start = await indexWrites(store, () =>
      appendOnLastSeq(store, id, [started({ customer: 'ada' })], 1000),
    );
    expect(start).toEqual(
      [
        '+["l",-1000,"wf"]', // list
        '+["m","Running","order",-1000,"wf"]', // by-status-type
        '+["r",1000,-1000,"wf"]', // by-start
        '+["p","customer",-1000,"wf"]', // by-presence
        '+["b","customer","ada",-1000,"wf"]', // by-attribute
        '+["w","customer","ada",-1000,"wf"]', // by-word
      ].sort(),
    );
    // Ordinary appends (one event, several events) write no index entry.
    expect(await indexWrites(store, () => appendOnLastSeq(store, id, [signal(1)], 1001))).toEqual([]);
    expect(await indexWrites(store, () => appendOnLastSeq(store, id, [signal(2), signal(3)], 1002))).toEqual(
      [],
    );
    const close = await indexWrites(store, () =>
      appendOnLastSeq(store, id, [{ type: 'WorkflowCompleted', result: null }], 1003),
    );
    expect(close).toEqual(
      [
        '-["m","Running","order",-1000,"wf"]',
        '+["m","Completed","order",-1000,"wf"]',
        '+["c",1003,-1000,"wf"]', // by-close
      ].sort(),
    );
    expect(
      (await store.query({ status: 'Completed', searchAttributes: { customer: 'ada' } })).items,
    ).toHaveLength(1);
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
  const raw = open({ path, readOnly: true, maxDbs: 32 });
  expect([...raw.getKeys({})].map(String).sort()).toEqual(['history', 'index', 'meta']);
  await raw.close();
});
