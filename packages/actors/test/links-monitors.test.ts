/** erlang:link/1, erlang:monitor/2, erlang:exit/2 and process_flag(trap_exit) semantics. */

import { assign, createMachine, fromPromise } from 'xstate';
import type { DownMessage, ExitMessage, Pid } from '../src/index.js';
import { testSystem, worker } from './helpers.js';

/** Records every EXIT / DOWN message it receives. */
const inbox = createMachine({
  types: {} as { context: { got: (ExitMessage | DownMessage)[] }; events: ExitMessage | DownMessage },
  context: { got: [] },
  on: {
    EXIT: { actions: assign({ got: ({ context, event }) => [...context.got, event] }) },
    DOWN: { actions: assign({ got: ({ context, event }) => [...context.got, event] }) },
  },
});

describe('links', () => {
  it('an abnormal exit kills linked processes with the same reason, transitively', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const b = t.system.spawn(worker, { link: a });
    const c = t.system.spawn(worker);
    c.link(b);
    a.send({ type: 'crash' });
    await t.settle();
    expect(b.exitReason).toBeInstanceOf(Error);
    expect((c.exitReason as Error).message).toBe('crash');
    await t.system.shutdown();
  });

  it('a normal exit does not propagate', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const b = t.system.spawn(worker, { link: a });
    a.send({ type: 'finish' });
    await t.settle();
    expect(a.exitReason).toBe('normal');
    expect(b.alive).toBe(true);
    await t.system.shutdown();
  });

  it('a process trapping exits receives EXIT messages instead, normal ones included', async () => {
    const t = testSystem();
    const watcher = t.system.spawn(inbox, { trapExit: true });
    const a = t.system.spawn(worker, { link: watcher });
    const b = t.system.spawn(worker, { link: watcher });
    a.send({ type: 'crash' });
    b.send({ type: 'finish' });
    await t.settle();
    expect(watcher.alive).toBe(true);
    const got = watcher.getSnapshot().context.got;
    expect(
      got.map((m) => [m.type, (m as ExitMessage).from, typeof m.reason === 'string' ? m.reason : 'error']),
    ).toEqual([
      ['EXIT', a.pid, 'error'],
      ['EXIT', b.pid, 'normal'],
    ]);
    await t.system.shutdown();
  });

  it("exit('kill') cannot be trapped; the 'killed' it spreads through links can", async () => {
    const t = testSystem();
    const victim = t.system.spawn(inbox, { trapExit: true });
    const watcher = t.system.spawn(inbox, { trapExit: true, link: victim });
    victim.exit('kill');
    await t.settle();
    expect(victim.exitReason).toBe('killed');
    expect(watcher.alive).toBe(true);
    expect(watcher.getSnapshot().context.got).toEqual([{ type: 'EXIT', from: victim.pid, reason: 'killed' }]);
    await t.system.shutdown();
  });

  it('exit(reason) from outside: ignored when normal, kills otherwise, EXIT when trapping', async () => {
    const t = testSystem();
    const plain = t.system.spawn(worker);
    const trapping = t.system.spawn(inbox, { trapExit: true });
    plain.exit('normal');
    trapping.exit('shutdown');
    await t.settle();
    expect(plain.alive).toBe(true);
    expect(trapping.getSnapshot().context.got).toEqual([
      { type: 'EXIT', from: undefined, reason: 'shutdown' },
    ]);
    plain.exit('shutdown');
    await t.settle();
    expect(plain.exitReason).toBe('shutdown');
    await t.system.shutdown();
  });

  it('unlink removes the link both ways', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const b = t.system.spawn(worker, { link: a });
    b.unlink(a);
    a.send({ type: 'crash' });
    await t.settle();
    expect(b.alive).toBe(true);
    await t.system.shutdown();
  });

  it('linking to a process that is gone sends noproc', async () => {
    const t = testSystem();
    const dead = t.system.spawn(worker);
    dead.send({ type: 'finish' });
    const trapping = t.system.spawn(inbox, { trapExit: true });
    const plain = t.system.spawn(worker);
    trapping.link(dead);
    plain.link(dead.pid);
    await t.settle();
    expect(trapping.getSnapshot().context.got).toEqual([{ type: 'EXIT', from: dead.pid, reason: 'noproc' }]);
    expect(plain.exitReason).toBe('noproc');
    await t.system.shutdown();
  });

  it('linking by pid to a process that no longer exists sends noproc from that pid', async () => {
    const t = testSystem();
    const dead = t.system.spawn(worker);
    dead.send({ type: 'finish' });
    await t.settle();
    const neverStarted = '<0.999.0>' as Pid;
    const trapping = t.system.spawn(inbox, { trapExit: true });
    trapping.link(dead.pid);
    trapping.link(neverStarted);
    await t.settle();
    // erlang:link/1: the sender of the noproc exit signal is the pid that was passed to link.
    expect(trapping.getSnapshot().context.got).toEqual([
      { type: 'EXIT', from: dead.pid, reason: 'noproc' },
      { type: 'EXIT', from: neverStarted, reason: 'noproc' },
    ]);
    await t.system.shutdown();
  });

  it('a supervisor linking to a pid that no longer exists ignores the noproc, as an unknown EXIT', async () => {
    const t = testSystem();
    const dead = t.system.spawn(worker);
    dead.send({ type: 'finish' });
    await t.settle();
    const sup = await t.system.startSupervisor({ children: [{ id: 'w', start: () => worker }] });
    const child = sup.getChild('w')!;
    sup.link(dead.pid);
    await t.settle();
    expect(sup.alive).toBe(true);
    expect(child.alive).toBe(true);
    expect(t.events.map((e) => e.type)).toEqual(['child_started']);
    await t.system.shutdown();
  });

  it('trapExit returns the previous setting', () => {
    const t = testSystem();
    const p = t.system.spawn(worker);
    expect(p.trapExit(true)).toBe(false);
    expect(p.trapExit()).toBe(true);
    return t.system.shutdown();
  });
});

