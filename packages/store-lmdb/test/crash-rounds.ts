import { expect } from '@jest/globals';
import { asWorkflowId, projectHistory, type WorkflowId } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { startWorker } from './child-process.js';

const WORKFLOWS = 40;

/**
 * The crash proof: a child appends to many workflows at once and prints each acknowledged
 * append; it is SIGKILLed at a random moment; the store is reopened and checked; repeat.
 */
export async function killAndCheck(path: string, kills: number, seed: number): Promise<{ acks: number }> {
  const acked = new Map<string, number>();
  let next = seed;
  const random = () => {
    next = (next * 1_103_515_245 + 12_345) % 2 ** 31;
    return next / 2 ** 31;
  };
  let total = 0;
  for (let round = 0; round < kills; round++) {
    const worker = startWorker('crash', path, [String(seed * 1000 + round), String(WORKFLOWS)]);
    const before = worker.lines.length;
    // Kill after a random number of acknowledgements, sometimes almost at once.
    const wanted = Math.floor(random() * 150);
    await worker.waitFor(() => worker.lines.length - before >= wanted);
    worker.child.kill('SIGKILL');
    const { signal } = await worker.exited;
    expect(signal).toBe('SIGKILL');
    for (const line of worker.lines) {
      const [word, id, seq] = line.split(' ');
      if (word !== 'ack') continue;
      total++;
      acked.set(id as string, Math.max(acked.get(id as string) ?? 0, Number(seq)));
    }
    await checkStore(path, acked);
  }
  return { acks: total };
}

async function checkStore(path: string, acked: ReadonlyMap<string, number>): Promise<void> {
  const store = openLmdbStore({ path });
  try {
    const running = new Set<WorkflowId>();
    const timers: string[] = [];
    for (let index = 0; index < WORKFLOWS; index++) {
      const id = asWorkflowId(`crash-${index}`);
      const history = await store.readHistory(id);
      // Every acknowledged event is there, and the history is contiguous from seq 1.
      expect(history.length).toBeGreaterThanOrEqual(acked.get(id) ?? 0);
      expect(history.map((event) => event.seq)).toEqual(history.map((_, i) => i + 1));
      const projection = projectHistory(history);
      expect((await store.getSummary(id)) ?? null).toEqual(projection.summary ?? null);
      if (projection.summary?.status === 'Running') running.add(id);
      for (const [timerId, fireAt] of projection.timers) timers.push(JSON.stringify([fireAt, id, timerId]));
    }
    const active: WorkflowId[] = [];
    for await (const id of store.listActive()) active.push(id);
    expect(new Set(active)).toEqual(running);
    const due = (await store.dueTimers(Number.MAX_SAFE_INTEGER)).map((timer) =>
      JSON.stringify([timer.fireAt, timer.workflowId, timer.timerId]),
    );
    expect(new Set(due)).toEqual(new Set(timers));
    expect(await store.count({ status: 'Running' })).toBe(running.size);
    // And every index and count agrees with the projections recomputed from the histories.
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
}
