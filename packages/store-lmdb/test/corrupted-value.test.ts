// One stored value damaged on disk: reading it fails with StoreCorruption naming its key;
// other workflows keep working.

import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents, StoreCorruption, type WorkflowId } from '@reprise/core';
import { damageStoredValue } from '@reprise/testkit/internal';
import { type Key, open } from 'lmdb';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { toKeyText } from '../src/key-text.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('corrupted');
afterAll(() => dirs.removeAll());

async function seed(store: LmdbStore, id: WorkflowId, marker: string): Promise<void> {
  await store.append(
    id,
    envelopeEvents(id, 0, 1, [
      { type: 'WorkflowStarted', workflowType: 't', input: null, runId: asRunId('r'), parentRunId: null },
      { type: 'SignalReceived', signalName: 's', payload: marker },
    ]),
    { expectedSeq: 0 },
  );
}

const damage = damageStoredValue;

it('names the damaged key and keeps serving the other workflows', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  const victim = asWorkflowId('victim');
  const bystander = asWorkflowId('bystander');
  await seed(store, victim, 'MARKER-victim-payload');
  await seed(store, bystander, 'MARKER-bystander-payload');
  await store.close();

  damage(path, 'MARKER-victim-payload');

  const reopened = openLmdbStore({ path, noSync: true });
  const error = await reopened.readHistory(victim).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StoreCorruption);
  // Both events went in one append, so they are one chunk, stored under its first seq.
  expect(error).toMatchObject({ code: 'store_corruption', key: 'history ["victim",1]' });
  expect((error as Error).message).toMatch(/checksum mismatch/);

  expect(await reopened.readHistory(bystander)).toHaveLength(2);
  const more = envelopeEvents(bystander, 2, 2, [{ type: 'WorkflowCompleted', result: 1 }]);
  expect(await reopened.append(bystander, more, { expectedSeq: 2 })).toEqual({ lastSeq: 3 });
  expect((await reopened.getSummary(bystander))?.status).toBe('Completed');
  // The victim's record is intact, so its row and appends still work; its history does not read.
  expect(await reopened.lastSeq(victim)).toBe(2);
  const { problems } = await reopened.verify();
  expect(problems[0]).toContain('corrupt record at history ["victim",1]');
  expect(problems.join('\n')).not.toContain('bystander');
  await reopened.close();
});

it('names a damaged workflow record and refuses to append on top of it', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  const victim = asWorkflowId('record-victim');
  const other = asWorkflowId('other');
  await seed(store, victim, 'v');
  await seed(store, other, 'o');
  await store.close();

  damage(path, '{"summary":{"workflowId":"record-victim"');

  const reopened = openLmdbStore({ path, noSync: true });
  const error = await reopened.getSummary(victim).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StoreCorruption);
  expect(error).toMatchObject({ key: 'history ["record-victim",0]' });
  for (const body of [
    { type: 'WorkflowCompleted', result: 1 },
    { type: 'SignalReceived', signalName: 's', payload: 'row unchanged' },
  ] as const) {
    const append = envelopeEvents(victim, 2, 2, [body]);
    await expect(reopened.append(victim, append, { expectedSeq: 2 })).rejects.toMatchObject({
      code: 'store_corruption',
      key: 'history ["record-victim",0]',
    });
  }
  // Its history is intact (the last seq is its last key), and the other workflow is untouched.
  expect(await reopened.readHistory(victim)).toHaveLength(2);
  expect(await reopened.lastSeq(victim)).toBe(2);
  expect(await reopened.lastSeq(other)).toBe(2);
  const more = envelopeEvents(other, 2, 2, [{ type: 'WorkflowCompleted', result: 1 }]);
  expect(await reopened.append(other, more, { expectedSeq: 2 })).toEqual({ lastSeq: 3 });
  await reopened.close();
});

it('names a history whose first event is gone, though its record is there', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  const victim = asWorkflowId('first-gone');
  await seed(store, victim, 'MARKER-first-gone');
  await store.close();

  // The first event removed behind the store's back, through lmdb-js itself.
  const raw = open({ path });
  await raw.openDB<string, Key>('history', { encoding: 'string' }).remove([toKeyText(victim), 1]);
  await raw.close();

  const reopened = openLmdbStore({ path, noSync: true });
  const error = await reopened.readHistory(victim).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'store_corruption', key: 'history ["first-gone",1]' });
  // A workflow never written is no corruption: its history is empty.
  expect(await reopened.readHistory(asWorkflowId('never-written'))).toEqual([]);
  await reopened.close();
});
