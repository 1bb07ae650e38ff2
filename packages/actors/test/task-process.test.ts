/** Task processes (a plain body instead of an XState actor): the same OTP semantics as actors. */

import fc from 'fast-check';
import { createMachine } from 'xstate';
import { type DownMessage, SupervisorError, type TaskProcess, task } from '../src/index.js';
import { reasonText, type TaskWorkerLog, taskWorker, taskWorkerSpec, testSystem, worker } from './helpers.js';

const newLog = (): TaskWorkerLog => ({ runs: [], stops: 0, lost: [], got: [] });

describe('a task process', () => {
  it("runs its body with itself, exits normal with the body's value, and is a 'task'", async () => {
    const t = testSystem();
    const spec = taskWorker({ output: 42 });
    const process = t.system.spawn(task(spec));
    const downs: DownMessage[] = [];
    t.system.monitor(process, (message) => downs.push(message));
    expect(process.kind).toBe('task');
    expect(spec.log.runs).toEqual([process.pid]);
    process.send({ type: 'finish' });
    await t.settle();
    expect(process.exitReason).toBe('normal');
    expect(process.output).toBe(42);
    expect(downs).toMatchObject([{ type: 'DOWN', pid: process.pid, reason: 'normal', output: 42 }]);
    await t.system.shutdown();
  });

  it('exits with the error its body rejects with; a DOWN then carries no output', async () => {
    const t = testSystem();
    const process = t.system.spawn(task(taskWorker({ output: 1 })));
    const downs: DownMessage[] = [];
    t.system.monitor(process, (message) => downs.push(message));
    process.send({ type: 'crash' });
    await t.settle();
    expect((process.exitReason as Error).message).toBe('crash');
    expect(process.output).toBeUndefined();
    expect(downs).toHaveLength(1);
    expect(downs[0]).not.toHaveProperty('output');
    await t.system.shutdown();
  });

  it('takes a plain value from its body as a normal exit', async () => {
    const t = testSystem();
    const process = t.system.spawn(task({ run: () => 'at once' }));
    await t.settle();
    expect(process.exitReason).toBe('normal');
    expect(process.output).toBe('at once');
    await t.system.shutdown();
  });

  it('drops events once it has exited, and events it has no receive for', async () => {
    const t = testSystem();
    const spec = taskWorker();
    const process = t.system.spawn(task(spec));
    process.send({ type: 'ping' });
    process.send({ type: 'crash' });
    await t.settle();
    process.send({ type: 'ping' });
    expect(spec.log.got).toEqual(['ping', 'crash']);
    const mute = t.system.spawn(task({ run: () => new Promise<never>(() => undefined) }));
    mute.send({ type: 'ping' });
    expect(mute.alive).toBe(true);
    await t.system.shutdown();
  });
});

describe('a task process in links and monitors', () => {
  it('dies of a linked abnormal exit: its body is stopped, and what it settles with is lost', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const spec = taskWorker();
    const b = t.system.spawn(task(spec), { link: a });
    a.send({ type: 'crash' });
    await t.settle();
    expect((b.exitReason as Error).message).toBe('crash');
    expect(spec.log.stops).toBe(1);
    expect(spec.log.lost).toEqual(['abandoned']);
    await t.system.shutdown();
  });

  it('takes a linked exit as an EXIT message when it traps exits, normal ones included', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const c = t.system.spawn(worker);
    const spec = taskWorker({ trapExit: true });
    const b = t.system.spawn(task(spec), { link: a });
    b.link(c);
    expect(b.trapExit()).toBe(true);
    a.send({ type: 'finish' });
    c.send({ type: 'crash' });
    await t.settle();
    expect(b.alive).toBe(true);
    expect(spec.log.got).toEqual(['EXIT normal', 'EXIT error:crash']);
    b.exit('kill');
    await t.settle();
    expect(b.exitReason).toBe('killed');
    await t.system.shutdown();
  });

  it('kills linked processes when it fails, and not when it finishes', async () => {
    const t = testSystem();
    const failing = t.system.spawn(task(taskWorker()));
    const finishing = t.system.spawn(task(taskWorker()));
    const victim = t.system.spawn(worker, { link: failing });
    const bystander = t.system.spawn(worker, { link: finishing });
    failing.send({ type: 'crash' });
    finishing.send({ type: 'finish' });
    await t.settle();
    expect((victim.exitReason as Error).message).toBe('crash');
    expect(bystander.alive).toBe(true);
    await t.system.shutdown();
  });

  it('receives a DOWN for a monitor it holds, and none after demonitor', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const b = t.system.spawn(worker);
    const spec = taskWorker();
    const watcher = t.system.spawn(task(spec));
    watcher.monitor(a);
    const ref = watcher.monitor(b);
    expect(watcher.demonitor(ref)).toBe(true);
    a.send({ type: 'crash' });
    b.send({ type: 'crash' });
    await t.settle();
    expect(spec.log.got).toEqual(['DOWN error:crash']);
    await t.system.shutdown();
  });
});

