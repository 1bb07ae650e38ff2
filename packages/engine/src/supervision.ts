import {
  type ActorSystem,
  type Clock,
  createActorSystem,
  type Pid,
  type Supervisor,
  supervisor,
  type TaskProcess,
  type TaskSpec,
  type TraceEvent,
  task,
} from '@reprise/actors';
import { EngineClosedError } from './lifecycle.js';
import type { RunExit } from './run.js';

/** A run as the supervision tree starts it: its loop is built afresh at every (re)start. */
export interface SupervisedRun {
  readonly workflowType: string;
  /** The pid of the run's live actor; kept by {@link RunSupervision}. */
  pid: Pid | undefined;
  /** The loop of this start of the run actor (a restart replays from the history). */
  body(): Promise<RunExit>;
  /** The actor is being stopped (eviction, shutdown, brutal kill): the loop ends after its step. */
  stop(): void;
  /** The run actor exited normally: the type supervisor's exit message, with the loop's result. */
  exited(exit: RunExit): void;
  /** The actor was stopped before its loop's exit could be delivered: no one will handle `exit`. */
  exitLost(exit: RunExit): void;
}

/** A run actor's start is done (what it resolves with is the caller's no business). */
const startedRun = (): void => undefined;

/** Wakes a hibernating run actor: its body, the run's loop, starts again, which replays. */
const RUN_WAKE = { type: 'reprise.run.wake' } as const;

/**
 * One start of a run actor, as its task process runs it: the body is the run's loop (a restart
 * or a wake replays), `stop` asks the loop to end after its step, and a loop that ends after
 * its actor let go of it hands its exit to `exitLost`. `attach`, called at every start (and
 * wake) with the pid before the loop runs, is one for all the runs of an engine.
 */
class RunTask implements TaskSpec<RunExit> {
  constructor(
    private readonly supervised: SupervisedRun,
    private readonly attach: (pid: Pid, run: SupervisedRun) => void,
  ) {}

  run(self: TaskProcess<RunExit>): Promise<RunExit> {
    this.attach(self.pid, this.supervised);
    return this.supervised.body();
  }

  stop(): void {
    this.supervised.stop();
  }

  lost(exit: RunExit): void {
    this.supervised.exitLost(exit);
  }
}

/** Restarts of one type's run actors, kept for the read-only view of the tree. */
interface TypeRestarts {
  total: number;
  /** When the restarts within the last period happened (the intensity in use). */
  recent: number[];
  readonly byRun: WeakMap<SupervisedRun, number>;
}

/** A run actor as `engine.supervisionTree()` shows it. */
export interface SupervisedRunView {
  /** The run's workflow. */
  readonly workflowId: string;
  /** The run. */
  readonly runId: string;
  /** The pid of its actor; absent while the run has none (evicted: `suspended`). */
  readonly pid?: string;
  /** In memory (`resident`), its actor kept with its interpreter let go (`hibernated`), or evicted (`suspended`). */
  readonly residency: 'resident' | 'hibernated' | 'suspended';
  /** How often its actor crashed and was restarted by its type supervisor in this process. */
  readonly restarts: number;
}

/** A workflow type's supervisor as `engine.supervisionTree()` shows it. */
export interface TypeSupervisorView {
  /** The workflow type whose runs it supervises. */
  readonly workflowType: string;
  /** Its pid; absent while it is down. */
  readonly pid?: string;
  /** Its strategy: run actors are its dynamic children. */
  readonly strategy: 'simple_one_for_one';
  /** Its restart intensity: at most this many restarts ... */
  readonly intensity: number;
  /** ... within this many ms. */
  readonly period: number;
  /** Restarts of its run actors since the engine started. */
  readonly restarts: number;
  /** Restarts within the last `period`: the intensity in use. */
  readonly recentRestarts: number;
  /** Its run actors and the evicted runs this process owns, in the run table's order. */
  readonly runs: readonly SupervisedRunView[];
}

/** The engine's supervision tree at one moment: `engine.supervisionTree()`. */
export interface SupervisionTree {
  /** The root supervisor, whose children are the type supervisors. */
  readonly root: { readonly pid?: string; readonly strategy: 'one_for_one' };
  /** One supervisor per workflow type, in registration order. */
  readonly types: readonly TypeSupervisorView[];
}

/** Restart intensity of each workflow type's supervisor: how often engine faults are retried by replay. */
const RUN_RESTARTS = { intensity: 20, period: 10_000 };
const typeChildId = (workflowType: string) => `workflow:${workflowType}`;

