// The run table keeps one writer per workflow while the writer moves between the run's entry and
// the table's own map (an entry holds its writer; the map holds writers of workflows with none).
import { asRunId, asWorkflowId, InMemoryStore } from '@reprise/core';
import type { RunEntry } from '../src/run-entry.js';
import { RunTable } from '../src/run-table.js';

const workflowId = asWorkflowId('order-1');

/** The parts of an entry the table reads. */
const entryOf = (table: RunTable, runId: string) =>
  ({ workflowId, runId: asRunId(runId), recorder: table.recorder(workflowId) }) as unknown as RunEntry;

describe('run table writers', () => {
  it('answers the same writer before, while and after a run has an entry', () => {
    const table = new RunTable(new InMemoryStore());
    const before = table.recorder(workflowId);
    const entry = entryOf(table, 'run-1');
    table.add(entry);
    expect(table.recorder(workflowId)).toBe(before);
    expect([...table.recorders()]).toEqual([before]);
    expect(table.remove(entry)).toBe(true);
    expect(table.recorder(workflowId)).toBe(before);
    expect([...table.recorders()]).toEqual([before]);
  });

  it('keeps the writer of a successor run that replaced an entry', () => {
    const table = new RunTable(new InMemoryStore());
    const first = entryOf(table, 'run-1');
    table.add(first);
    const successor = entryOf(table, 'run-2');
    table.add(successor);
    expect(successor.recorder).toBe(first.recorder);
    // The earlier run's entry is gone already: removing it changes nothing.
    expect(table.remove(first)).toBe(false);
    expect(table.get(workflowId)).toBe(successor);
    expect(table.recorder(workflowId)).toBe(first.recorder);
  });

  it('drops an idle writer once its run left, and keeps a busy one until it is idle', async () => {
    const table = new RunTable(new InMemoryStore());
    const entry = entryOf(table, 'run-1');
    table.add(entry);
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const queued = entry.recorder.exclusive(() => gate);
    // Its entry holds it: a busy writer with an entry counts for quiescence.
    expect([...table.recorders()].some((recorder) => !recorder.idle)).toBe(true);
    table.remove(entry);
    table.releaseRecorder(workflowId);
    expect(table.recorder(workflowId)).toBe(entry.recorder);
    finish();
    await queued;
    table.releaseRecorder(workflowId);
    expect(table.recorder(workflowId)).not.toBe(entry.recorder);
  });
});

describe('run table change waiters', () => {
  const outcome = { status: 'Completed', result: 'done' } as const;

  it('wakes, in the order they came, waiters from before, during and after a run has an entry', async () => {
    const table = new RunTable(new InMemoryStore());
    const woken: string[] = [];
    const wait = (name: string) =>
      table.nextChange(workflowId).then((seen) => {
        woken.push(name);
        return seen;
      });
    const before = wait('before');
    const entry = entryOf(table, 'run-1');
    table.add(entry);
    const during = wait('during');
    table.remove(entry);
    const after = wait('after');
    table.changed(workflowId, outcome);
    expect(await Promise.all([before, during, after])).toEqual([outcome, outcome, outcome]);
    expect(woken).toEqual(['before', 'during', 'after']);
  });

  it('keeps the waiters of a run whose entry a successor replaced, and wakes them once', async () => {
    const table = new RunTable(new InMemoryStore());
    table.add(entryOf(table, 'run-1'));
    let wakes = 0;
    const waiting = table.nextChange(workflowId).then((seen) => {
      wakes++;
      return seen;
    });
    table.add(entryOf(table, 'run-2'));
    table.changed(workflowId, outcome);
    table.changed(workflowId);
    expect(await waiting).toEqual(outcome);
    expect(wakes).toBe(1);
  });

  it('wakes the waiters of workflows with and without an entry at shutdown', async () => {
    const table = new RunTable(new InMemoryStore());
    const other = asWorkflowId('order-2');
    table.add(entryOf(table, 'run-1'));
    const withEntry = table.nextChange(workflowId);
    const withoutEntry = table.nextChange(other);
    table.wakeAll();
    expect(await Promise.all([withEntry, withoutEntry])).toEqual([undefined, undefined]);
  });

  it('drops the idle writer of a run that leaves for good, and parks a busy one', async () => {
    const table = new RunTable(new InMemoryStore());
    const idle = entryOf(table, 'run-1');
    table.add(idle);
    expect(table.removeForGood(idle)).toBe(true);
    expect(table.recorder(workflowId)).not.toBe(idle.recorder);
    const busy = entryOf(table, 'run-2');
    table.add(busy);
    let finish!: () => void;
    const queued = busy.recorder.exclusive(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(table.removeForGood(busy)).toBe(true);
    expect(table.recorder(workflowId)).toBe(busy.recorder);
    finish();
    await queued;
  });
});
