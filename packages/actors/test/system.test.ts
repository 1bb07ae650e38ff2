/** The actor system: names, lookup, shutdown leaving nothing behind. */

import { fromCallback } from 'xstate';
import { createActorSystem, NoProcError, supervisor } from '../src/index.js';
import { slowWorker, testSystem, worker, workerSpec } from './helpers.js';

describe('shutdown', () => {
  it('stops trees and spawned processes, clears timers, and then refuses calls', async () => {
    const t = testSystem();
    let cleanedUp = 0;
    const ticking = fromCallback(() => {
      const id = t.clock.setTimeout(() => {}, 60_000);
      return () => {
        cleanedUp++;
        t.clock.clearTimeout(id);
      };
    });
    const sup = await t.system.startSupervisor({
      children: [
        { id: 'tick', start: () => ticking },
        { id: 'slow', start: () => ({ logic: slowWorker, input: { cleanupMs: 200 }, trapExit: true }) },
        { id: 'sub', type: 'supervisor', start: () => supervisor({ children: [workerSpec('w')] }) },
      ],
    });
    const loose = t.system.spawn(ticking);
    const trapping = t.system.spawn(slowWorker, {
      input: { cleanupMs: Number.POSITIVE_INFINITY },
      trapExit: true,
    });
    const stopping = t.system.shutdown();
    expect(t.system.shutdown()).toBe(stopping);
    await t.clock.advance(200);
    await stopping;
    expect(sup.alive).toBe(false);
    expect(loose.exitReason).toBe('killed');
    expect(trapping.exitReason).toBe('killed');
    expect(cleanedUp).toBe(2);
    expect(t.clock.pendingTimers()).toBe(0);
    expect(() => t.system.spawn(worker)).toThrow(NoProcError);
    await expect(t.system.startSupervisor({ children: [] })).rejects.toBeInstanceOf(NoProcError);
  });

  it('leaves no real timer behind on the system clock', async () => {
    // Run with --detectOpenHandles: a trapping child's shutdown timer must be cleared.
    const system = createActorSystem();
    const sup = await system.startSupervisor({
      children: [
        {
          id: 's',
          start: () => ({ logic: slowWorker, input: { cleanupMs: 1 }, trapExit: true }),
          shutdown: 60_000,
        },
      ],
    });
    await system.shutdown();
    expect(sup.alive).toBe(false);
  });
});

describe('names and pids', () => {
  it('registers names, drops them at exit, and refuses a taken name', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker, { name: 'a' });
    expect(t.system.whereis('a')).toBe(a);
    expect(t.system.lookup(a.pid)).toBe(a);
    const b = t.system.spawn(worker);
    expect(() => t.system.register('a', b)).toThrow(expect.objectContaining({ code: 'already_started' }));
    a.send({ type: 'finish' });
    await t.settle();
    expect(t.system.whereis('a')).toBeUndefined();
    expect(t.system.lookup(a.pid)).toBeUndefined();
    t.system.register('a', b);
    t.system.unregister('a');
    expect(t.system.whereis('a')).toBeUndefined();
    await t.system.shutdown();
  });

  it('gives every start a new pid', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ intensity: 10, children: [workerSpec('w')] });
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      seen.add(sup.getChild('w')!.pid);
      sup.getChild('w')!.send({ type: 'crash' });
      await t.settle();
    }
    expect(seen.size).toBe(5);
    await t.system.shutdown();
  });

  it('drops events sent to an exited process', async () => {
    const t = testSystem();
    const p = t.system.spawn(worker);
    p.send({ type: 'finish' });
    expect(() => p.send({ type: 'crash' })).not.toThrow();
    expect(p.exitReason).toBe('normal');
    await t.system.shutdown();
  });
});