describe('monitors', () => {
  it('deliver exactly one DOWN with the exit reason', async () => {
    const t = testSystem();
    const watcher = t.system.spawn(inbox);
    const target = t.system.spawn(worker);
    const ref = watcher.monitor(target);
    const ref2 = watcher.monitor(target);
    target.send({ type: 'crash' });
    target.send({ type: 'crash' });
    await t.settle();
    const got = watcher.getSnapshot().context.got as DownMessage[];
    expect(got.map((m) => [m.type, m.ref, m.pid])).toEqual([
      ['DOWN', ref, target.pid],
      ['DOWN', ref2, target.pid],
    ]);
    expect((got[0]!.reason as Error).message).toBe('crash');
    // Monitoring does not link: the watcher lives on.
    expect(watcher.alive).toBe(true);
    await t.system.shutdown();
  });

  it("carry the logic's output on a normal exit, and nothing on another", async () => {
    const t = testSystem();
    const done = t.system.spawn(fromPromise(async () => ({ total: 42 })));
    const crashed = t.system.spawn(worker);
    const calls: DownMessage[] = [];
    t.system.monitor(done, (m) => calls.push(m));
    t.system.monitor(crashed, (m) => calls.push(m));
    crashed.send({ type: 'crash' });
    await done.exited;
    await t.settle();
    const byPid = new Map(calls.map((m) => [m.pid, m]));
    expect(byPid.get(done.pid)).toMatchObject({ reason: 'normal', output: { total: 42 } });
    expect(byPid.get(crashed.pid)).not.toHaveProperty('output');
    await t.system.shutdown();
  });

  it("give the logic its process's pid as the XState actor's id", async () => {
    const t = testSystem();
    const seen: string[] = [];
    const p = t.system.spawn(
      fromPromise(async ({ self }) => {
        seen.push(self.id);
      }),
    );
    await p.exited;
    expect(seen).toEqual([p.pid]);
    await t.system.shutdown();
  });

  it('report noproc for a process already gone', async () => {
    const t = testSystem();
    const target = t.system.spawn(worker);
    target.send({ type: 'finish' });
    await t.settle();
    const watcher = t.system.spawn(inbox);
    const ref = watcher.monitor(target.pid);
    const calls: DownMessage[] = [];
    t.system.monitor(target, (m) => calls.push(m));
    await t.settle();
    expect(watcher.getSnapshot().context.got).toEqual([
      { type: 'DOWN', ref, pid: target.pid, reason: 'noproc' },
    ]);
    expect(calls.map((m) => m.reason)).toEqual(['noproc']);
    await t.system.shutdown();
  });

  it('demonitor prevents the DOWN, even one already on its way', async () => {
    const t = testSystem();
    const watcher = t.system.spawn(inbox);
    const target = t.system.spawn(worker);
    const ref = watcher.monitor(target);
    const calls: DownMessage[] = [];
    const external = t.system.monitor(target, (m) => calls.push(m));
    target.send({ type: 'crash' }); // the DOWN is queued now
    expect(watcher.demonitor(ref)).toBe(true);
    expect(t.system.demonitor(external)).toBe(true);
    expect(watcher.demonitor(ref)).toBe(false);
    await t.settle();
    expect(watcher.getSnapshot().context.got).toEqual([]);
    expect(calls).toEqual([]);
    await t.system.shutdown();
  });

  it('system.monitor calls back once, for supervisors too', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [] });
    const calls: DownMessage[] = [];
    t.system.monitor(sup, (m) => calls.push(m));
    await sup.stop();
    await t.settle();
    expect(calls.map((m) => [m.pid, m.reason])).toEqual([[sup.pid, 'shutdown']]);
    await t.system.shutdown();
  });
});

