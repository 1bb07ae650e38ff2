// Another process appends on top of a last seq this process has cached: an append built on it
// (a conditional block, or a single conditional put) gets ConcurrencyConflict and writes
// nothing; the next one builds on the other process's record.
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, ConcurrencyConflict, envelopeEvents, type WorkflowId } from '@reprise/core';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { killWorkers, startWorker } from './child-process.js';
import { tempDirs } from './temp-dirs.js';

// Generous timeouts: each test waits only for a worker process's line and exit (node and tsx
// start in seconds on a busy machine); they bound a hang, they time nothing.
const dirs = tempDirs('cached-record');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

/**
 * Opens a store on a new directory and writes `id`'s first two events through it, so this
 * process knows the record at seq 2 (it wrote it); then another process appends a timer
 * 'theirs' (fireAt 40) at seq 3. Returns the store, whose cached last seq is now stale.
 */
async function movedOnByAnotherProcess(id: WorkflowId): Promise<LmdbStore> {
  const path = dirs.make();
  const store = openLmdbStore({ path });
  await store.append(
    id,
    envelopeEvents(id, 0, 1, [
      { type: 'WorkflowStarted', workflowType: 't', input: null, runId: asRunId('r'), parentRunId: null },
    ]),
    { expectedSeq: 0 },
  );
  await store.append(
    id,
    envelopeEvents(id, 1, 2, [{ type: 'SignalReceived', signalName: 's', payload: 1 }]),
    { expectedSeq: 1 },
  );

  const other = startWorker('timer', path, [id, '2', 'theirs', '40']);
  await other.waitFor((line) => line === 'appended 3');
  await other.exited;
  return store;
}

it('refuses an append on a cached record another process moved on, and leaves no trace of it', async () => {
  const id = asWorkflowId('shared');
  const store = await movedOnByAnotherProcess(id);

  const mine = envelopeEvents(id, 2, 3, [{ type: 'TimerStarted', timerId: 'mine', fireAt: 30 }]);
  const conflict = await store.append(id, mine, { expectedSeq: 2 }).catch((error: unknown) => error);
  expect(conflict).toBeInstanceOf(ConcurrencyConflict);
  expect(conflict).toMatchObject({ expectedSeq: 2, actualSeq: 3 });
  const history = await store.readHistory(id);
  expect(history).toHaveLength(3);
  expect(history[2]).toMatchObject({ type: 'TimerStarted', timerId: 'theirs' });
  expect(await store.dueTimers(100)).toEqual([{ workflowId: id, timerId: 'theirs', fireAt: 40 }]);

  // Issued back to back: a stale one again, then one at the actual seq, which keeps their timer.
  const stale = store.append(id, mine, { expectedSeq: 2 });
  const next = store.append(
    id,
    envelopeEvents(id, 3, 4, [{ type: 'TimerStarted', timerId: 'mine', fireAt: 30 }]),
    { expectedSeq: 3 },
  );
  await expect(stale).rejects.toBeInstanceOf(ConcurrencyConflict);
  expect(await next).toEqual({ lastSeq: 4 });
  expect(await store.dueTimers(100)).toEqual([
    { workflowId: id, timerId: 'mine', fireAt: 30 },
    { workflowId: id, timerId: 'theirs', fireAt: 40 },
  ]);
  expect((await store.getSummary(id))?.historyLength).toBe(4);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
}, 120_000);

it('refuses a one-event append on a cached last seq another process moved on, writing nothing', async () => {
  const id = asWorkflowId('shared-plain');
  const store = await movedOnByAnotherProcess(id);

  // Known at seq 2, and the record did not change: the next append is a single conditional put.
  const mine = envelopeEvents(id, 2, 3, [{ type: 'SignalReceived', signalName: 's', payload: 'mine' }]);
  const conflict = await store.append(id, mine, { expectedSeq: 2 }).catch((error: unknown) => error);
  expect(conflict).toBeInstanceOf(ConcurrencyConflict);
  expect(conflict).toMatchObject({ expectedSeq: 2, actualSeq: 3 });
  const history = await store.readHistory(id);
  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted', 'SignalReceived', 'TimerStarted']);
  expect((await store.getSummary(id))?.historyLength).toBe(3);

  // The next append, at the actual seq, builds on their record (their timer stays).
  const next = envelopeEvents(id, 3, 4, [{ type: 'SignalReceived', signalName: 's', payload: 'mine' }]);
  expect(await store.append(id, next, { expectedSeq: 3 })).toEqual({ lastSeq: 4 });
  expect(
    await store.append(id, envelopeEvents(id, 4, 5, [{ type: 'WorkflowCompleted', result: null }]), {
      expectedSeq: 4,
    }),
  ).toEqual({ lastSeq: 5 });
  expect(await store.dueTimers(100)).toEqual([]);
  expect(await store.getSummary(id)).toMatchObject({ status: 'Completed', historyLength: 5 });
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
}, 120_000);
