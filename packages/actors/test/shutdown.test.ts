/**
 * OTP supervisor docs, "shutdown": order, brutal_kill, timeouts, infinity (for XState and task
 * workers alike); static start failure.
 */

import { createMachine, fromPromise } from 'xstate';
import {
  type ChildSpec,
  type Supervisor,
  SupervisorError,
  supervisor,
  type VirtualClock,
} from '../src/index.js';
import { slowWorker, taskWorkerSpec, testSystem, workerSpec } from './helpers.js';

type Shutdown = number | 'brutal_kill' | 'infinity';

/** A worker that traps exits and takes `cleanupMs` after an `EXIT` to finish: XState logic. */
const slow = (id: string, cleanupMs: number, shutdown: Shutdown): ChildSpec => ({
  id,
  start: () => ({ logic: slowWorker, input: { cleanupMs }, trapExit: true }),
  shutdown,
});

/** The same slow worker as XState logic or as a task (which needs the test's clock for its cleanup). */
const slowOfKind =
  (kind: 'xstate' | 'task', clock: VirtualClock) =>
  (id: string, cleanupMs: number, shutdown: Shutdown): ChildSpec =>
    kind === 'xstate'
      ? slow(id, cleanupMs, shutdown)
      : taskWorkerSpec(id, undefined, { shutdown }, { trapExit: true, cleanupMs, clock });

describe('shutdown', () => {
  it('terminates children in reverse start order, nested trees depth first', async () => {
    const t = testSystem();
    const root = await t.system.startSupervisor({
      children: [
        workerSpec('a'),
        {
          id: 'sub',
          type: 'supervisor',
          start: () => supervisor({ children: [workerSpec('x'), workerSpec('y')] }),
        },
        workerSpec('b'),
      ],
    });
    t.names.set(root.pid, 'R');
    t.names.set(root.getChild('sub')!.pid, 'S');
    t.events.length = 0;
    await t.system.shutdown();
    expect(t.lines()).toEqual([
      'R child_terminated b shutdown',
      'S child_terminated y shutdown',
      'S child_terminated x shutdown',
      'S supervisor_stopped shutdown',
      'R child_terminated sub shutdown',
      'R child_terminated a shutdown',
      'R supervisor_stopped shutdown',
    ]);
  });

  it('a non-trapping child stops at once with reason shutdown, whatever its timeout', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('w', { shutdown: 'infinity' })] });
    const child = sup.getChild('w')!;
    await sup.terminateChild('w');
    expect(child.exitReason).toBe('shutdown');
    await t.system.shutdown();
  });
});

describe.each(['xstate', 'task'] as const)('shutdown of a %s worker', (kind) => {
  it('brutal_kill kills at once, even a child that traps exits', async () => {
    const t = testSystem();
    const slow = slowOfKind(kind, t.clock);
    const sup = await t.system.startSupervisor({ children: [slow('k', 100, 'brutal_kill')] });
    const child = sup.getChild('k')!;
    await sup.terminateChild('k');
    expect(child.exitReason).toBe('killed');
    expect(t.clock.now()).toBe(0);
    await t.system.shutdown();
  });

  it('a timeout lets a trapping child finish within it', async () => {
    const t = testSystem();
    const slow = slowOfKind(kind, t.clock);
    const sup = await t.system.startSupervisor({ children: [slow('s', 300, 1000)] });
    const child = sup.getChild('s')!;
    const done = sup.terminateChild('s');
    await t.clock.advance(299);
    expect(child.alive).toBe(true);
    await t.clock.advance(1);
    await done;
    expect(child.exitReason).toBe('normal');
    expect(t.events.at(-1)).toMatchObject({ type: 'child_terminated', childId: 's', reason: 'normal' });
    expect(t.clock.pendingTimers()).toBe(0);
    await t.system.shutdown();
  });

  it('a timeout escalates to kill when the child has not exited by then', async () => {
    const t = testSystem();
    const slow = slowOfKind(kind, t.clock);
    const sup = await t.system.startSupervisor({ children: [slow('s', 5000, 1000)] });
    const child = sup.getChild('s')!;
    let finished = false;
    const done = sup.terminateChild('s').then(() => {
      finished = true;
    });
    await t.clock.advance(999);
    expect(child.alive).toBe(true);
    expect(finished).toBe(false);
    await t.clock.advance(1);
    await done;
    expect(child.exitReason).toBe('killed');
    await t.system.shutdown();
  });

  it('infinity waits as long as the child takes', async () => {
    const t = testSystem();
    const slow = slowOfKind(kind, t.clock);
    const sup = await t.system.startSupervisor({ children: [slow('s', 3_600_000, 'infinity')] });
    const child = sup.getChild('s')!;
    const done = sup.terminateChild('s');
    await t.clock.advance(3_599_999);
    expect(child.alive).toBe(true);
    await t.clock.advance(1);
    await done;
    expect(child.exitReason).toBe('normal');
    await t.system.shutdown();
  });

  it('the supervisor handles nothing else while it waits for a child to stop', async () => {
    const t = testSystem();
    const slow = slowOfKind(kind, t.clock);
    const sup = await t.system.startSupervisor({
      intensity: 5,
      children: [slow('s', 500, 1000), workerSpec('w')],
    });
    const order: string[] = [];
    const terminate = sup.terminateChild('s').then(() => order.push('terminated s'));
    const restart = sup.restartChild('w').catch((e: SupervisorError) => order.push(`restart w: ${e.code}`));
    await t.clock.advance(100);
    expect(order).toEqual([]);
    await t.clock.advance(400);
    await Promise.all([terminate, restart]);
    expect(order).toEqual(['terminated s', 'restart w: running']);
    await t.system.shutdown();
  });
});

