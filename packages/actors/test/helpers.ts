/** Shared test fixtures: workers driven by events (XState and task), a trace recorder, a settled clock. */

import { createMachine, setup } from 'xstate';
import {
  type ActorSystem,
  type ChildSpec,
  type Clock,
  createActorSystem,
  type DownMessage,
  type ExitMessage,
  type ExitReason,
  type Pid,
  type TaskSpec,
  type TraceEvent,
  task,
  VirtualClock,
} from '../src/index.js';

/** A worker that throws on `crash` and finishes (`normal`) on `finish`. */
export const worker = createMachine({
  types: {} as { events: { type: 'crash' } | { type: 'finish' } | { type: 'ping' } },
  initial: 'up',
  states: {
    up: {
      on: {
        crash: {
          actions: () => {
            throw new Error('crash');
          },
        },
        finish: 'done',
      },
    },
    done: { type: 'final' },
  },
});

/**
 * A worker that traps exits and, on an `EXIT`, takes `input.cleanupMs` of clock time before
 * finishing; with `cleanupMs: Infinity` it ignores `EXIT`s.
 */
export const slowWorker = setup({
  types: {} as { context: { cleanupMs: number }; input: { cleanupMs: number }; events: ExitMessage },
  delays: { cleanup: ({ context }) => context.cleanupMs },
}).createMachine({
  context: ({ input }) => ({ cleanupMs: input.cleanupMs }),
  initial: 'up',
  states: {
    up: { on: { EXIT: { target: 'cleaning', guard: ({ context }) => Number.isFinite(context.cleanupMs) } } },
    cleaning: { after: { cleanup: 'done' } },
    done: { type: 'final' },
  },
});

/** What a {@link taskWorker} saw: its bodies' pids, stops, lost outputs and messages. */
export interface TaskWorkerLog {
  /** The pid each body was run with (a wake runs the body again). */
  readonly runs: Pid[];
  /** How often the process let go of a body (stop, kill, hibernate). */
  stops: number;
  /** Outputs of bodies that settled after the process let go of them. */
  readonly lost: unknown[];
  /** `EXIT` / `DOWN` messages and other events, as `type` or `type reason`. */
  readonly got: string[];
}

/**
 * {@link worker} as a task: `crash` rejects its body, `finish` resolves it with `output`, `ping`
 * is only recorded; with `cleanupMs`, an `EXIT` resolves it that much clock time later (as
 * {@link slowWorker}), and a stop resolves the abandoned body at once (it is `lost`).
 */
export function taskWorker(
  options: { output?: unknown; trapExit?: boolean; cleanupMs?: number; clock?: Clock } = {},
  log: TaskWorkerLog = { runs: [], stops: 0, lost: [], got: [] },
): TaskSpec<unknown> & { readonly log: TaskWorkerLog } {
  let finish: (output: unknown) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  return {
    log,
    trapExit: options.trapExit,
    run(self) {
      log.runs.push(self.pid);
      return new Promise((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
    },
    stop() {
      log.stops++;
      finish('abandoned');
    },
    lost(output) {
      log.lost.push(output);
    },
    receive(message) {
      const exit = message as ExitMessage | DownMessage;
      log.got.push(exit.reason === undefined ? message.type : `${message.type} ${reasonText(exit.reason)}`);
      if (message.type === 'crash') fail(new Error('crash'));
      else if (message.type === 'finish') finish(options.output);
      else if (message.type === 'EXIT' && options.cleanupMs !== undefined && options.clock !== undefined) {
        if (Number.isFinite(options.cleanupMs)) {
          const done = finish;
          options.clock.setTimeout(() => done(options.output), options.cleanupMs);
        }
      }
    },
  };
}

/** A child spec for {@link taskWorker}, every start logging into `log`. */
export function taskWorkerSpec(
  id: string,
  log?: TaskWorkerLog,
  extra: Partial<ChildSpec> = {},
  options: Parameters<typeof taskWorker>[0] = {},
): ChildSpec {
  return {
    id,
    start: () => task(taskWorker(options, log)),
    restart: 'permanent',
    shutdown: 1000,
    type: 'worker',
    ...extra,
  };
}

/** A child spec for {@link worker}. */
export function workerSpec(id: string, extra: Partial<ChildSpec> = {}): ChildSpec {
  return { id, start: () => worker, restart: 'permanent', shutdown: 1000, type: 'worker', ...extra };
}

/** Short text for a reason: `normal`, `shutdown`, `killed`, or `error:<message>`. */
export function reasonText(reason: ExitReason): string {
  return typeof reason === 'string' ? reason : `error:${reason.message}`;
}

/** One line per trace event, with supervisor names resolved through `names`. */
export function traceLine(event: TraceEvent, names: Map<string, string>): string {
  const sup = names.get(event.supervisor) ?? event.supervisor;
  switch (event.type) {
    case 'child_started':
    case 'child_restarted':
      return `${sup} ${event.type} ${event.childId}`;
    case 'child_start_failed':
      return `${sup} ${event.type} ${event.childId} ${event.reason.message}`;
    case 'child_exited':
    case 'child_terminated':
    case 'supervisor_gave_up':
      return `${sup} ${event.type} ${event.childId} ${reasonText(event.reason)}`;
    case 'supervisor_stopped':
      return `${sup} ${event.type} ${reasonText(event.reason)}`;
  }
}

/** A system on a virtual clock that records trace events. */
export interface TestSystem {
  readonly system: ActorSystem;
  readonly clock: VirtualClock;
  readonly events: TraceEvent[];
  /** Supervisor pid → a readable name used by {@link TestSystem.lines}. */
  readonly names: Map<string, string>;
  /** The trace as lines (see {@link traceLine}). */
  lines(): string[];
  /** Lets every queued signal and promise settle, without moving time. */
  settle(): Promise<void>;
}

export function testSystem(startAt = 0): TestSystem {
  const clock = new VirtualClock(startAt);
  const events: TraceEvent[] = [];
  const names = new Map<string, string>();
  const system = createActorSystem({ clock, onTrace: (event) => events.push(event) });
  return {
    system,
    clock,
    events,
    names,
    lines: () => events.map((event) => traceLine(event, names)),
    settle: () => clock.advance(0),
  };
}