describe('exit reasons from XState', () => {
  it('done is normal with the output readable; an error is the error', async () => {
    const t = testSystem();
    const ok = t.system.spawn(
      fromPromise(async ({ input }: { input: number }) => input + 1),
      { input: 41 },
    );
    const bad = t.system.spawn(
      fromPromise(async () => {
        throw new Error('rejected');
      }),
    );
    expect(await ok.exited).toBe('normal');
    expect(ok.output).toBe(42);
    expect(((await bad.exited) as Error).message).toBe('rejected');
    expect(bad.output).toBeUndefined();
    await t.system.shutdown();
  });

  it('a supervisor stops a child with shutdown, and that stop does not come back as an exit', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      intensity: 0,
      children: [{ id: 'w', start: () => worker }],
    });
    await sup.terminateChild('w');
    await t.settle();
    expect(t.events.map((e) => e.type)).toEqual(['child_started', 'child_terminated']);
    await t.system.shutdown();
  });
});

describe('a supervisor killed outright', () => {
  it('takes its children down through their links; a trapping child gets the EXIT instead', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      children: [
        { id: 'plain', start: () => worker },
        { id: 'trapping', start: () => ({ logic: inbox, trapExit: true }) },
      ],
    });
    const plain = sup.getChild('plain')!;
    const trapping = sup.getChild('trapping') as import('../src/index.js').ActorProcess<typeof inbox>;
    sup.exit('kill');
    await t.settle();
    expect(sup.exitReason).toBe('killed');
    expect(plain.exitReason).toBe('killed');
    expect(trapping.alive).toBe(true);
    expect(trapping.getSnapshot().context.got).toEqual([{ type: 'EXIT', from: sup.pid, reason: 'killed' }]);
    await t.system.shutdown();
    expect(trapping.exitReason).toBe('killed');
  });
});

