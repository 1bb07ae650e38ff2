/**
 * Model-based property test: random supervision trees (every strategy and restart type,
 * nested supervisors included, workers running XState logic or a task body) driven by random
 * crashes, normal exits, supervisor exits, clock advances and API calls, held against the
 * executable OTP model in `otp-model.ts`.
 * After every step the children (ids, running or not, pid changed or not), whether each
 * supervisor is alive, the answers of calls and the trace order must all agree.
 */

import fc from 'fast-check';
import {
  type ChildSpec,
  createActorSystem,
  type Pid,
  type Supervisor,
  SupervisorError,
  type SupervisorSpec,
  supervisor,
  type TraceEvent,
  task,
  VirtualClock,
} from '../src/index.js';
import { reasonText, taskWorker, worker } from './helpers.js';
import {
  type MAnswer,
  type MChildSpec,
  type MRestart,
  type MSup,
  type MSupSpec,
  type MWorkerSpec,
  SupervisionModel,
} from './otp-model.js';

// --- arbitraries ------------------------------------------------------------------------------

const restartArb = fc.constantFrom<MRestart>('permanent', 'transient', 'temporary');
const strategyArb = fc.constantFrom(
  'one_for_one',
  'one_for_all',
  'rest_for_one',
  'simple_one_for_one' as const,
);
type Strategy = MSupSpec['strategy'];
const flagsArb = (strategy: fc.Arbitrary<Strategy>) =>
  fc.record({
    strategy,
    intensity: fc.integer({ min: 0, max: 3 }),
    period: fc.constantFrom(1000, 2000, 5000),
  });

/** A worker of the model; `task` (which the model ignores) runs it as a task process instead of XState logic. */
type WorkerSpec = MWorkerSpec & { readonly task?: boolean };

const workerArb = (id: string): fc.Arbitrary<WorkerSpec> =>
  fc.record({ restart: restartArb, task: fc.boolean() }).map(({ restart, task }) => ({
    kind: 'worker' as const,
    id,
    restart,
    task,
  }));

/** A supervisor spec of `strategy` (any, by default), its nested supervisors of any. */
const supArb = (
  id: string,
  prefix: string,
  depth: number,
  strategy: fc.Arbitrary<Strategy> = strategyArb,
): fc.Arbitrary<MSupSpec> =>
  fc
    .record({
      flags: flagsArb(strategy),
      restart: restartArb,
      children: fc.array(fc.boolean(), { minLength: 1, maxLength: depth > 0 ? 4 : 3 }),
      template: workerArb('w'),
    })
    .chain(({ flags, restart, children, template }) => {
      if (flags.strategy === 'simple_one_for_one') {
        return fc.constant<MSupSpec>({ kind: 'sup', id, restart, ...flags, children: [template] });
      }
      const specs = children.map((nested, i): fc.Arbitrary<MChildSpec> => {
        const childId = `${prefix}${i}`;
        return nested && depth > 0 ? supArb(childId, `${childId}.`, depth - 1) : workerArb(childId);
      });
      return fc
        .tuple(...specs)
        .map((list): MSupSpec => ({ kind: 'sup', id, restart, ...flags, children: list }));
    });

type Command =
  | { readonly kind: 'crash' | 'finish'; readonly pick: number }
  | { readonly kind: 'exitSup'; readonly pick: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'terminate' | 'restart' | 'delete'; readonly sup: number; readonly child: number }
  | {
      readonly kind: 'start';
      readonly sup: number;
      readonly dyn: number;
      readonly restart: MRestart;
      readonly task: boolean;
    };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('crash' as const), pick: fc.nat(20) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('exitSup' as const), pick: fc.nat(6) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 400, 1000, 2600, 6000),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('terminate' as const, 'restart' as const, 'delete' as const),
      sup: fc.nat(6),
      child: fc.nat(6),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      sup: fc.nat(6),
      dyn: fc.nat(2),
      restart: restartArb,
      task: fc.boolean(),
    }),
  },
);

// --- turning model specs into real ones -------------------------------------------------------

function realChild(spec: MChildSpec): ChildSpec {
  if (spec.kind === 'worker') {
    const start = (spec as WorkerSpec).task ? () => task(taskWorker()) : () => worker;
    return { id: spec.id, start, restart: spec.restart, shutdown: 1000 };
  }
  return {
    id: spec.id,
    restart: spec.restart,
    type: 'supervisor',
    start: () => supervisor(realSupSpec(spec)),
  };
}

