/** OTP supervisor docs, "Restart Strategy": what each strategy restarts, and in which order. */

import { fromPromise } from 'xstate';
import { SupervisorError } from '../src/index.js';
import { testSystem, workerSpec } from './helpers.js';

const pids = (rows: { pid: string | undefined }[]) => rows.map((row) => row.pid);

describe('one_for_one', () => {
  it('restarts only the child that terminated', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'one_for_one',
      intensity: 5,
      period: 5000,
      children: [workerSpec('a'), workerSpec('b'), workerSpec('c')],
    });
    const [a, b, c] = pids(sup.whichChildren());
    sup.getChild('b')!.send({ type: 'crash' });
    await t.settle();
    const after = pids(sup.whichChildren());
    expect(after[0]).toBe(a);
    expect(after[1]).not.toBe(b);
    expect(after[1]).toBeDefined();
    expect(after[2]).toBe(c);
    expect(t.lines().slice(3)).toEqual([
      `${sup.pid} child_exited b error:crash`,
      `${sup.pid} child_restarted b`,
    ]);
    await t.system.shutdown();
  });
});

describe('one_for_all', () => {
  it('terminates all other children in reverse start order, then restarts all in start order', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      id: 'all',
      strategy: 'one_for_all',
      intensity: 5,
      period: 5000,
      children: [workerSpec('a'), workerSpec('b'), workerSpec('c')],
    });
    t.names.set(sup.pid, 'S');
    const before = pids(sup.whichChildren());
    sup.getChild('b')!.send({ type: 'crash' });
    await t.settle();
    const after = pids(sup.whichChildren());
    after.forEach((pid, i) => {
      expect(pid).toBeDefined();
      expect(pid).not.toBe(before[i]);
    });
    expect(t.lines().slice(3)).toEqual([
      'S child_exited b error:crash',
      'S child_terminated c shutdown',
      'S child_terminated a shutdown',
      'S child_restarted a',
      'S child_restarted b',
      'S child_restarted c',
    ]);
    await t.system.shutdown();
  });
});

describe('rest_for_one', () => {
  it('restarts the terminated child and the children started after it, not those before', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'rest_for_one',
      intensity: 5,
      period: 5000,
      children: [workerSpec('a'), workerSpec('b'), workerSpec('c'), workerSpec('d')],
    });
    t.names.set(sup.pid, 'S');
    const before = pids(sup.whichChildren());
    sup.getChild('b')!.send({ type: 'crash' });
    await t.settle();
    const after = pids(sup.whichChildren());
    expect(after[0]).toBe(before[0]);
    for (const i of [1, 2, 3]) expect(after[i]).not.toBe(before[i]);
    expect(t.lines().slice(4)).toEqual([
      'S child_exited b error:crash',
      'S child_terminated d shutdown',
      'S child_terminated c shutdown',
      'S child_restarted b',
      'S child_restarted c',
      'S child_restarted d',
    ]);
    await t.system.shutdown();
  });
});

describe('simple_one_for_one', () => {
  it('starts no child at first; startChild passes its arguments to the template start', async () => {
    const t = testSystem();
    const seen: unknown[][] = [];
    const sup = await t.system.startSupervisor({
      strategy: 'simple_one_for_one',
      intensity: 5,
      period: 5000,
      children: [
        {
          id: 'job',
          start: (n: number, label: string) => {
            seen.push([n, label]);
            return fromPromise(async () => `${label}:${n * 2}`);
          },
          restart: 'temporary',
        },
      ],
    });
    expect(sup.whichChildren()).toEqual([]);
    const child = await sup.startChild(21, 'x');
    expect(seen).toEqual([[21, 'x']]);
    expect(sup.whichChildren()).toEqual([
      { id: undefined, pid: child.pid, type: 'worker', restarting: false },
    ]);
    await child.exited;
    await t.settle();
    // A temporary dynamic child is gone after it exits; its result stays readable.
    expect(sup.whichChildren()).toEqual([]);
    expect(child.exitReason).toBe('normal');
    expect((child as unknown as { output: unknown }).output).toBe('x:42');
    const exited = t.events.find((e) => e.type === 'child_exited');
    expect(exited).toMatchObject({ childId: undefined, pid: child.pid, reason: 'normal', output: 'x:42' });
    await t.system.shutdown();
  });

  it('restarts a dynamic child with the same arguments, under a new pid', async () => {
    const t = testSystem();
    const seen: unknown[] = [];
    const { worker } = await import('./helpers.js');
    const sup = await t.system.startSupervisor({
      strategy: 'simple_one_for_one',
      intensity: 5,
      period: 5000,
      children: [
        {
          id: 'w',
          start: (arg: string) => {
            seen.push(arg);
            return worker;
          },
          restart: 'permanent',
        },
      ],
    });
    const first = await sup.startChild('one');
    await sup.startChild('two');
    first.send({ type: 'crash' });
    await t.settle();
    expect(seen).toEqual(['one', 'two', 'one']);
    expect(sup.countChildren()).toEqual({ specs: 1, active: 2, supervisors: 0, workers: 2 });
    expect(sup.whichChildren().map((c) => c.pid)).not.toContain(first.pid);
    await t.system.shutdown();
  });

  it('addresses children by pid only, and has no restartChild / deleteChild', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'simple_one_for_one',
      children: [workerSpec('w')],
    });
    const child = await sup.startChild();
    await expect(sup.terminateChild('w')).rejects.toMatchObject({ code: 'simple_one_for_one' });
    await expect(sup.restartChild('w')).rejects.toMatchObject({ code: 'simple_one_for_one' });
    await expect(sup.deleteChild('w')).rejects.toMatchObject({ code: 'simple_one_for_one' });
    expect(sup.getChild(child.pid)).toBe(child);
    await sup.terminateChild(child.pid);
    expect(child.exitReason).toBe('shutdown');
    expect(sup.whichChildren()).toEqual([]);
    await expect(sup.terminateChild(child.pid)).rejects.toBeInstanceOf(SupervisorError);
    await expect(sup.terminateChild(child.pid)).rejects.toMatchObject({ code: 'not_found' });
    await t.system.shutdown();
  });

  it('terminates every dynamic child when it stops', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'simple_one_for_one',
      children: [workerSpec('w')],
    });
    const children = [await sup.startChild(), await sup.startChild(), await sup.startChild()];
    await sup.stop();
    for (const child of children) expect(child.exitReason).toBe('shutdown');
    expect(t.events.filter((e) => e.type === 'child_terminated')).toHaveLength(3);
    await t.system.shutdown();
  });
});
