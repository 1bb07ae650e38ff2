/**
 * The actor system: owns the clock, the pid table, the name registry, the trace hook and the
 * signal queue through which every exit, link and monitor notification travels.
 */

import type { AnyActorLogic } from 'xstate';
import { ActorProcess } from './actor-process.js';
import { normalizeSupervisorSpec, type SupervisorSpec, TaskStart } from './child-spec.js';
import { type Clock, systemClock } from './clock.js';
import { NoProcError, SupervisorError } from './errors.js';
import { addMonitor, type Kernel, type Process, removeMonitor } from './process.js';
import { Supervisor } from './supervisor.js';
import { type TaskEvent, TaskProcess } from './task-process.js';
import type { DownMessage, MonitorRef, Pid, TraceEvent, TraceHook } from './types.js';

/** Options of {@link createActorSystem}. */
export interface ActorSystemOptions {
  /** Time source for restart intensity, shutdown timeouts, traces and XState delays. Default {@link systemClock}. */
  readonly clock?: Clock;
  /** Receives every supervisor's trace events, synchronously, in the order they happen. */
  readonly onTrace?: TraceHook;
}

/** Options of `ActorSystem.spawn`, for XState logic and for tasks alike. */
export interface SpawnOptions {
  /** XState input for the logic (a task takes none: its spec holds what it needs). */
  readonly input?: unknown;
  /** Start trapping exits (for a task: this, or else its spec's `trapExit`). */
  readonly trapExit?: boolean;
  /** Link to this process before the new one starts (`spawn_link`). */
  readonly link?: Process;
  /** Register the new process under this name (see {@link ActorSystem.whereis}). */
  readonly name?: string;
}

/**
 * A set of processes sharing a clock and a trace hook. Create one with
 * {@link createActorSystem}; end it with {@link ActorSystem.shutdown}.
 */
export interface ActorSystem {
  /** The system's clock. */
  readonly clock: Clock;
  /**
   * Starts a process running `logic`, outside any supervisor (`spawn/1`; with `link`,
   * `spawn_link/1`). It is not linked to anything else and lives until its logic ends, it is
   * sent an exit signal, or the system shuts down.
   */
  spawn<TLogic extends AnyActorLogic>(logic: TLogic, options?: SpawnOptions): ActorProcess<TLogic>;
  /** Starts a process running a plain body (`task(spec)`), outside any supervisor, as `spawn` does for logic. */
  spawn<TOutput, TEvent extends TaskEvent>(
    start: TaskStart<TOutput, TEvent>,
    options?: SpawnOptions,
  ): TaskProcess<TOutput, TEvent>;
  /**
   * Starts a top-level supervisor and resolves once every static child has started, in order.
   * If one fails, those already started are terminated in reverse order and the promise
   * rejects with a {@link SupervisorError} `failed_to_start_child` (`invalid_child_spec` for a
   * bad spec).
   */
  startSupervisor(spec: SupervisorSpec): Promise<Supervisor>;
  /** Calls `onDown` exactly once when `target` exits (reason `'noproc'` if it is already gone). */
  monitor(target: Process | Pid, onDown: (message: DownMessage) => void): MonitorRef;
  /** Cancels a monitor set by {@link ActorSystem.monitor}; returns whether it was active. */
  demonitor(ref: MonitorRef): boolean;
  /** The live process with this pid, if any. */
  lookup(pid: Pid): Process | undefined;
  /**
   * Names a live process (`register/2`), replacing a name it already had. Throws
   * {@link SupervisorError} `already_started` if another process holds the name, and
   * {@link NoProcError} if the process has exited.
   */
  register(name: string, process: Process): void;
  /** Removes a name; the process is unaffected. */
  unregister(name: string): void;
  /** The live process registered under `name` (names are dropped when their process exits). */
  whereis(name: string): Process | undefined;
  /**
   * Stops everything: top-level supervisors in reverse start order (each terminating its tree
   * by the children's shutdown specs), then kills the remaining spawned processes. Resolves
   * when all have exited; afterwards nothing of the system is left running and every call
   * throws {@link NoProcError}. Calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

class System implements Kernel, ActorSystem {
  readonly clock: Clock;
  private readonly onTrace: TraceHook | undefined;
  private queue: (() => void)[] = [];
  private scheduled = false;
  private readonly drainQueue = (): void => this.drain();
  private readonly processes = new Map<Pid, Process>();
  /** Top-level supervisors and spawned processes, in start order. */
  private readonly roots = new Set<Process>();
  private readonly names = new Map<string, Process>();
  private readonly namesOf = new Map<Process, string>();
  /** Monitors set through `system.monitor`, ref → target. */
  private readonly external = new Map<MonitorRef, Process | undefined>();
  private pidCounter = 0;
  private refCounter = 0;
  private lastNow = Number.NEGATIVE_INFINITY;
  private stopping: Promise<void> | undefined;

  constructor(options: ActorSystemOptions) {
    this.clock = options.clock ?? systemClock;
    this.onTrace = options.onTrace;
  }

  // Kernel ------------------------------------------------------------------------------

