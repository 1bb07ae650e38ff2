// Appends built on a last seq this process committed (one conditional write each): the record
// and timer index change only with their content, historyLength is the history's last key, and
// a reopened store, which knows no last seq, continues where the histories end.
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, type EventBody, envelopeEvents, projectHistory, type WorkflowId } from '@reprise/core';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { appendOnLastSeq, started } from './fixtures/last-seq-appends.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('known-head');
afterAll(() => dirs.removeAll());

const activity = (n: number): EventBody => ({
  type: 'ActivityScheduled',
  activityId: `a${n}`,
  activityType: 'charge',
  input: n,
});

/** Appends `bodies` one append each (or all in one when `together`), on the store's last seq. */
async function appendEach(store: LmdbStore, id: WorkflowId, bodies: EventBody[], together = false) {
  const batches = together ? [bodies] : bodies.map((body) => [body]);
  for (const batch of batches) await appendOnLastSeq(store, id, batch, (seq) => 1000 + seq);
}

async function expectConsistent(store: LmdbStore, id: WorkflowId, length: number): Promise<void> {
  const history = await store.readHistory(id);
  expect(history).toHaveLength(length);
  expect(await store.lastSeq(id)).toBe(length);
  const summary = await store.getSummary(id);
  expect(summary).toEqual(projectHistory(history).summary);
  expect(summary?.historyLength).toBe(length);
  expect((await store.verify()).problems).toEqual([]);
}

it('keeps timers, the record and historyLength right across appends that change them or not', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('timers');
  await appendEach(store, id, [started({ customer: 'ada' }), activity(1), activity(2)]);
  await expectConsistent(store, id, 3);

  // A timer started on a known head: the record and the timer index change with the events.
  await appendEach(store, id, [{ type: 'TimerStarted', timerId: 't1', fireAt: 50 }]);
  expect(await store.dueTimers(100)).toEqual([{ workflowId: id, timerId: 't1', fireAt: 50 }]);
  await appendEach(store, id, [activity(3), { type: 'TimerStarted', timerId: 't2', fireAt: 60 }], true);
  await appendEach(store, id, [activity(4)]);
  expect((await store.dueTimers(100)).map((timer) => timer.timerId)).toEqual(['t1', 't2']);
  await expectConsistent(store, id, 7);

  await appendEach(store, id, [{ type: 'TimerFired', timerId: 't1' }, activity(5)], true);
  await appendEach(store, id, [{ type: 'TimerCancelled', timerId: 't2' }]);
  expect(await store.dueTimers(100)).toEqual([]);
  await expectConsistent(store, id, 10);

  // Every query row carries the history's length too.
  const page = await store.query({ status: 'Running', searchAttributes: { customer: 'ada' } });
  expect(page.items).toEqual([await store.getSummary(id)]);
  expect(page.items[0]?.historyLength).toBe(10);
  expect((await store.query({})).items.map((row) => row.historyLength)).toEqual([10]);

  // A close (a row change) after appends that left the record as it was.
  await appendEach(store, id, [activity(6), { type: 'WorkflowCompleted', result: null }], true);
  expect((await store.getSummary(id))?.status).toBe('Completed');
  await expectConsistent(store, id, 12);
  await store.close();
});

it('gives a history without a WorkflowStarted no row, and keeps appending to it', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('no-row');
  await appendEach(store, id, [{ type: 'SignalReceived', signalName: 's', payload: 1 }, activity(1)]);
  expect(await store.getSummary(id)).toBeUndefined();
  expect(await store.lastSeq(id)).toBe(2);
  expect((await store.query({})).items).toEqual([]);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});

it('continues appends after a reopen, when this process knows no last seq', async () => {
  const path = dirs.make();
  const ids = ['a', 'b', 'c'].map((name) => asWorkflowId(`reopen-${name}`));
  let store = openLmdbStore({ path, noSync: true });
  for (const id of ids) await appendEach(store, id, [started(), activity(1)]);
  await appendEach(store, ids[0] as WorkflowId, [{ type: 'TimerStarted', timerId: 't', fireAt: 5 }]);
  await store.close();

  store = openLmdbStore({ path, noSync: true });
  // Issued together, before anything is known: each is checked against its history's last key.
  await Promise.all(
    ids.map(async (id) => {
      const seq = await store.lastSeq(id);
      await store.append(id, envelopeEvents(id, seq, 2000, [activity(2)]), { expectedSeq: seq });
      await store.append(id, envelopeEvents(id, seq + 1, 2001, [activity(3)]), { expectedSeq: seq + 1 });
    }),
  );
  await expectConsistent(store, ids[0] as WorkflowId, 5);
  await expectConsistent(store, ids[1] as WorkflowId, 4);
  expect(await store.dueTimers(10)).toEqual([{ workflowId: ids[0], timerId: 't', fireAt: 5 }]);
  await store.close();

  store = openLmdbStore({ path, noSync: true });
  expect((await store.getSummary(ids[2] as WorkflowId))?.historyLength).toBe(4);
  expect((await store.query({ limit: 3 })).items.map((row) => row.historyLength).sort()).toEqual([4, 4, 5]);
  await store.close();
});