/**
 * The engine's supervision tree: a root `one_for_one` supervisor with one `simple_one_for_one`
 * supervisor per workflow type, whose dynamic children are the run actors. A run actor is a task
 * process (no XState actor: thousands wait at once) whose body is the run's loop (`RunTask`),
 * `transient`: a normal exit is final; a crash (an engine fault such as a store error) restarts
 * the actor, which replays the run.
 *
 * The exit of every start of a run actor reaches its type supervisor, which traces it with the
 * reason and, for a normal exit, the loop's `RunExit`: that goes to the type's exit handling
 * (`SupervisedRun.exited`).
 * A type supervisor is monitored too: if it exceeds its intensity and exits, the root restarts
 * it empty and `onTypeRestarted` lets the engine bring that type's runs back.
 */
export class RunSupervision {
  readonly #system: ActorSystem;
  readonly #types = new Map<string, Supervisor>();
  readonly #runs = new Map<Pid, SupervisedRun>();
  /** Automatic restarts seen, by workflow type: for {@link RunSupervision.view}, read-only. */
  readonly #restarts = new Map<string, TypeRestarts>();
  #root: Supervisor | undefined;
  #shuttingDown = false;

  constructor(
    private readonly clock: Clock,
    private readonly onTypeRestarted: (workflowType: string) => void,
  ) {
    this.#system = createActorSystem({ clock, onTrace: this.#onTrace });
  }

  /** Starts the root and one supervisor per workflow type. */
  async start(workflowTypes: readonly string[]): Promise<void> {
    this.#root = await this.#system.startSupervisor({
      id: 'reprise-engine',
      strategy: 'one_for_one',
      intensity: 10,
      period: 5000,
      children: workflowTypes.map((workflowType) => ({
        id: typeChildId(workflowType),
        type: 'supervisor' as const,
        start: () =>
          supervisor({
            id: typeChildId(workflowType),
            strategy: 'simple_one_for_one',
            ...RUN_RESTARTS,
            children: [
              {
                id: 'run',
                restart: 'transient',
                shutdown: 'brutal_kill',
                start: (run: SupervisedRun) => task(new RunTask(run, this.#attach)),
              },
            ],
          }),
      })),
    });
    for (const workflowType of workflowTypes) this.#adoptType(workflowType);
  }