  post(task: () => void): void {
    this.queue.push(task);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drainQueue);
    }
  }

  private drain(): void {
    // Tasks may post more tasks; they run in this same pass, in order.
    for (let i = 0; i < this.queue.length; i++) {
      try {
        this.queue[i]!();
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    this.queue = [];
    this.scheduled = false;
  }

  monotonicNow(): number {
    const now = this.clock.now();
    if (now > this.lastNow) this.lastNow = now;
    return this.lastNow;
  }

  newPid(): Pid {
    return `<0.${++this.pidCounter}.0>` as Pid;
  }

  newRef(): MonitorRef {
    return `#Ref<${++this.refCounter}>` as MonitorRef;
  }

  track(process: Process): void {
    this.processes.set(process.pid, process);
  }

  untrack(process: Process): void {
    this.processes.delete(process.pid);
    if (this.roots.size !== 0) this.roots.delete(process);
    if (this.namesOf.size !== 0) {
      const name = this.namesOf.get(process);
      if (name !== undefined) {
        this.namesOf.delete(process);
        this.names.delete(name);
      }
    }
  }

  adoptOrphan(process: Process): void {
    this.roots.add(process);
  }

  register(name: string, target: Process): void {
    const nameOrProcess = name;
    if (!target.alive) throw new NoProcError(target.pid);
    const holder = this.names.get(nameOrProcess);
    if (holder !== undefined && holder !== target) {
      throw new SupervisorError('already_started', {
        pid: holder.pid,
        message: `name ${nameOrProcess} is already registered to ${holder.pid}`,
      });
    }
    const previous = this.namesOf.get(target);
    if (previous !== undefined && previous !== nameOrProcess) this.names.delete(previous);
    this.names.set(nameOrProcess, target);
    this.namesOf.set(target, nameOrProcess);
  }

  unregister(name: string): void {
    const holder = this.names.get(name);
    if (holder !== undefined) this.namesOf.delete(holder);
    this.names.delete(name);
  }

  lookup(pid: Pid): Process | undefined {
    return this.processes.get(pid);
  }

  get tracing(): boolean {
    return this.onTrace !== undefined;
  }

  trace(event: TraceEvent): void {
    this.onTrace?.(event);
  }

  // ActorSystem ---------------------------------------------------------------------------

  spawn<TLogic extends AnyActorLogic>(logic: TLogic, options?: SpawnOptions): ActorProcess<TLogic>;
  spawn<TOutput, TEvent extends TaskEvent>(
    start: TaskStart<TOutput, TEvent>,
    options?: SpawnOptions,
  ): TaskProcess<TOutput, TEvent>;
  spawn(started: AnyActorLogic | TaskStart, options: SpawnOptions = {}): ActorProcess | TaskProcess {
    this.assertRunning();
    const process =
      started instanceof TaskStart
        ? new TaskProcess(this, started.spec, options.trapExit ?? started.spec.trapExit ?? false)
        : new ActorProcess(this, started, options.input, options.trapExit ?? false);
    if (options.link !== undefined) process.link(options.link);
    this.roots.add(process);
    process._start();
    if (options.name !== undefined && process.alive) this.register(options.name, process);
    return process;
  }

  async startSupervisor(spec: SupervisorSpec): Promise<Supervisor> {
    this.assertRunning();
    const supervisor = new Supervisor(this, normalizeSupervisorSpec(spec), undefined);
    this.roots.add(supervisor);
    await supervisor._init();
    return supervisor;
  }

  monitor(target: Process | Pid, onDown: (message: DownMessage) => void): MonitorRef {
    const process = typeof target === 'string' ? this.lookup(target) : target;
    const watcher = (message: DownMessage): void => {
      if (this.external.delete(message.ref)) onDown(message);
    };
    const ref = addMonitor(this, watcher, process, target);
    this.external.set(ref, process?.alive ? process : undefined);
    return ref;
  }

  demonitor(ref: MonitorRef): boolean {
    if (!this.external.has(ref)) return false;
    const target = this.external.get(ref);
    this.external.delete(ref);
    if (target) removeMonitor(target, ref);
    return true;
  }

  whereis(name: string): Process | undefined {
    return this.names.get(name);
  }

  shutdown(): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    for (const root of [...this.roots].reverse()) {
      if (!root.alive) continue;
      if (root instanceof Supervisor) this.post(() => root._receiveExit(undefined, 'shutdown'));
      else this.post(() => root._signal(undefined, 'kill', true));
      await root.exited;
    }
    // Let the last exits reach their links and monitors.
    while (this.scheduled) await Promise.resolve();
  }

  private assertRunning(): void {
    if (this.stopping !== undefined) throw new NoProcError(undefined, 'the actor system has shut down');
  }
}

/**
 * Creates an actor system.
 *
 * @example
 * ```ts
 * const system = createActorSystem({ onTrace: (e) => console.log(e.type) });
 * const sup = await system.startSupervisor({
 *   strategy: 'one_for_one', intensity: 3, period: 5000,
 *   children: [{ id: 'worker', start: () => workerMachine, restart: 'permanent', shutdown: 1000, type: 'worker' }],
 * });
 * sup.getChild('worker')?.send({ type: 'job' });
 * await system.shutdown();
 * ```
 */
export function createActorSystem(options: ActorSystemOptions = {}): ActorSystem {
  return new System(options);
}
