/** OTP supervisor docs, "Restart intensity and period", as OTP 25 implements it. */

import { supervisor } from '../src/index.js';
import { recordRestart } from '../src/restart-intensity.js';
import { testSystem, workerSpec } from './helpers.js';

describe('recordRestart', () => {
  it('counts the current restart and gives up only when the count exceeds intensity', () => {
    const first = recordRestart([], 0, 1, 5000);
    expect(first).toEqual({ log: [0], exceeded: false });
    expect(recordRestart(first.log, 4999, 1, 5000).exceeded).toBe(true);
    expect(recordRestart([], 0, 0, 5000).exceeded).toBe(true);
  });

  it('keeps whole seconds: a restart in second s is forgotten in second s + period + 1', () => {
    // A restart at 0.9 s is still counted at 5.99 s (second 5) and forgotten at 6.0 s.
    expect(recordRestart([0], 5990, 1, 5000).exceeded).toBe(true);
    expect(recordRestart([0], 6000, 1, 5000)).toEqual({ log: [6], exceeded: false });
  });
});

describe('a supervisor', () => {
  it('defaults to 1 restart in 5 s', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('w')] });
    expect([sup.intensity, sup.period, sup.strategy]).toEqual([1, 5000, 'one_for_one']);
    sup.getChild('w')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.alive).toBe(true);
    await t.clock.advance(4000);
    sup.getChild('w')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.alive).toBe(false);
    expect(sup.exitReason).toBe('shutdown');
    await t.system.shutdown();
  });

  it('forgets restarts older than the period, counted in whole seconds', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ intensity: 1, period: 1000, children: [workerSpec('w')] });
    await t.clock.advance(900);
    sup.getChild('w')!.send({ type: 'crash' }); // second 0
    await t.settle();
    await t.clock.advance(1100); // t = 2.0 s: second 2, the restart of second 0 is forgotten
    sup.getChild('w')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.alive).toBe(true);
    await t.clock.advance(1999); // t = 3.999 s: second 3 still counts the restart of second 2
    sup.getChild('w')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.alive).toBe(false);
    await t.system.shutdown();
  });

  it('does not count restartChild', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      intensity: 0,
      children: [workerSpec('w', { restart: 'transient' })],
    });
    for (let i = 0; i < 3; i++) {
      sup.getChild('w')!.send({ type: 'finish' });
      await t.settle();
      await sup.restartChild('w');
    }
    expect(sup.alive).toBe(true);
    await t.system.shutdown();
  });

  it('when giving up, reports it, terminates its children in reverse start order and exits shutdown', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      intensity: 0,
      children: [workerSpec('a'), workerSpec('b'), workerSpec('c')],
    });
    t.names.set(sup.pid, 'S');
    sup.getChild('b')!.send({ type: 'crash' });
    await t.settle();
    expect(t.lines().slice(3)).toEqual([
      'S child_exited b error:crash',
      'S supervisor_gave_up b error:crash',
      'S child_terminated c shutdown',
      'S child_terminated a shutdown',
      'S supervisor_stopped shutdown',
    ]);
    expect(sup.exitReason).toBe('shutdown');
    expect(() => sup.whichChildren()).toThrow(expect.objectContaining({ code: 'noproc' }));
    await expect(sup.restartChild('a')).rejects.toMatchObject({ code: 'noproc' });
    await t.system.shutdown();
  });

  it('that gives up leaves the decision to its parent', async () => {
    const t = testSystem();
    const inner = (restart: 'permanent' | 'transient') => ({
      id: `inner-${restart}`,
      type: 'supervisor' as const,
      restart,
      start: () => supervisor({ intensity: 0, children: [workerSpec('w')] }),
    });
    const root = await t.system.startSupervisor({
      intensity: 5,
      children: [inner('permanent'), inner('transient')],
    });
    const permanent = root.getChild('inner-permanent') as import('../src/index.js').Supervisor;
    const transient = root.getChild('inner-transient') as import('../src/index.js').Supervisor;
    permanent.getChild('w')!.send({ type: 'crash' });
    transient.getChild('w')!.send({ type: 'crash' });
    await t.settle();
    // Both gave up and exited `shutdown`, as OTP's supervisor does: the permanent one is
    // restarted (with a fresh worker), the transient one is not.
    expect(permanent.exitReason).toBe('shutdown');
    expect(transient.exitReason).toBe('shutdown');
    const rows = root.whichChildren();
    expect(rows[0]!.pid).toBeDefined();
    expect(rows[0]!.pid).not.toBe(permanent.pid);
    expect(rows[1]!.pid).toBeUndefined();
    expect(root.alive).toBe(true);
    await t.system.shutdown();
  });
});