function realSupSpec(spec: MSupSpec): SupervisorSpec {
  return {
    id: spec.id,
    strategy: spec.strategy,
    intensity: spec.intensity,
    period: spec.period,
    children: spec.children.map(realChild),
  };
}

// --- the run ------------------------------------------------------------------------------------

async function check(rootSpec: MSupSpec, commands: readonly Command[]): Promise<void> {
  const clock = new VirtualClock();
  const events: TraceEvent[] = [];
  const system = createActorSystem({ clock, onTrace: (e) => events.push(e) });
  const root = await system.startSupervisor(realSupSpec(rootSpec));
  const model = new SupervisionModel(rootSpec, () => clock.now());

  /** Supervisor pid → model path, learned as supervisors are (re)started. */
  const paths = new Map<string, string>([[root.pid, 'R']]);
  /** Real pid ↔ model generation, to check "pid changed or not". */
  const genOfPid = new Map<string, number>();
  const pidOfGen = new Map<number, string>();
  const log: string[] = [];

  const realSup = (sup: MSup): Supervisor => {
    if (sup.parent === undefined) return root;
    const parent = realSup(sup.parent.sup);
    return parent.getChild(sup.parent.child.spec.id) as Supervisor;
  };
  const realChildPid = (sup: MSup, index: number): Pid => realSup(sup).whichChildren()[index]!.pid!;

  const line = (e: TraceEvent): string => {
    const sup = paths.get(e.supervisor) ?? e.supervisor;
    const id = 'childId' in e ? (e.childId ?? '-') : '';
    switch (e.type) {
      case 'child_started':
      case 'child_restarted':
        return `${sup} ${e.type} ${id}`;
      case 'supervisor_stopped':
        return `${sup} ${e.type} ${reasonText(e.reason)}`;
      case 'child_start_failed':
        return `${sup} ${e.type} ${id} ${e.reason.message}`;
      default:
        return `${sup} ${e.type} ${id} ${reasonText(e.reason)}`;
    }
  };

  const compare = (step: string): void => {
    log.push(step);
    const where = `after ${log.join(' ; ')}`;
    // Learn the pids of nested supervisors from the model's tree.
    for (const sup of model.supervisors()) {
      if (sup.parent !== undefined) paths.set(realSup(sup).pid, sup.path);
    }
    expect({ where, trace: events.map(line) }).toEqual({ where, trace: model.trace });
    expect({ where, rootAlive: root.alive }).toEqual({ where, rootAlive: model.root.alive });
    for (const sup of model.supervisors()) {
      const real = realSup(sup);
      expect({ where, path: sup.path, alive: real.alive }).toEqual({ where, path: sup.path, alive: true });
      const rows = real.whichChildren();
      const simple = sup.spec.strategy === 'simple_one_for_one';
      const expected = sup.children.map((c) => ({
        id: simple ? undefined : c.spec.id,
        running: c.gen !== undefined,
      }));
      const actual = rows.map((r) => ({ id: r.id, running: r.pid !== undefined }));
      expect({ where, path: sup.path, children: actual }).toEqual({
        where,
        path: sup.path,
        children: expected,
      });
      sup.children.forEach((child, i) => {
        const pid = rows[i]!.pid;
        if (pid === undefined || child.gen === undefined) return;
        // Same generation ⇔ same pid.
        const knownGen = genOfPid.get(pid);
        const knownPid = pidOfGen.get(child.gen);
        expect({ where, pid, gen: knownGen ?? child.gen }).toEqual({ where, pid, gen: child.gen });
        expect({ where, gen: child.gen, pid: knownPid ?? pid }).toEqual({ where, gen: child.gen, pid });
        genOfPid.set(pid, child.gen);
        pidOfGen.set(child.gen, pid);
      });
    }
  };

  const answerOf = async (call: Promise<unknown>): Promise<MAnswer> => {
    try {
      await call;
      return 'ok';
    } catch (err) {
      if (err instanceof SupervisorError || (err as { code?: string }).code === 'noproc') {
        return (err as { code: MAnswer }).code;
      }
      throw err;
    }
  };

  compare('start');
  try {
    for (const command of commands) {
      switch (command.kind) {
        case 'crash':
        case 'finish': {
          const running = model.runningWorkers();
          if (running.length === 0) continue;
          const { sup, child } = running[command.pick % running.length]!;
          const index = sup.children.indexOf(child);
          const proc = system.lookup(realChildPid(sup, index))!;
          proc.send({ type: command.kind });
          model.childExits(sup, child, command.kind === 'crash' ? 'error:crash' : 'normal');
          await clock.advance(0);
          compare(`${command.kind} ${sup.path}/${child.spec.id}`);
          break;
        }
        case 'exitSup': {
          const sups = model.supervisors();
          if (sups.length === 0) continue;
          const sup = sups[command.pick % sups.length]!;
          if (sup === model.root && command.pick % 3 !== 0) continue; // stop the root only now and then
          realSup(sup).exit(new Error('boom'));
          model.supervisorExits(sup, 'error:boom');
          await clock.advance(0);
          compare(`exitSup ${sup.path}`);
          break;
        }
        case 'advance':
          await clock.advance(command.ms);
          compare(`advance ${command.ms}`);
          break;
        case 'terminate':
        case 'restart':
        case 'delete': {
          const sups = model.supervisors();
          if (sups.length === 0) continue;
          const sup = sups[command.sup % sups.length]!;
          const real = realSup(sup);
          const simple = sup.spec.strategy === 'simple_one_for_one';
          let expected: MAnswer;
          let actual: MAnswer;
          if (simple && command.kind === 'terminate' && command.child < sup.children.length) {
            const pid = realChildPid(sup, command.child);
            expected = model.terminateChild(sup, { index: command.child });
            actual = await answerOf(real.terminateChild(pid));
          } else {
            // An id of the spec (maybe gone), or one never used.
            const ids = [...sup.spec.children.map((c) => c.id), 'd0', 'd1', 'nope'];
            const id = ids[command.child % ids.length]!;
            expected =
              command.kind === 'terminate'
                ? model.terminateChild(sup, { id })
                : command.kind === 'restart'
                  ? model.restartChild(sup, id)
                  : model.deleteChild(sup, id);
            const call =
              command.kind === 'terminate'
                ? real.terminateChild(id)
                : command.kind === 'restart'
                  ? real.restartChild(id)
                  : real.deleteChild(id);
            actual = await answerOf(call);
          }
          await clock.advance(0);
          expect({ where: log.join(' ; '), command, answer: actual }).toEqual({
            where: log.join(' ; '),
            command,
            answer: expected,
          });
          compare(`${command.kind} ${sup.path} #${command.child} → ${expected}`);
          break;
        }
        case 'start': {
          const sups = model.supervisors();
          if (sups.length === 0) continue;
          const sup = sups[command.sup % sups.length]!;
          const spec: WorkerSpec = {
            kind: 'worker',
            id: `d${command.dyn}`,
            restart: command.restart,
            task: command.task,
          };
          const expected = model.startChild(sup, spec);
          const real = realSup(sup);
          const call =
            sup.spec.strategy === 'simple_one_for_one' ? real.startChild() : real.startChild(realChild(spec));
          const actual = await answerOf(call);
          await clock.advance(0);
          expect({ where: log.join(' ; '), command, answer: actual }).toEqual({
            where: log.join(' ; '),
            command,
            answer: expected,
          });
          compare(`start ${sup.path} ${spec.id} → ${expected}`);
          break;
        }
      }
    }
  } finally {
    await system.shutdown();
  }
  expect(clock.pendingTimers()).toBe(0);
}

describe('supervisors against the OTP model', () => {
  // One test per strategy of the root, a quarter of the cases each (400 in all, or
  // ACTORS_MODEL_RUNS, as when one test drew the root's strategy): pieces small enough for a
  // busy machine, where the one test ran out of its timeout.
  it.each<Strategy>(['one_for_one', 'one_for_all', 'rest_for_one', 'simple_one_for_one'])(
    'agree on children, pids, liveness, call answers and trace order (root %s)',
    async (strategy) => {
      await fc.assert(
        fc.asyncProperty(
          supArb('R', 'c', 1, fc.constant(strategy)),
          fc.array(commandArb, { maxLength: 40 }),
          (rootSpec, commands) => check(rootSpec, commands),
        ),
        { numRuns: Math.ceil(Number(process.env.ACTORS_MODEL_RUNS ?? 400) / 4) },
      );
    },
  );
});
