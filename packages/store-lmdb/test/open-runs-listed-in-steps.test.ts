// listActive reads the open runs from the `Running` range of `by-status-type` in steps of 1,024:
// across steps, every open run is listed once and no closed run is, whatever its type and
// however many runs share a creation time; runs that close while the list is read are listed at
// most once, and every run open throughout is listed.
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents, type WorkflowId } from '@reprise/core';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('open-runs');
afterAll(() => dirs.removeAll());

const T0 = 1_700_000_000_000;
const TYPES = ['order', 'invoice', 'ship'];
/** More than two steps of `listActive`. */
const RUNS = 2_600;

const idOf = (n: number) => asWorkflowId(`run-${n}`);

async function startRuns(store: LmdbStore): Promise<void> {
  for (let from = 0; from < RUNS; from += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, RUNS - from) }, (_, k) => {
        const n = from + k;
        // Five runs share each creation time, so list order falls back on the id.
        const events = envelopeEvents(idOf(n), 0, T0 + Math.floor(n / 5), [
          {
            type: 'WorkflowStarted',
            workflowType: TYPES[n % TYPES.length] as string,
            input: n,
            runId: asRunId(`r-${n}`),
            parentRunId: null,
            searchAttributes: {},
          },
        ]);
        return store.append(idOf(n), events, { expectedSeq: 0 });
      }),
    );
  }
}

const close = (store: LmdbStore, n: number) =>
  store.append(idOf(n), envelopeEvents(idOf(n), 1, T0 + 10_000, [{ type: 'WorkflowCompleted', result: n }]), {
    expectedSeq: 1,
  });

it('lists every open run once across steps, and no closed one', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  try {
    await startRuns(store);
    const closed = new Set<number>();
    for (let n = 0; n < RUNS; n += 7) closed.add(n);
    await Promise.all([...closed].map((n) => close(store, n)));
    const listed: WorkflowId[] = [];
    for await (const id of store.listActive()) listed.push(id);
    const open = Array.from({ length: RUNS }, (_, n) => n).filter((n) => !closed.has(n));
    expect(listed.length).toBe(open.length);
    expect([...listed].sort()).toEqual(open.map(idOf).sort());
  } finally {
    await store.close();
  }
});

it('lists a run that closes while the list is read at most once, and every run open throughout', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  try {
    await startRuns(store);
    const listed: WorkflowId[] = [];
    const closing = new Set<number>();
    for await (const id of store.listActive()) {
      listed.push(id);
      if (listed.length === 1_000) {
        // Within the first step: runs of every type close, some listed already, some not yet.
        for (let n = 0; n < RUNS; n += 11) closing.add(n);
        await Promise.all([...closing].map((n) => close(store, n)));
      }
    }
    expect(new Set(listed).size).toBe(listed.length);
    const openThroughout = Array.from({ length: RUNS }, (_, n) => n).filter((n) => !closing.has(n));
    const seen = new Set(listed);
    expect(openThroughout.filter((n) => !seen.has(idOf(n)))).toEqual([]);
  } finally {
    await store.close();
  }
});