describe('a task process under a supervisor', () => {
  it('reports its normal exit with the output in child_exited', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      children: [taskWorkerSpec('t', undefined, { restart: 'transient' }, { output: 'done' })],
    });
    sup.getChild('t')!.send({ type: 'finish' });
    await t.settle();
    expect(t.events).toContainEqual(
      expect.objectContaining({ type: 'child_exited', childId: 't', output: 'done' }),
    );
    expect(sup.whichChildren()).toMatchObject([{ id: 't', pid: undefined }]);
    await t.system.shutdown();
  });

  it('restarts by its restart type: transient after a crash only, permanent after a normal exit too', async () => {
    const t = testSystem();
    const log = newLog();
    const sup = await t.system.startSupervisor({
      intensity: 5,
      children: [
        taskWorkerSpec('transient', log, { restart: 'transient' }),
        taskWorkerSpec('permanent', undefined, { restart: 'permanent' }),
        taskWorkerSpec('temporary', undefined, { restart: 'temporary' }),
      ],
    });
    const first = sup.getChild('transient')!;
    first.send({ type: 'crash' });
    await t.settle();
    const second = sup.getChild('transient')!;
    expect(second.pid).not.toBe(first.pid);
    expect(log.runs).toEqual([first.pid, second.pid]);
    second.send({ type: 'finish' });
    const permanent = sup.getChild('permanent')!;
    permanent.send({ type: 'finish' });
    sup.getChild('temporary')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.getChild('transient')).toBeUndefined();
    expect(sup.getChild('permanent')!.pid).not.toBe(permanent.pid);
    expect(sup.whichChildren().map((c) => c.id)).toEqual(['transient', 'permanent']);
    await t.system.shutdown();
  });

  it('gives up beyond its intensity', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      intensity: 2,
      period: 5000,
      children: [taskWorkerSpec('t')],
    });
    for (let i = 0; i < 3; i++) {
      sup.getChild('t')!.send({ type: 'crash' });
      await t.settle();
    }
    expect(sup.alive).toBe(false);
    expect(t.events.filter((e) => e.type === 'child_restarted')).toHaveLength(2);
    expect(t.events.map((e) => e.type)).toContain('supervisor_gave_up');
    await t.system.shutdown();
  });

  it('is restarted with its siblings by one_for_all', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'one_for_all',
      intensity: 3,
      children: [taskWorkerSpec('task'), { id: 'actor', start: () => worker }],
    });
    const [before] = sup.whichChildren().map((c) => c.pid);
    sup.getChild('actor')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.getChild('task')!.pid).not.toBe(before);
    expect(t.lines().slice(-4)).toEqual([
      expect.stringContaining('child_exited actor error:crash'),
      expect.stringContaining('child_terminated task shutdown'),
      expect.stringContaining('child_restarted task'),
      expect.stringContaining('child_restarted actor'),
    ]);
    await t.system.shutdown();
  });

  it('fails to start when its body throws at once: start_failed, nothing kept', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'simple_one_for_one',
      children: [
        {
          id: 'job',
          restart: 'temporary',
          start: (fail: boolean) =>
            task({
              run: () => {
                if (fail) throw new Error('bad start');
                return new Promise<never>(() => undefined);
              },
            }),
        },
      ],
    });
    const refused = await sup.startChild(true).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SupervisorError);
    expect(refused).toMatchObject({ code: 'start_failed', cause: { message: 'bad start' } });
    expect(sup.countChildren().active).toBe(0);
    await sup.startChild(false);
    expect(sup.countChildren().active).toBe(1);
    await t.system.shutdown();
  });

  it('a static task child whose body throws at once fails the supervisor start', async () => {
    const t = testSystem();
    const started = t.system.startSupervisor({
      children: [
        {
          id: 'bad',
          start: () =>
            task({
              run: () => {
                throw new Error('no');
              },
            }),
        },
      ],
    });
    await expect(started).rejects.toMatchObject({ code: 'failed_to_start_child', childId: 'bad' });
    await t.system.shutdown();
  });
});