describe('when supervisor_stopped is reported', () => {
  /** Starts a supervisor of two workers that records, at supervisor_stopped, which children still run. */
  async function watchedTree(t: ReturnType<typeof testSystem>) {
    const seen: { aliveAtStop?: boolean[] } = {};
    const sup = await t.system.startSupervisor({
      children: [
        { id: 'a', start: () => worker },
        { id: 'b', start: () => worker },
      ],
      onTrace: (e) => {
        if (e.type === 'supervisor_stopped') seen.aliveAtStop = children.map((c) => c.alive);
      },
    });
    const children = [sup.getChild('a')!, sup.getChild('b')!];
    return { sup, children, seen };
  }

  it('after its children are gone when it shuts down', async () => {
    const t = testSystem();
    const { sup, children, seen } = await watchedTree(t);
    await sup.stop();
    expect(seen.aliveAtStop).toEqual([false, false]);
    expect(children.map((c) => c.exitReason)).toEqual(['shutdown', 'shutdown']);
    await t.system.shutdown();
  });

  it('at once when it is killed, while its children still run; they die afterwards through their links', async () => {
    const t = testSystem();
    const { sup, children, seen } = await watchedTree(t);
    sup.exit('kill');
    await t.settle();
    expect(seen.aliveAtStop).toEqual([true, true]);
    expect(children.map((c) => c.exitReason)).toEqual(['killed', 'killed']);
    expect(t.events.map((e) => e.type)).toEqual(['child_started', 'child_started', 'supervisor_stopped']);
    await t.system.shutdown();
  });
});

describe("a process that itself exits with reason 'kill'", () => {
  // OTP reference manual, "Receiving Exit Signals": only exit/2's 'kill' is untrappable and
  // becomes 'killed'; a 'kill' arriving through a link is an ordinary exit reason.
  it("sends 'kill' through its links: non-trapping processes exit with 'kill' (not 'killed'), transitively; trapping ones get the EXIT", async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [] });
    const plain = t.system.spawn(worker, { link: sup });
    const further = t.system.spawn(worker, { link: plain });
    const trapping = t.system.spawn(inbox, { trapExit: true, link: sup });
    const trappingFurther = t.system.spawn(inbox, { trapExit: true, link: plain });
    await sup.stop('kill');
    await t.settle();
    expect(sup.exitReason).toBe('kill');
    expect(plain.exitReason).toBe('kill');
    expect(further.exitReason).toBe('kill');
    expect(trapping.alive).toBe(true);
    expect(trapping.getSnapshot().context.got).toEqual([{ type: 'EXIT', from: sup.pid, reason: 'kill' }]);
    expect(trappingFurther.alive).toBe(true);
    expect(trappingFurther.getSnapshot().context.got).toEqual([
      { type: 'EXIT', from: plain.pid, reason: 'kill' },
    ]);
    await t.system.shutdown();
  });

  it("stops its own children by their shutdown specs first, so they end 'shutdown', not 'kill'", async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [{ id: 'w', start: () => worker }] });
    const child = sup.getChild('w')!;
    await sup.stop('kill');
    expect(child.exitReason).toBe('shutdown');
    expect(t.events.map((e) => `${e.type} ${'reason' in e ? e.reason : ''}`)).toEqual([
      'child_started ',
      'child_terminated shutdown',
      'supervisor_stopped kill',
    ]);
    await t.system.shutdown();
  });

  it("a supervised child that dies of a linked 'kill' is a crash: its supervisor restarts it", async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      children: [{ id: 'w', start: () => worker, restart: 'transient' }],
    });
    const child = sup.getChild('w')!;
    const outsider = await t.system.startSupervisor({ children: [] });
    child.link(outsider);
    await outsider.stop('kill');
    await t.settle();
    expect(child.exitReason).toBe('kill');
    expect(t.events.filter((e) => e.supervisor === sup.pid).map((e) => e.type)).toEqual([
      'child_started',
      'child_exited',
      'child_restarted',
    ]);
    expect(t.events.find((e) => e.type === 'child_exited')).toMatchObject({ pid: child.pid, reason: 'kill' });
    expect(sup.getChild('w')?.pid).not.toBe(child.pid);
    await t.system.shutdown();
  });
});