describe("OTP's default shutdown", () => {
  /** A trapping worker that ignores the shutdown signal, so only a kill ends it. */
  const stubborn = { logic: slowWorker, input: { cleanupMs: Number.POSITIVE_INFINITY }, trapExit: true };
  /** A nested supervisor whose one child takes an hour to clean up, and may. */
  const slowTree = () => supervisor({ children: [slow('hour', 3_600_000, 'infinity')] });

  it('gives a worker without shutdown 5000 ms: killed at 5000, not before', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [{ id: 'w', start: () => stubborn }] });
    const child = sup.getChild('w')!;
    let finished = false;
    const done = sup.terminateChild('w').then(() => {
      finished = true;
    });
    await t.clock.advance(4999);
    expect(child.alive).toBe(true);
    expect(finished).toBe(false);
    await t.clock.advance(1);
    await done;
    expect(child.exitReason).toBe('killed');
    expect(t.clock.now()).toBe(5000);
    await t.system.shutdown();
  });

  it('gives a supervisor child without shutdown infinity: it waits as long as its children take', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      children: [{ id: 'sub', type: 'supervisor', start: slowTree }],
    });
    const sub = sup.getChild('sub') as Supervisor;
    const grandchild = sub.getChild('hour')!;
    const done = sup.terminateChild('sub');
    await t.clock.advance(3_599_999);
    expect(sub.alive).toBe(true);
    expect(grandchild.alive).toBe(true);
    await t.clock.advance(1);
    await done;
    expect(grandchild.exitReason).toBe('normal');
    expect(sub.exitReason).toBe('shutdown');
    await t.system.shutdown();
  });

  it('follows the declared type, as OTP does: a nested supervisor declared a worker gets 5000 ms', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [{ id: 'sub', start: slowTree }] });
    const sub = sup.getChild('sub')!;
    const done = sup.terminateChild('sub');
    await t.clock.advance(5000);
    await done;
    expect(sub.exitReason).toBe('killed');
    await t.system.shutdown();
  });
});

describe('static start', () => {
  it('starts children in order; a failure terminates those started, in reverse, and fails the start', async () => {
    const t = testSystem();
    const failure = t.system.startSupervisor({
      id: 'S',
      children: [
        workerSpec('a'),
        workerSpec('b'),
        {
          id: 'bad',
          start: () => {
            throw new Error('no database');
          },
        },
        workerSpec('never'),
      ],
    });
    await expect(failure).rejects.toBeInstanceOf(SupervisorError);
    await expect(failure).rejects.toMatchObject({ code: 'failed_to_start_child', childId: 'bad' });
    const lines = t.events.map((e) => `${e.type} ${'childId' in e ? e.childId : ''}`);
    expect(lines).toEqual([
      'child_started a',
      'child_started b',
      'child_start_failed bad',
      'child_terminated b',
      'child_terminated a',
      'supervisor_stopped ',
    ]);
    await t.system.shutdown();
  });

  it('treats logic that errors while starting as a start failure', async () => {
    const t = testSystem();
    const broken = createMachine({
      entry: () => {
        throw new Error('bad entry');
      },
    });
    const failure = t.system.startSupervisor({ children: [{ id: 'x', start: () => broken }] });
    await expect(failure).rejects.toMatchObject({ code: 'failed_to_start_child', childId: 'x' });
    const cause = await failure.catch((e: Error) => e.cause);
    expect((cause as Error).message).toBe('bad entry');
    await t.system.shutdown();
  });

  it('fails the parent start when a nested supervisor fails to start', async () => {
    const t = testSystem();
    const failure = t.system.startSupervisor({
      children: [
        workerSpec('a'),
        {
          id: 'sub',
          type: 'supervisor',
          start: () =>
            supervisor({
              children: [
                {
                  id: 'bad',
                  start: () => {
                    throw new Error('nope');
                  },
                },
              ],
            }),
        },
      ],
    });
    await expect(failure).rejects.toMatchObject({ code: 'failed_to_start_child', childId: 'sub' });
    await t.system.shutdown();
  });

  it('resolves with every static child running', async () => {
    const t = testSystem();
    const sup: Supervisor = await t.system.startSupervisor({
      children: [workerSpec('a'), { id: 'p', start: () => fromPromise(() => new Promise(() => {})) }],
    });
    expect(sup.countChildren()).toEqual({ specs: 2, active: 2, supervisors: 0, workers: 2 });
    await t.system.shutdown();
  });
});
