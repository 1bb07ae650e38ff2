// Damage that LMDB detects itself (MDB_CORRUPTED, MDB_PAGE_NOTFOUND) or that makes lmdb-js fail
// to decode a key reaches callers as StoreCorruption naming where, like damage the store's own
// checks find, so the engine quarantines the workflow instead of restarting it. The fault is
// injected where LMDB would raise it: the database's own read call.
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('lmdb-detects');
afterAll(() => dirs.removeAll());

interface Readers {
  dbs: { historyBytes: { getRange: () => never }; timers: { getKeys: () => never } };
}

const lmdbError = (message: string, code: number) => Object.assign(new Error(message), { code });
const keyDecodeError = () => {
  const error = new TypeError('Invalid key');
  error.stack = `TypeError: Invalid key\n    at readKey (/app/node_modules/ordered-binary/index.js:101:9)`;
  return error;
};

it.each([
  ['MDB_CORRUPTED', () => lmdbError('MDB_CORRUPTED: Located page was wrong type', -30796)],
  ['MDB_PAGE_NOTFOUND', () => lmdbError('MDB_PAGE_NOTFOUND: Requested page not found', -30797)],
  ['a key lmdb-js cannot decode', keyDecodeError],
])('%s while reading a history is StoreCorruption naming it', async (_, fault) => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('w');
  await store.append(
    id,
    envelopeEvents(id, 0, 1, [
      { type: 'WorkflowStarted', workflowType: 't', input: null, runId: asRunId('r'), parentRunId: null },
    ]),
    { expectedSeq: 0 },
  );
  const readers = store as unknown as Readers;
  // Histories are read as bytes (`historyBytes`): a chunk may hold MessagePack.
  readers.dbs.historyBytes.getRange = () => {
    throw fault();
  };
  readers.dbs.timers.getKeys = () => {
    throw fault();
  };
  await expect(store.readHistory(id)).rejects.toMatchObject({
    code: 'store_corruption',
    key: 'history ["w",1]',
    reason: expect.stringMatching(/^LMDB cannot read it: /),
  });
  await expect(store.dueTimers(10)).rejects.toMatchObject({ code: 'store_corruption', key: 'timers' });
  await store.close();
});

it('an error of our own code is not taken for damage', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const readers = store as unknown as Readers;
  readers.dbs.timers.getKeys = () => {
    throw new TypeError('a bug of ours');
  };
  await expect(store.dueTimers(10)).rejects.toThrow(TypeError);
  await store.close();
});