// Timeouts and 'infinity' for tasks: shutdown.test.ts, run for XState and task workers alike.
describe('shutting down a task process', () => {
  it('brutal_kill kills it at once, even when it traps exits, and stops its body', async () => {
    const t = testSystem();
    const log = newLog();
    const sup = await t.system.startSupervisor({
      children: [taskWorkerSpec('k', log, { shutdown: 'brutal_kill' }, { trapExit: true })],
    });
    const child = sup.getChild('k')!;
    await sup.terminateChild('k');
    expect(child.exitReason).toBe('killed');
    expect(log.stops).toBe(1);
    expect(log.got).toEqual([]);
    expect(t.clock.now()).toBe(0);
    await t.system.shutdown();
  });

  it('a task that does not trap exits stops at once on shutdown; system.shutdown stops spawned tasks', async () => {
    const t = testSystem();
    const log = newLog();
    const sup = await t.system.startSupervisor({ children: [taskWorkerSpec('plain', log)] });
    const child = sup.getChild('plain')!;
    const spawned = taskWorker();
    const loose = t.system.spawn(task(spawned));
    await t.system.shutdown();
    expect(child.exitReason).toBe('shutdown');
    expect(loose.exitReason).toBe('killed');
    expect(log.stops).toBe(1);
    expect(spawned.log.stops).toBe(1);
  });
});

describe('a hibernating task process', () => {
  it('lets go of its body (stopped, its value lost, no exit) and runs it again at the next event', async () => {
    const t = testSystem();
    const spec = taskWorker({ output: 'second' });
    const process = t.system.spawn(task(spec));
    const downs: DownMessage[] = [];
    t.system.monitor(process, (message) => downs.push(message));
    expect(process.hibernate()).toBe(true);
    expect(process.hibernate()).toBe(false);
    await t.settle();
    expect(process.hibernating).toBe(true);
    expect(process.alive).toBe(true);
    expect(spec.log).toMatchObject({ stops: 1, lost: ['abandoned'], got: [] });
    expect(downs).toEqual([]);
    process.send({ type: 'finish' });
    expect(process.hibernating).toBe(false);
    expect(spec.log.runs).toEqual([process.pid, process.pid]);
    expect(spec.log.got).toEqual(['finish']);
    await t.settle();
    expect(process.exitReason).toBe('normal');
    expect(downs).toMatchObject([{ reason: 'normal', output: 'second' }]);
    await t.system.shutdown();
  });

  it('keeps its place under its supervisor, and a kill there needs no wake', async () => {
    const t = testSystem();
    const log = newLog();
    const sup = await t.system.startSupervisor({
      children: [taskWorkerSpec('h', log, { shutdown: 'brutal_kill' })],
    });
    const child = sup.getChild('h') as TaskProcess;
    expect(child.hibernate()).toBe(true);
    expect(sup.whichChildren()).toMatchObject([{ id: 'h', pid: child.pid }]);
    await sup.terminateChild('h');
    expect(log.runs).toHaveLength(1);
    expect(log.stops).toBe(1);
    expect(child.hibernating).toBe(false);
    await t.system.shutdown();
  });

  it('exits with a linked abnormal exit without waking; wakes to take an EXIT when it traps', async () => {
    const t = testSystem();
    const a = t.system.spawn(worker);
    const plainSpec = taskWorker();
    const plain = t.system.spawn(task(plainSpec), { link: a });
    const trapping = taskWorker({ trapExit: true });
    const trapper = t.system.spawn(task(trapping), { link: a });
    plain.hibernate();
    trapper.hibernate();
    a.send({ type: 'crash' });
    await t.settle();
    expect((plain.exitReason as Error).message).toBe('crash');
    expect(plainSpec.log.runs).toHaveLength(1);
    expect(trapper.alive).toBe(true);
    expect(trapper.hibernating).toBe(false);
    expect(trapping.log.runs).toHaveLength(2);
    expect(trapping.log.got).toEqual(['EXIT error:crash']);
    await t.system.shutdown();
  });

  it('wakes for a DOWN of a monitor it holds', async () => {
    const t = testSystem();
    const watched = t.system.spawn(
      createMachine({ initial: 'a', states: { a: { on: { go: 'b' } }, b: { type: 'final' } } }),
    );
    const spec = taskWorker();
    const watcher = t.system.spawn(task(spec));
    watcher.monitor(watched);
    watcher.hibernate();
    watched.send({ type: 'go' });
    await t.settle();
    expect(watcher.hibernating).toBe(false);
    expect(spec.log.got).toEqual(['DOWN normal']);
    await t.system.shutdown();
  });

  it('a body that throws at the wake exits the process with the error, the message undelivered', async () => {
    const t = testSystem();
    let runs = 0;
    const got: string[] = [];
    const process = t.system.spawn(
      task({
        run: () => {
          runs++;
          if (runs > 1) throw new Error('cannot wake');
          return new Promise<never>(() => undefined);
        },
        receive: (message) => got.push(message.type),
      }),
    );
    process.hibernate();
    process.send({ type: 'ping' });
    expect((process.exitReason as Error).message).toBe('cannot wake');
    expect(got).toEqual([]);
    await t.system.shutdown();
  });
});

