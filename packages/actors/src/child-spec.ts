/**
 * Child specifications and supervisor flags: their types, OTP's defaults, and validation.
 */

import type { AnyActorLogic } from 'xstate';
import { SupervisorError } from './errors.js';
import type { TaskEvent, TaskSpec } from './task-process.js';
import type { ChildId, TraceHook } from './types.js';

/** When a child is restarted: always, only after an abnormal exit, or never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * How a child is stopped: `'brutal_kill'` kills it at once; a number of ms sends it a
 * `'shutdown'` exit signal and kills it if it has not exited by then; `'infinity'` sends
 * `'shutdown'` and waits as long as it takes.
 */
export type Shutdown = number | 'brutal_kill' | 'infinity';

/** Informational, as in OTP: it only changes the defaults and `countChildren()`. */
export type ChildType = 'worker' | 'supervisor';

/** Restart strategy of a supervisor. */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';

/** A start function's answer with XState input or trap-exit set for the new process. */
export interface ActorStart {
  /** The XState logic to run. */
  readonly logic: AnyActorLogic;
  /** Passed to `createActor(logic, { input })`. */
  readonly input?: unknown;
  /** Start the process trapping exits (it then gets `EXIT` messages, e.g. from its supervisor at shutdown). */
  readonly trapExit?: boolean;
}

/** A nested supervisor, as returned by {@link supervisor}. */
export class SupervisorStart {
  /** @param spec - the nested supervisor's flags and children. */
  constructor(
    /** The nested supervisor's flags and children. */
    readonly spec: SupervisorSpec,
  ) {}
}

/** A task process as a start result, as returned by {@link task}. */
export class TaskStart<TOutput = unknown, TEvent extends TaskEvent = TaskEvent> {
  /** @param spec - the body the process runs, and its hooks. */
  constructor(
    /** The body the process runs, and its hooks. */
    readonly spec: TaskSpec<TOutput, TEvent>,
  ) {}
}

/**
 * Declares a process that runs a plain body, lighter than an XState actor:
 * `start: (job) => task({ run: (self) => job.work(), stop: () => job.cancel() })`.
 */
export function task<TOutput, TEvent extends TaskEvent = TaskEvent>(
  spec: TaskSpec<TOutput, TEvent>,
): TaskStart<TOutput, TEvent> {
  return new TaskStart(spec);
}

/**
 * What a child spec's `start` returns: XState logic, logic with options, a task (a plain body)
 * or a nested supervisor.
 */
export type ChildStart = AnyActorLogic | ActorStart | TaskStart<unknown, never> | SupervisorStart;

/** Describes a child, as OTP's `child_spec()`. */
export interface ChildSpec {
  /** Identifies the child within its supervisor. */
  readonly id: ChildId;
  /**
   * Creates what the child runs. Called at every (re)start, so each start gets fresh logic.
   * For `simple_one_for_one` it receives the arguments given to `startChild(...args)`.
   * Throwing, logic whose XState actor errors while starting, or a task body that throws
   * synchronously, is a start failure.
   */
  readonly start: (...args: never[]) => ChildStart;
  /** Default `'permanent'`. */
  readonly restart?: RestartType;
  /** Default 5000 for a worker, `'infinity'` for a supervisor. */
  readonly shutdown?: Shutdown;
  /** Default `'worker'`. */
  readonly type?: ChildType;
}

/** A supervisor's flags and static children, as OTP's `init/1` returns them. */
export interface SupervisorSpec {
  /** A name for traces and debugging. */
  readonly id?: string;
  /** Default `'one_for_one'`. */
  readonly strategy?: Strategy;
  /** Maximum automatic restarts within `period`; default 1. */
  readonly intensity?: number;
  /** In ms; default 5000. Counted in whole seconds, as OTP does. */
  readonly period?: number;
  /** Started in order. For `simple_one_for_one`, exactly one: the template for dynamic children. */
  readonly children?: readonly ChildSpec[];
  /** Called with this supervisor's own trace events, in addition to the system's hook. */
  readonly onTrace?: TraceHook;
}

/** A child spec with OTP's defaults filled in. @internal */
export interface NormalizedChildSpec {
  readonly id: ChildId;
  readonly start: (...args: unknown[]) => ChildStart;
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  readonly type: ChildType;
}

/** Declares a nested supervisor as a child's start result: `start: () => supervisor({ ... })`. */
export function supervisor(spec: SupervisorSpec): SupervisorStart {
  return new SupervisorStart(spec);
}

const RESTART_TYPES: readonly string[] = ['permanent', 'transient', 'temporary'];
const CHILD_TYPES: readonly string[] = ['worker', 'supervisor'];
const STRATEGIES: readonly string[] = ['one_for_one', 'one_for_all', 'rest_for_one', 'simple_one_for_one'];

function invalid(message: string, childId?: ChildId): SupervisorError {
  return new SupervisorError('invalid_child_spec', { childId, message });
}

/** Checks a child spec and fills in defaults; throws `invalid_child_spec`. @internal */
export function normalizeChildSpec(spec: ChildSpec): NormalizedChildSpec {
  if (spec === null || typeof spec !== 'object') throw invalid('child spec must be an object');
  const { id, start } = spec;
  if (typeof id !== 'string' || id === '') throw invalid('child spec id must be a non-empty string');
  if (typeof start !== 'function') throw invalid(`child ${id}: start must be a function`, id);
  const type = spec.type ?? 'worker';
  if (!CHILD_TYPES.includes(type)) throw invalid(`child ${id}: bad type ${String(type)}`, id);
  const restart = spec.restart ?? 'permanent';
  if (!RESTART_TYPES.includes(restart)) throw invalid(`child ${id}: bad restart ${String(restart)}`, id);
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  const shutdownOk =
    shutdown === 'brutal_kill' ||
    shutdown === 'infinity' ||
    (typeof shutdown === 'number' && Number.isInteger(shutdown) && shutdown >= 0);
  if (!shutdownOk) throw invalid(`child ${id}: bad shutdown ${String(shutdown)}`, id);
  return { id, start: start as (...args: unknown[]) => ChildStart, restart, shutdown, type };
}

/** Supervisor flags with defaults filled in. @internal */
export interface NormalizedSupervisorSpec {
  readonly id: string | undefined;
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly period: number;
  readonly children: readonly NormalizedChildSpec[];
  readonly onTrace: TraceHook | undefined;
}

/** Checks supervisor flags and children; throws `invalid_child_spec`. @internal */
export function normalizeSupervisorSpec(spec: SupervisorSpec): NormalizedSupervisorSpec {
  const strategy = spec.strategy ?? 'one_for_one';
  if (!STRATEGIES.includes(strategy)) throw invalid(`bad strategy ${String(strategy)}`);
  const intensity = spec.intensity ?? 1;
  if (!Number.isInteger(intensity) || intensity < 0) throw invalid(`bad intensity ${String(intensity)}`);
  const period = spec.period ?? 5000;
  if (typeof period !== 'number' || !(period > 0)) throw invalid(`bad period ${String(period)}`);
  const children = (spec.children ?? []).map(normalizeChildSpec);
  if (strategy === 'simple_one_for_one' && children.length !== 1) {
    throw invalid('simple_one_for_one needs exactly one child spec');
  }
  const seen = new Set<ChildId>();
  for (const child of children) {
    if (seen.has(child.id)) throw invalid(`duplicate child id ${child.id}`, child.id);
    seen.add(child.id);
  }
  return { id: spec.id, strategy, intensity, period, children, onTrace: spec.onTrace };
}