  /** Starts a run actor under its type's supervisor. */
  startRun(run: SupervisedRun): Promise<void> {
    const typeSupervisor = this.#types.get(run.workflowType);
    if (!typeSupervisor)
      return Promise.reject(new Error(`no supervisor for workflow type ${run.workflowType}`));
    if (this.#shuttingDown) return Promise.reject(new EngineClosedError());
    // Handlers shared by every start, not a frame per start: thousands start at once.
    return typeSupervisor.startChild(run).then(startedRun, this.#startFailed);
  }

  /**
   * A start racing shutdown meets a supervisor already gone (the actors' NoProcError): to the
   * caller that is the engine closing, not an internal of the actors package.
   */
  readonly #startFailed = (error: unknown): never => {
    if (this.#shuttingDown) throw new EngineClosedError();
    throw error;
  };

  /** Stops a run actor (eviction, shutdown of one run); no exit reaches the exit handling. */
  async stopRun(run: SupervisedRun): Promise<void> {
    const pid = run.pid;
    if (pid === undefined) return;
    this.#untrack(pid);
    await this.#types.get(run.workflowType)?.terminateChild(pid);
  }

  /**
   * Hibernates a run actor (see `TaskProcess.hibernate`): it stays under its type supervisor;
   * letting go of its body stops the run's loop. Returns whether it went into hibernation.
   */
  hibernateRun(run: SupervisedRun): boolean {
    return this.#process(run)?.hibernate() ?? false;
  }

  /** Whether the run's actor hibernates. */
  hibernating(run: SupervisedRun): boolean {
    return this.#process(run)?.hibernating ?? false;
  }

  /** Wakes a hibernating run actor: its loop starts again, from a replay. */
  wakeRun(run: SupervisedRun): void {
    this.#process(run)?.send(RUN_WAKE);
  }

  #process(run: SupervisedRun): TaskProcess<RunExit> | undefined {
    const pid = run.pid;
    return pid === undefined ? undefined : (this.#system.lookup(pid) as TaskProcess<RunExit> | undefined);
  }

  /** How many run actors are alive. */
  get size(): number {
    return this.#runs.size;
  }

  /** Whether the run has a live actor. */
  has(run: SupervisedRun): boolean {
    return run.pid !== undefined;
  }

  /** Stops every actor of the tree. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const run of this.#runs.values()) run.pid = undefined;
    this.#runs.clear();
    await this.#system.shutdown();
  }

  /** Takes the type's supervisor as the root runs it now, and watches it. */
  #adoptType(workflowType: string): void {
    const child = this.#root?.getChild(typeChildId(workflowType));
    if (!child) return;
    this.#types.set(workflowType, child as Supervisor);
    this.#system.monitor(child, () => this.#typeDown(workflowType));
  }

  /**
   * A type supervisor exited (it gave up after too many restarts, its runs stopped with it). A
   * call to the root is answered after the root has handled that exit (it restarts the type's
   * supervisor, as one_for_one does); `restartChild` then answers `running`, or starts it if the
   * root had not. Then the type's runs come back.
   */
  async #typeDown(workflowType: string): Promise<void> {
    const root = this.#root;
    if (!root?.alive || this.#shuttingDown) return;
    for (const [pid, run] of this.#runs) if (run.workflowType === workflowType) this.#untrack(pid);
    await root.restartChild(typeChildId(workflowType)).catch(() => undefined);
    if (!root.alive || this.#shuttingDown) return;
    this.#adoptType(workflowType);
    this.onTypeRestarted(workflowType);
  }

  /** A run actor started (or woke) with `pid`: its exit will reach its type supervisor. */
  readonly #attach = (pid: Pid, run: SupervisedRun): void => {
    if (run.pid === pid) return;
    this.#runs.set(pid, run);
    run.pid = pid;
  };

  /**
   * The type supervisor's exit message for one start of a run actor, as the actor system's trace
   * reports it (`child_exited`, with the loop's output on a normal exit). A normal exit hands the
   * loop's RunExit to the exit handling; a crash is the type supervisor's to restart (the new
   * start attaches again); a stop the engine made (`stopRun`, shutdown) has been accounted for
   * already, and exits of other processes are not run actors'. The supervisor's decision on a
   * normal exit is known before it is traced (a transient child is not restarted), so the exit
   * handling starts here, at once: its first step (the close's append) is asynchronous, and a
   * microtask more would be one hop more on every run's way to its result. A waiting run costs
   * no monitor, ref or closure of its own.
   */
  readonly #onTrace = (event: TraceEvent): void => {
    if (event.type !== 'child_exited' || !this.#runs.has(event.pid)) return;
    const run = this.#untrack(event.pid);
    if (!run) return;
    if (event.reason === 'normal') {
      run.exited(event.output as RunExit);
    } else {
      this.#noteRestart(run);
    }
  };

  /** A run actor crashed: its transient spec makes the type supervisor restart it. Counted for the view. */
  #noteRestart(run: SupervisedRun): void {
    let restarts = this.#restarts.get(run.workflowType);
    if (!restarts) {
      restarts = { total: 0, recent: [], byRun: new WeakMap() };
      this.#restarts.set(run.workflowType, restarts);
    }
    const now = this.clock.now();
    restarts.total++;
    restarts.recent = [...restarts.recent.filter((at) => now - at < RUN_RESTARTS.period), now];
    restarts.byRun.set(run, (restarts.byRun.get(run) ?? 0) + 1);
  }

  /**
   * What the tree looks like now, for tools (the web UI): the root, each type's supervisor with
   * its restart counts, and the run actors this process holds. Reads only.
   */
  view(
    runs: Iterable<SupervisedRun & { readonly workflowId: string; readonly runId: string }>,
  ): SupervisionTree {
    const now = this.clock.now();
    const byType = new Map<string, SupervisedRunView[]>();
    for (const run of runs) {
      const list = byType.get(run.workflowType) ?? [];
      byType.set(run.workflowType, list);
      const restarts = this.#restarts.get(run.workflowType)?.byRun.get(run) ?? 0;
      list.push({
        workflowId: run.workflowId,
        runId: run.runId,
        ...(run.pid === undefined ? {} : { pid: run.pid }),
        residency: run.pid === undefined ? 'suspended' : this.hibernating(run) ? 'hibernated' : 'resident',
        restarts,
      });
    }
    const types = [...this.#types].map(([workflowType, typeSupervisor]): TypeSupervisorView => {
      const restarts = this.#restarts.get(workflowType);
      return {
        workflowType,
        ...(typeSupervisor.alive ? { pid: typeSupervisor.pid } : {}),
        strategy: 'simple_one_for_one',
        intensity: RUN_RESTARTS.intensity,
        period: RUN_RESTARTS.period,
        restarts: restarts?.total ?? 0,
        recentRestarts: restarts?.recent.filter((at) => now - at < RUN_RESTARTS.period).length ?? 0,
        runs: byType.get(workflowType) ?? [],
      };
    });
    return {
      root: { ...(this.#root?.alive ? { pid: this.#root.pid } : {}), strategy: 'one_for_one' },
      types,
    };
  }

  #untrack(pid: Pid): SupervisedRun | undefined {
    const run = this.#runs.get(pid);
    this.#runs.delete(pid);
    if (run?.pid === pid) run.pid = undefined;
    return run;
  }
}
