// Two processes appending to the same workflows through one path: each seq is won by exactly
// one of them, the loser gets ConcurrencyConflict, and every history stays contiguous.
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { killWorkers, startWorker } from './child-process.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('two-processes');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

// Generous: it waits only for worker processes' lines and exits (node and tsx start in seconds
// on a busy machine); the timeout bounds a hang, it times nothing.
it('never lets two processes interleave a workflow’s seqs', async () => {
  const path = dirs.make();
  const workflows = 12;
  const target = 25;
  const workers = ['left', 'right'].map((name) => ({
    name,
    worker: startWorker('race', path, [name, String(workflows), String(target)]),
  }));
  await Promise.all(workers.map(({ worker }) => worker.waitFor((line) => line === 'ready')));
  for (const { worker } of workers) worker.child.stdin?.end('go\n');
  const conflicts = await Promise.all(
    workers.map(async ({ worker }) =>
      Number((await worker.waitFor((line) => line.startsWith('done '))).slice(5)),
    ),
  );
  await Promise.all(workers.map(({ worker }) => worker.exited));

  const store = openLmdbStore({ path });
  try {
    for (let index = 0; index < workflows; index++) {
      const id = asWorkflowId(`race-${index}`);
      const history = await store.readHistory(id);
      expect(history.map((event) => event.seq)).toEqual(Array.from({ length: target }, (_, i) => i + 1));
      const winners = new Map<number, string>();
      for (const { name, worker } of workers) {
        for (const line of worker.lines) {
          const [word, wonId, seq] = line.split(' ');
          if (word !== 'won' || wonId !== id) continue;
          expect(winners.has(Number(seq))).toBe(false);
          winners.set(Number(seq), name);
        }
      }
      expect(winners.size).toBe(target);
      for (const event of history) {
        const by =
          event.type === 'WorkflowStarted'
            ? event.input
            : event.type === 'SignalReceived'
              ? event.payload
              : '';
        expect(by).toBe(winners.get(event.seq));
      }
    }
    // Both workers read every head before either appended: each workflow's first append was
    // contested, and its loser got ConcurrencyConflict (more follow as the scheduler allows).
    expect(conflicts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(workflows);
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
}, 120_000);
