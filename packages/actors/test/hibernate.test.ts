/** Hibernation (`erlang:hibernate/3`): the process stays, its XState actor goes until a message. */

import fc from 'fast-check';
import { assign, createMachine, fromPromise } from 'xstate';
import type { ActorProcess, DownMessage, ExitMessage } from '../src/index.js';
import { testSystem, worker } from './helpers.js';

/** Counts `inc` events; `crash` throws; remembers the EXIT / DOWN messages it gets. */
const counter = createMachine({
  types: {} as {
    context: { count: number; got: string[] };
    events: { type: 'inc' } | { type: 'crash' } | ExitMessage | DownMessage;
  },
  context: { count: 0, got: [] },
  on: {
    inc: { actions: assign({ count: ({ context }) => context.count + 1 }) },
    crash: {
      actions: () => {
        throw new Error('crash');
      },
    },
    EXIT: {
      actions: assign({ got: ({ context, event }) => [...context.got, `EXIT ${String(event.reason)}`] }),
    },
    DOWN: {
      actions: assign({ got: ({ context, event }) => [...context.got, `DOWN ${String(event.reason)}`] }),
    },
  },
});

const countOf = (process: ActorProcess<typeof counter>) => process.getSnapshot().context.count;

describe('hibernate', () => {
  it('keeps the pid and the state, and wakes on the next event', async () => {
    const t = testSystem();
    const process = t.system.spawn(counter);
    process.send({ type: 'inc' });
    const pid = process.pid;
    expect(process.hibernate()).toBe(true);
    expect(process.hibernating).toBe(true);
    expect(process.alive).toBe(true);
    process.send({ type: 'inc' });
    expect(process.hibernating).toBe(false);
    expect(countOf(process)).toBe(2);
    expect(process.pid).toBe(pid);
    await t.system.shutdown();
  });

  it('does not exit when its actor is stopped for hibernation', async () => {
    const t = testSystem();
    const process = t.system.spawn(counter);
    const watcher = t.system.spawn(counter, { trapExit: true, link: process });
    const downs: DownMessage[] = [];
    t.system.monitor(process, (message) => downs.push(message));
    process.hibernate();
    await t.settle();
    expect(process.alive).toBe(true);
    expect(downs).toEqual([]);
    expect(watcher.getSnapshot().context.got).toEqual([]);
    await t.system.shutdown();
  });

  it('still takes part in links: an abnormal exit kills a hibernating linked process', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const b = t.system.spawn(counter, { link: a });
    b.hibernate();
    a.send({ type: 'crash' });
    await t.settle();
    expect((b.exitReason as Error).message).toBe('crash');
    await t.system.shutdown();
  });

  it('wakes to take an EXIT when it traps exits, and a DOWN for a monitor it holds', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const b = t.system.spawn(counter, { trapExit: true, link: a });
    b.monitor(a);
    b.send({ type: 'inc' });
    b.hibernate();
    a.send({ type: 'finish' });
    await t.settle();
    expect(b.alive).toBe(true);
    expect(b.getSnapshot().context).toEqual({ count: 1, got: ['EXIT normal', 'DOWN normal'] });
    await t.system.shutdown();
  });

  it('exits with the reason of an exit signal while hibernating, and reports it to monitors', async () => {
    const t = testSystem();
    const process = t.system.spawn(counter);
    const downs: string[] = [];
    t.system.monitor(process, (message) => downs.push(String(message.reason)));
    process.hibernate();
    process.exit('kill');
    await t.settle();
    expect(process.exitReason).toBe('killed');
    expect(downs).toEqual(['killed']);
    expect(process.hibernate()).toBe(false);
    await t.system.shutdown();
  });

  it('a woken actor that fails exits the process with the error', async () => {
    const t = testSystem();
    const process = t.system.spawn(counter);
    process.hibernate();
    process.send({ type: 'crash' });
    await t.settle();
    expect((process.exitReason as Error).message).toBe('crash');
    await t.system.shutdown();
  });

  it('a promise actor runs its promise again when woken, as a hibernated process loses its stack', async () => {
    const t = testSystem();
    let calls = 0;
    const pending = fromPromise(() => {
      calls++;
      return new Promise<string>(() => undefined);
    });
    const process = t.system.spawn(pending);
    process.hibernate();
    expect(calls).toBe(1);
    process.send({ type: 'anything' });
    expect(calls).toBe(2);
    expect(process.alive).toBe(true);
    await t.system.shutdown();
  });

  it('under a supervisor: a hibernating child is still its child, terminated and restarted as one', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'one_for_one',
      children: [{ id: 'c', start: () => counter, restart: 'permanent', shutdown: 1000 }],
    });
    const child = sup.getChild('c') as ActorProcess<typeof counter>;
    child.hibernate();
    expect(sup.whichChildren().map((info) => info.pid)).toEqual([child.pid]);
    child.send({ type: 'crash' });
    await t.settle();
    const restarted = sup.getChild('c') as ActorProcess<typeof counter>;
    expect(restarted.pid).not.toBe(child.pid);
    restarted.hibernate();
    await sup.terminateChild('c');
    expect(restarted.exitReason).toBe('shutdown');
    await t.system.shutdown();
  });

  it('a machine ends in the same state whatever hibernations come between its events', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 30 }), (hibernateBefore) => {
        const t = testSystem();
        const process = t.system.spawn(counter);
        for (const hibernate of hibernateBefore) {
          if (hibernate) process.hibernate();
          process.send({ type: 'inc' });
        }
        const count = countOf(process);
        void t.system.shutdown();
        return count === hibernateBefore.length;
      }),
    );
  });
});
