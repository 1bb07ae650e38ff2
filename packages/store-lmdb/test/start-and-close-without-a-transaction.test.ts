// Starts and closes on a last seq this process knows are one conditional write each (no nested
// transaction), and still change every index, the active set, the timers and the counts; a
// workflow whose last seq this process does not know (after a reopen) goes through the
// transaction once, then its appends are conditional again.
import { afterAll, expect, it, jest } from '@jest/globals';
import { asWorkflowId, envelopeEvents, projectHistory, type WorkflowId } from '@reprise/core';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { appendOnLastSeq, started } from './fixtures/last-seq-appends.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('no-transaction');
afterAll(() => dirs.removeAll());

/** Counts the nested transactions the store opens (the path of appends it cannot plan). */
function countTransactions(store: LmdbStore) {
  const { root } = (store as unknown as { dbs: { root: { childTransaction: () => unknown } } }).dbs;
  return jest.spyOn(root, 'childTransaction');
}

async function activeIds(store: LmdbStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of store.listActive()) ids.push(id);
  return ids;
}

it('writes starts and closes as conditional writes that change indexes, active set, timers and counts', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const transactions = countTransactions(store);
  const ids = ['a', 'b', 'c'].map((name) => asWorkflowId(`wf-${name}`));

  // First appends, issued together: a start, with a timer in the same batch.
  await Promise.all(
    ids.map((id, index) =>
      appendOnLastSeq(
        store,
        id,
        [started({ customer: 'ada' }), { type: 'TimerStarted', timerId: 't', fireAt: 10 + index }],
        1,
      ),
    ),
  );
  expect(await store.count({ status: 'Running' })).toBe(3);
  expect(await store.count({ searchAttributes: { customer: 'ada' } })).toBe(3);
  expect(await activeIds(store)).toEqual(ids);
  expect((await store.dueTimers(100)).map((timer) => timer.workflowId)).toEqual(ids);

  // A search attribute change, then closes of two of them (one with its timer pending).
  await appendOnLastSeq(
    store,
    ids[0] as WorkflowId,
    [{ type: 'SearchAttributesUpdated', searchAttributes: { customer: 'bob' } }],
    2,
  );
  await appendOnLastSeq(store, ids[0] as WorkflowId, [{ type: 'WorkflowCompleted', result: 1 }], 3);
  await appendOnLastSeq(
    store,
    ids[1] as WorkflowId,
    [
      { type: 'TimerFired', timerId: 't' },
      { type: 'WorkflowFailed', error: { name: 'E', message: 'x' } },
    ],
    4,
  );
  expect(transactions).not.toHaveBeenCalled();

  expect(await store.count({})).toBe(3);
  expect(await store.count({ status: 'Running' })).toBe(1);
  expect(await store.count({ status: 'Completed', workflowType: 'order' })).toBe(1);
  expect(await store.count({ status: ['Completed', 'Failed'] })).toBe(2);
  expect(await store.count({ searchAttributes: { customer: 'ada' } })).toBe(2);
  expect(await store.count({ searchAttributes: { customer: 'bob' } })).toBe(1);
  expect((await store.query({ closedAfter: 0 })).items.map((row) => row.workflowId).sort()).toEqual(
    ids.slice(0, 2),
  );
  expect(await activeIds(store)).toEqual([ids[2]]);
  expect((await store.dueTimers(100)).map((timer) => timer.workflowId)).toEqual([ids[2]]);
  for (const id of ids) {
    expect(await store.getSummary(id)).toEqual(projectHistory(await store.readHistory(id)).summary);
  }
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});

it('takes the transaction for a last seq it does not know (after a reopen), once', async () => {
  const path = dirs.make();
  const id = asWorkflowId('reopened');
  let store = openLmdbStore({ path, noSync: true });
  await appendOnLastSeq(store, id, [started({ customer: 'ada' })], 1);
  await appendOnLastSeq(store, id, [{ type: 'TimerStarted', timerId: 't', fireAt: 5 }], 2);
  await store.close();

  store = openLmdbStore({ path, noSync: true });
  const transactions = countTransactions(store);
  // Unknown here: the transaction reads the last seq and the record, and checks them.
  await appendOnLastSeq(store, id, [{ type: 'SignalReceived', signalName: 's', payload: 1 }], 3);
  expect(transactions).toHaveBeenCalledTimes(1);
  // Known from then on: the close is a conditional write.
  await appendOnLastSeq(store, id, [{ type: 'WorkflowCancelled', reason: null }], 4);
  expect(transactions).toHaveBeenCalledTimes(1);
  expect(await store.count({ status: 'Cancelled' })).toBe(1);
  expect(await store.count({ status: 'Running' })).toBe(0);
  expect(await activeIds(store)).toEqual([]);
  expect(await store.dueTimers(100)).toEqual([]);

  // A stale expectedSeq conflicts, and this process forgets what it knew of the workflow: the
  // next append goes through the transaction again.
  const stale = envelopeEvents(id, 3, 5, [{ type: 'SignalReceived', signalName: 's', payload: 2 }]);
  await expect(store.append(id, stale, { expectedSeq: 3 })).rejects.toMatchObject({
    code: 'concurrency_conflict',
    actualSeq: 4,
  });
  await appendOnLastSeq(store, id, [{ type: 'SignalReceived', signalName: 's', payload: 3 }], 6);
  expect(transactions).toHaveBeenCalledTimes(3);
  expect(await store.lastSeq(id)).toBe(5);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});
