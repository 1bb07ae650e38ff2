/** Shared test fixtures: workers driven by events, a trace recorder, a settled clock. */

import { createMachine, setup } from 'xstate';
import {
  type ActorSystem,
  type ChildSpec,
  createActorSystem,
  type ExitMessage,
  type ExitReason,
  type TraceEvent,
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