describe('a task process against a model of its bodies (property)', () => {
  type Command =
    | { readonly kind: 'hibernate' }
    | { readonly kind: 'send' }
    | { readonly kind: 'resolve' | 'reject'; readonly body: number }
    | { readonly kind: 'signal'; readonly reason: 'kill' | 'shutdown' | 'normal' };
  const commandArb: fc.Arbitrary<Command> = fc.oneof(
    fc.constant({ kind: 'hibernate' as const }),
    fc.constant({ kind: 'send' as const }),
    fc.record({ kind: fc.constantFrom('resolve' as const, 'reject' as const), body: fc.nat(5) }),
    fc.record({
      kind: fc.constant('signal' as const),
      reason: fc.constantFrom('kill' as const, 'shutdown' as const, 'normal' as const),
    }),
  );

  /**
   * Whatever the interleaving of hibernations, wakes, exit signals and bodies settling (old
   * ones included): only the current body of a live, awake process ends it; a body let go of
   * that resolves is `lost`, exactly once; the process exits at most once and its one DOWN
   * carries the current body's value; `stop` is called once per body let go of.
   */
  it('exits once, by its current body or a signal, and hands every other resolved body to lost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(commandArb, { maxLength: 25 }), async (trapping, commands) => {
        const t = testSystem();
        const bodies: { resolve(value: number): void; reject(error: Error): void; settled: boolean }[] = [];
        const log = { stops: 0, lost: [] as unknown[], got: 0 };
        const process = t.system.spawn(
          task<number>({
            trapExit: trapping,
            run: () =>
              new Promise<number>((resolve, reject) => {
                bodies.push({ resolve, reject, settled: false });
              }),
            stop: () => log.stops++,
            lost: (output) => log.lost.push(output),
            receive: () => log.got++,
          }),
        );
        const downs: DownMessage[] = [];
        t.system.monitor(process, (message) => downs.push(message));
        // The model.
        let current = 0;
        let hibernating = false;
        let exit: string | undefined;
        let output: number | undefined;
        const expected = { stops: 0, lost: [] as number[], got: 0 };
        let value = 0;
        for (const command of commands) {
          switch (command.kind) {
            case 'hibernate': {
              const went = exit === undefined && !hibernating;
              expect(process.hibernate()).toBe(went);
              if (went) {
                hibernating = true;
                expected.stops++;
              }
              break;
            }
            case 'send':
              process.send({ type: 'ping' });
              if (exit === undefined) {
                if (hibernating) {
                  hibernating = false;
                  current = bodies.length - 1;
                }
                expected.got++;
              }
              break;
            case 'resolve':
            case 'reject': {
              const index = command.body % bodies.length;
              const body = bodies[index]!;
              if (body.settled) continue;
              body.settled = true;
              const live = exit === undefined && !hibernating && index === current;
              if (command.kind === 'resolve') {
                body.resolve(++value);
                if (live) {
                  exit = 'normal';
                  output = value;
                } else expected.lost.push(value);
              } else {
                body.reject(new Error(`body ${index}`));
                if (live) exit = `error:body ${index}`;
              }
              break;
            }
            case 'signal': {
              process.exit(command.reason);
              if (exit !== undefined) break;
              if (command.reason === 'kill' || (!trapping && command.reason === 'shutdown')) {
                if (!hibernating) expected.stops++;
                exit = command.reason === 'kill' ? 'killed' : 'shutdown';
              } else if (trapping) {
                // The EXIT message wakes a hibernating process: its next body is the current one.
                if (hibernating) {
                  hibernating = false;
                  current = bodies.length;
                }
                expected.got++;
              }
              break;
            }
          }
          await t.settle();
          const where = JSON.stringify(commands);
          expect({
            where,
            exit: process.exitReason === undefined ? undefined : reasonText(process.exitReason),
          }).toEqual({ where, exit });
          expect({ where, hibernating: process.hibernating }).toEqual({
            where,
            hibernating: hibernating && !exit,
          });
          expect({ where, stops: log.stops, lost: log.lost, got: log.got }).toEqual({ where, ...expected });
          expect({ where, downs: downs.length }).toEqual({ where, downs: exit === undefined ? 0 : 1 });
        }
        if (exit === 'normal') {
          expect(process.output).toBe(output);
          expect(downs[0]?.output).toBe(output);
        }
        await t.system.shutdown();
      }),
      { numRuns: 300 },
    );
  });
});
