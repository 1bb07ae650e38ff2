// Closing while appends are in flight lets them finish (durably, or with a typed error), and
// every call afterwards, iterations included, throws StoreClosedError.
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents, StoreClosedError } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('closed');
afterAll(() => dirs.removeAll());

const start = (id: string) =>
  envelopeEvents(asWorkflowId(id), 0, 1, [
    { type: 'WorkflowStarted', workflowType: 't', input: null, runId: asRunId('r'), parentRunId: null },
  ]);

it('settles appends in flight at close, then refuses everything', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path });
  const inFlight = Array.from({ length: 50 }, (_, index) =>
    store.append(asWorkflowId(`w${index}`), start(`w${index}`), { expectedSeq: 0 }),
  );
  const closing = store.close();
  const settled = await Promise.allSettled(inFlight);
  await closing;
  const written = settled.filter((result) => result.status === 'fulfilled').length;
  for (const result of settled) {
    if (result.status === 'rejected') expect(result.reason).toHaveProperty('code');
  }
  await expect(store.append(asWorkflowId('late'), start('late'), { expectedSeq: 0 })).rejects.toBeInstanceOf(
    StoreClosedError,
  );
  await expect(store.verify()).rejects.toBeInstanceOf(StoreClosedError);
  await store.close();

  const reopened = openLmdbStore({ path });
  expect(await reopened.count()).toBe(written);
  await reopened.close();
});

it('stops an active-set iteration that outlives the store', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  await Promise.all(
    Array.from({ length: 1100 }, (_, index) =>
      store.append(asWorkflowId(`a${index}`), start(`a${index}`), { expectedSeq: 0 }),
    ),
  );
  const seen: string[] = [];
  const iteration = (async () => {
    for await (const id of store.listActive()) {
      seen.push(id);
      if (seen.length === 10) await store.close();
    }
  })();
  await expect(iteration).rejects.toBeInstanceOf(StoreClosedError);
  expect(seen.length).toBe(1024);
});
