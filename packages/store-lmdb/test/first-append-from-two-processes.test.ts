// Two processes issue the first append of the same workflows at once (each a conditional write on
// seq 1): one wins each workflow, the other gets ConcurrencyConflict, and nothing of it is left.
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { killWorkers, startWorker } from './child-process.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('first-append');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

// Generous: it waits only for worker processes' lines and exits (node and tsx start in seconds
// on a busy machine); the timeout bounds a hang, it times nothing.
it('lets one process win each first append and leaves no trace of the other', async () => {
  const path = dirs.make();
  const workflows = 40;
  const names = ['left', 'right'];
  const workers = names.map((name) => ({
    name,
    worker: startWorker('first', path, [name, String(workflows)]),
  }));
  await Promise.all(workers.map(({ worker }) => worker.waitFor((line) => line === 'ready')));
  for (const { worker } of workers) worker.child.stdin?.end('go\n');
  await Promise.all(workers.map(({ worker }) => worker.waitFor((line) => line === 'done')));
  await Promise.all(workers.map(({ worker }) => worker.exited));

  const winners = new Map<string, string>();
  let conflicts = 0;
  for (const { name, worker } of workers) {
    for (const line of worker.lines) {
      const [word, id, expected, actual] = line.split(' ');
      if (word === 'won') {
        expect(winners.has(id as string)).toBe(false);
        winners.set(id as string, name);
      } else if (word === 'conflict') {
        // The winner's batch is two events.
        expect([expected, actual]).toEqual(['0', '2']);
        conflicts++;
      }
    }
  }
  expect(winners.size).toBe(workflows);
  expect(conflicts).toBe(workflows);

  const store = openLmdbStore({ path });
  try {
    for (let index = 0; index < workflows; index++) {
      const id = asWorkflowId(`first-${index}`);
      const winner = winners.get(id);
      const history = await store.readHistory(id);
      expect(history).toMatchObject([
        { type: 'WorkflowStarted', input: winner },
        { type: 'TimerStarted', timerId: winner },
      ]);
      expect(await store.getSummary(id)).toMatchObject({
        status: 'Running',
        searchAttributes: { by: winner },
        historyLength: 2,
      });
    }
    // One timer, one active entry and one row per workflow: the loser's writes are nowhere.
    const due = await store.dueTimers(workflows);
    expect(due.map((timer) => [timer.workflowId, timer.timerId])).toEqual(
      Array.from({ length: workflows }, (_, index) => [`first-${index}`, winners.get(`first-${index}`)]),
    );
    const active: string[] = [];
    for await (const id of store.listActive()) active.push(id);
    expect(active).toHaveLength(workflows);
    expect(await store.count({ status: 'Running', workflowType: 'first' })).toBe(workflows);
    for (const name of names) {
      const won = [...winners.values()].filter((by) => by === name).length;
      expect(await store.count({ searchAttributes: { by: name } })).toBe(won);
    }
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
}, 120_000);
