import { type Clock, type Pid, systemClock } from '@reprise/actors';
import {
  type ActivityDefinition,
  asWorkflowId,
  type Command,
  checkPayload,
  checkSearchAttributeSchema,
  type EventBody,
  type EventOf,
  envelopeEvents,
  executionInitFromStart,
  InMemoryStore,
  InvalidArgumentError,
  type JsonValue,
  latestStart,
  type NonDeterminismError,
  newRunId,
  newWorkflowId,
  type ParentLink,
  projectHistory,
  type RunId,
  runSegment,
  runStart,
  type SearchAttributeSchema,
  type SearchAttributes,
  type Settle,
  settle,
  statusFromEvents,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  toErrorData,
  toMs,
  UnknownWorkflowTypeError,
  type VisibilityFilter,
  validateSearchAttributes,
  WorkflowAlreadyStartedError,
  WorkflowCancelledError,
  WorkflowClosedError,
  type WorkflowDefinition,
  type WorkflowEvent,
  WorkflowFailedError,
  type WorkflowId,
  WorkflowNotFoundError,
  WorkflowStalledError,
  type WorkflowStatus,
  type WorkflowStore,
  WorkflowTimedOutError,
} from '@reprise/core';
import { ActivityExecutor, type ActivityTask } from './activity-executor.js';
import {
  closedRunOf,
  type ExitContext,
  type ExitingRun,
  handleRunExit,
  successorStarted,
} from './exit-handler.js';
import {
  type CancelResult,
  describeSummary,
  type HandleOperations,
  openActivities,
  pendingWorkFromHistory,
  type SignalOptions,
  type WorkflowDescription,
  WorkflowHandle,
  type WorkflowListItem,
} from './handle.js';
import type { EngineLogger, EngineOptions, StartOptions } from './options.js';
import { Recorder, SETTLED } from './recorder.js';
import {
  type Ack,
  type MailboxItem,
  type Opening,
  Run,
  RunEndedError,
  type RunExit,
  type RunHost,
} from './run.js';
import type { ScheduleHost } from './schedules/host.js';
import { Schedules } from './schedules/schedules.js';
import { RunSupervision, type SupervisedRun } from './supervision.js';
import { TimerService, timerKey } from './timer-service.js';

type AnyWorkflow = WorkflowDefinition<never, unknown>;
type AnyActivity = ActivityDefinition<never, unknown>;

const consoleLogger: EngineLogger = {
  warn: (message, details) => console.warn(`[reprise] ${message}`, details ?? ''),
};

/** How many event-loop turns without progress make running activities count as waiting. */
const IDLE_ACTIVITY_TURNS = 20;

const STOPPED: RunExit = { kind: 'stopped' };

/** The longest wait before replaying a crashed run again. */
const MAX_RESTART_BACKOFF_MS = 5000;

/** The entry's run, when it waits for input with nothing to do: one eviction or hibernation may take. */
function waitingRun(entry: RunEntry): Run | undefined {
  const run = entry.run;
  if (entry.starting || entry.pending.length > 0 || !run?.quiet || !run.open) return undefined;
  return run;
}

/**
 * The registry's entry for a workflow id whose open run this process owns: resident (its actor
 * is alive), suspended (evicted: rebuilt by replay when something arrives) or stalled.
 */
class RunEntry implements SupervisedRun, ExitingRun {
  pid: Pid | undefined = undefined;
  run: Run | undefined;
  stalled: NonDeterminismError | undefined;
  /** Input that arrived while no run was in memory; the next run takes it. */
  readonly pending: MailboxItem[] = [];
  /** A start of the run actor is under way. */
  starting = false;
  /**
   * Set for a run recovered after a restart of the process: its first replay delivers the
   * signals it sent again. Within a process, deliveries outlive evictions and actor restarts.
   */
  resendSignals = false;
  /** Engine clock time at which the run last began to wait with nothing to do. */
  quietSince = 0;
  /** Settles once the run's WorkflowStarted is durable: at once for a run read from the store. */
  startRecorded: Promise<void> = SETTLED;
  /** A start not recorded yet: its WorkflowStarted goes in the first append of the run. */
  #opening: (Opening & { reject(error: unknown): void }) | undefined;
  #crashes = 0;
  /** The actor of the current start was told to stop. */
  #stopRequested = false;

  constructor(
    readonly workflowId: WorkflowId,
    readonly runId: RunId,
    readonly workflowType: string,
    readonly definition: AnyWorkflow,
    readonly recorder: Recorder,
    private readonly engine: Engine,
    private preloaded: WorkflowEvent[] | undefined,
    opening?: Pick<Opening, 'body' | 'recordedAt'>,
  ) {
    if (!opening) return;
    this.startRecorded = new Promise<void>((resolve, reject) => {
      this.#opening = {
        ...opening,
        recorded: () => {
          this.#opening = undefined;
          // Waiters hold the promise; a recorded start needs none of its own.
          this.startRecorded = SETTLED;
          resolve();
        },
        reject: (error) => {
          this.#opening = undefined;
          reject(error);
        },
      };
    });
  }

  // Written with `then` rather than `await`: a waiting run keeps no suspended frame for it.
  body(): Promise<RunExit> {
    this.#stopRequested = false;
    if (this.#crashes === 0) return this.#startRun();
    return this.engine._backoff(this.#crashes).then(() => (this.#stopRequested ? STOPPED : this.#startRun()));
  }

  #startRun(): Promise<RunExit> {
    const run = new Run(
      this.workflowId,
      this.runId,
      this.workflowType,
      this.definition,
      this.recorder,
      this.engine._host,
      this.preloaded,
      this.pending.splice(0),
      this.resendSignals,
      this.#opening,
    );
    this.preloaded = undefined;
    this.run = run;
    void run.ready.then(() => {
      if (run.execution) this.resendSignals = false;
    });
    return run.loop().then(
      (exit) => this.#loopEnded(run, exit),
      (error: unknown) => this.#loopCrashed(error),
    );
  }

  #loopEnded(run: Run, exit: RunExit): RunExit {
    this.#crashes = 0;
    // An evicted run lets go of its interpreter and the code's frames: replay rebuilds them.
    if (exit.kind === 'stopped' && this.run === run) this.run = undefined;
    // A loop that ended before its first append (stopped at once) leaves the start unrecorded.
    return this.#abandonUnrecordedStart(() => new RunEndedError(this.workflowId)) ?? exit;
  }

  #loopCrashed(error: unknown): RunExit {
    // A start that never got recorded is not restarted: its starter gets the error.
    const abandoned = this.#abandonUnrecordedStart(() => error);
    if (abandoned) return abandoned;
    this.#crashes++;
    throw error;
  }

  stop(): void {
    this.#stopRequested = true;
    this.run?.requestStop();
  }

  #abandonUnrecordedStart(error: () => unknown): RunExit | undefined {
    if (!this.#opening) return undefined;
    this.#opening.reject(error());
    return STOPPED;
  }

  exited(exit: RunExit): void {
    this.engine._runExited(this, exit);
  }
}

/**
 * The workflow runtime. Each run is an actor under its workflow type's supervisor; every
 * effect is recorded in the run's history before it is carried out, so a run survives
 * crashes by replaying its history. See the package README for the contract.
 */
export class Engine implements HandleOperations {
  readonly #store: WorkflowStore;
  readonly #clock: Clock;
  readonly #workflows: ReadonlyMap<string, AnyWorkflow>;
  readonly #activityDefinitions: ReadonlyMap<string, AnyActivity>;
  readonly #schema: SearchAttributeSchema;
  readonly #maxPayloadBytes: number | undefined;
  readonly #logger: EngineLogger;
  readonly #settle: Settle = settle;
  readonly #recorders = new Map<WorkflowId, Recorder>();
  readonly #entries = new Map<WorkflowId, RunEntry>();
  /** Entries whose run actor is alive, least recently used first. */
  readonly #resident = new Map<WorkflowId, RunEntry>();
  readonly #maxResident: number;
  /** See `EngineOptions.hibernateAfter`; infinite when off. */
  readonly #hibernateAfter: number;
  #evictionQueued = false;
  #hibernationSweepArmed = false;
  readonly #changes = new Map<WorkflowId, Set<(outcome?: TerminalOutcome) => void>>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #timers: TimerService;
  readonly #activities: ActivityExecutor;
  readonly #supervision: RunSupervision;
  readonly #closeListeners = new Set<(workflowId: WorkflowId, status: WorkflowStatus) => void>();
  #closing = false;
  #closed = false;

  /** @internal The services runs use. */
  readonly _host: RunHost;

  /** Cron and interval schedules that start workflows. */
  readonly schedules: Schedules;

  private constructor(options: EngineOptions) {
    this.#store = options.store ?? new InMemoryStore();
    this.#clock = options.clock ?? systemClock;
    this.#schema = checkSearchAttributeSchema(options.searchAttributes ?? {});
    this.#maxPayloadBytes = options.maxPayloadBytes;
    const maxResident = options.maxResident ?? Number.POSITIVE_INFINITY;
    if (!(maxResident >= 1))
      throw new InvalidArgumentError('maxResident', `${maxResident} must be at least 1`);
    this.#maxResident = maxResident;
    this.#hibernateAfter =
      options.hibernateAfter === undefined ? Number.POSITIVE_INFINITY : toMs(options.hibernateAfter);
    this.#logger = options.logger ?? consoleLogger;
    this.#workflows = indexDefinitions('workflow', options.workflows as readonly AnyWorkflow[]);
    this.#activityDefinitions = indexDefinitions(
      'activity',
      (options.activities ?? []) as readonly AnyActivity[],
    );
    this.#timers = new TimerService(this.#clock);
    this.#activities = new ActivityExecutor(
      this.#clock,
      this.#timers,
      this.#activityDefinitions,
      (task, outcome) => this.#deliver(task.workflowId, task.runId, outcome),
    );
    this.#supervision = new RunSupervision(this.#clock, (workflowType) => this.#restoreType(workflowType));
    this._host = this.#makeHost();
    this.schedules = new Schedules(this.#makeScheduleHost());
  }

  /**
   * Opens an engine on a store: starts the supervision tree, then recovers every active
   * workflow by replaying its history (timers re-armed, outstanding activities re-run), and
   * starts continue-as-new successors that were recorded but never started.
   */
  static async create(options: EngineOptions): Promise<Engine> {
    if (!options || !Array.isArray(options.workflows)) {
      throw new InvalidArgumentError('Engine.create', 'expects { workflows: [...] } at least');
    }
    const engine = new Engine(options);
    await engine.#supervision.start([...engine.#workflows.keys()]);
    await engine.#recover();
    await engine.schedules.recover();
    return engine;
  }

  /** The clock the engine runs on. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The store the engine writes to. */
  get store(): WorkflowStore {
    return this.#store;
  }

  /** Starts a workflow run and returns its handle once WorkflowStarted is durable. */
  async start<I, O>(
    workflow: WorkflowDefinition<I, O> | string,
    input: I,
    options: StartOptions = {},
  ): Promise<WorkflowHandle<O>> {
    this.#assertOpen();
    const definition = this.#definition(typeof workflow === 'string' ? workflow : workflow?.name);
    const payload = checkPayload(input, { path: 'input', ...this.#payloadLimit() });
    const searchAttributes = options.searchAttributes
      ? validateSearchAttributes(this.#schema, options.searchAttributes)
      : undefined;
    const executionTimeout =
      options.executionTimeout === undefined ? undefined : toMs(options.executionTimeout);
    const workflowId =
      options.workflowId === undefined ? newWorkflowId() : checkWorkflowId(options.workflowId);
    const policy = options.idReusePolicy ?? 'allowDuplicate';
    if (!['allowDuplicate', 'allowDuplicateFailedOnly', 'rejectDuplicate'].includes(policy)) {
      throw new InvalidArgumentError('idReusePolicy', `${JSON.stringify(policy)} is not a policy`);
    }
    const recorder = this.#recorder(workflowId);
    type Opened = { existing: RunEntry | undefined } | { opening: RunEntry };
    const started = await recorder.exclusive(async (): Promise<Opened> => {
      const history = await recorder.read();
      // A run of this process is open, recorded or not yet (its start is being recorded).
      const live = this.#entries.get(workflowId);
      const status = live ? 'Running' : statusFromEvents(history);
      const current = latestStart(history);
      if (status) {
        const open =
          status === 'Running' ||
          (status === 'ContinuedAsNew' &&
            !successorStarted(history, (current as EventOf<'WorkflowStarted'>).runId));
        const reusable =
          !open &&
          (policy === 'allowDuplicate' ||
            (policy === 'allowDuplicateFailedOnly' && ['Failed', 'Cancelled', 'TimedOut'].includes(status)));
        if (open && options.onConflict === 'useExisting') return { existing: live };
        if (!reusable) {
          throw new WorkflowAlreadyStartedError(workflowId, live?.runId ?? current?.runId ?? '', status);
        }
      }
      const body: EventBody = {
        type: 'WorkflowStarted',
        workflowType: definition.name,
        input: payload,
        runId: newRunId(),
        parentRunId: null,
        ...(searchAttributes ? { searchAttributes } : {}),
        ...(executionTimeout === undefined ? {} : { executionTimeout }),
      };
      // The run records it itself, with the commands of the code's first step: one commit.
      const recordedAt = this.#clock.now();
      const opened = [...history, ...envelopeEvents(workflowId, recorder.head, recordedAt, [body])];
      return { opening: this.#register(opened, { opening: { body, recordedAt } }) };
    });
    if ('existing' in started) {
      // The handle is handed out once the run it names is recorded.
      await started.existing?.startRecorded;
      return this.getHandle<O>(workflowId);
    }
    await this.#startRegistered(started.opening);
    try {
      await started.opening.startRecorded;
    } catch (error) {
      this.#forgetUnrecordedStart(started.opening);
      throw error;
    }
    return this.getHandle<O>(workflowId);
  }

  /** A handle on a workflow id (checked when used: an unknown id gives WorkflowNotFoundError). */
  getHandle<O = JsonValue>(workflowId: string): WorkflowHandle<O> {
    return new WorkflowHandle<O>(checkWorkflowId(workflowId), this);
  }

  /** A page of workflows from the store's visibility, newest first; stalled runs say so. */
  async list(filter: VisibilityFilter = {}): Promise<{ items: WorkflowListItem[]; cursor?: string }> {
    this.#assertOpen();
    const page = await this.#store.query(filter);
    const items = page.items.map((summary) => {
      const stalled = this.#entries.get(summary.workflowId)?.stalled;
      return stalled ? { ...summary, stalled: { reason: stalled.message } } : summary;
    });
    return page.cursor ? { items, cursor: page.cursor } : { items };
  }

  /**
   * Stops taking work, lets in-flight appends commit, stops the actors and timers, then closes
   * the store. Nothing is left running afterwards.
   */
  async shutdown(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.schedules.stop();
    for (const entry of this.#entries.values()) entry.run?.requestStop();
    this.#activities.stop();
    this.#timers.stop();
    await this.#supervision.shutdown();
    await this.#drain();
    for (const waiters of this.#changes.values()) for (const wake of waiters) wake(undefined);
    this.#closed = true;
    await this.#store.close();
  }

  // ---- handle operations -------------------------------------------------------------------

  /** @internal */
  async result(workflowId: WorkflowId): Promise<JsonValue> {
    for (;;) {
      this.#assertOpen();
      if (this.#entries.has(workflowId)) {
        // A run this process owns: its outcome arrives in memory, no read needed.
        const outcome = await this.#nextChange(workflowId);
        if (outcome && outcome.status !== 'ContinuedAsNew') return settleOutcome(workflowId, outcome);
        continue;
      }
      const changed = this.#nextChange(workflowId);
      const history = await this.#store.readHistory(workflowId);
      const current = latestStart(history);
      if (!current) throw new WorkflowNotFoundError(workflowId);
      const outcome = terminalOutcomeFromHistory(history, current.runId);
      if (!outcome || outcome.status === 'ContinuedAsNew') {
        await changed;
        continue;
      }
      return settleOutcome(workflowId, outcome);
    }
  }

  /** @internal */
  async signal(
    workflowId: WorkflowId,
    name: string,
    payload: JsonValue,
    options: SignalOptions,
  ): Promise<void> {
    this.#assertOpen();
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError('signal name', `${JSON.stringify(name)} must be a non-empty string`);
    }
    const checked = checkPayload(payload, { path: `signal ${name} payload`, ...this.#payloadLimit() });
    const body: EventBody = {
      type: 'SignalReceived',
      signalName: name,
      payload: checked,
      ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    };
    // A request id counts once per workflow id, whichever run received it (as `Run` checks it).
    await this.#sendInput(
      workflowId,
      body,
      (history) =>
        options.requestId !== undefined &&
        history.some((event) => event.type === 'SignalReceived' && event.requestId === options.requestId),
    );
  }

  /** @internal */
  async cancel(workflowId: WorkflowId, reason: string | undefined): Promise<CancelResult> {
    this.#assertOpen();
    try {
      await this.#sendInput(
        workflowId,
        { type: 'WorkflowCancelRequested', reason: reason ?? null },
        // The open run's own request only: an earlier run of the id may have had one.
        (_history, segment) => segment.some((event) => event.type === 'WorkflowCancelRequested'),
      );
      return { status: 'Running' };
    } catch (error) {
      if (error instanceof WorkflowClosedError) return { status: error.status as WorkflowStatus };
      throw error;
    }
  }

  /** @internal */
  async describe(workflowId: WorkflowId): Promise<WorkflowDescription> {
    this.#assertOpen();
    const summary = await this.#store.getSummary(workflowId);
    if (!summary) throw new WorkflowNotFoundError(workflowId);
    const entry = this.#entries.get(workflowId);
    const run = entry?.runId === summary.runId ? entry.run : undefined;
    const execution =
      run?.open && !run.stopping && entry && this.#supervision.has(entry) ? run.execution : undefined;
    // A run not in memory waits on what its history shows.
    const pending =
      run && execution
        ? {
            pendingActivities: [...run.activities].map(([activityId, state]) => ({
              activityId,
              activityType: state.activityType,
              attemptsEnded: state.attemptsEnded,
              ...(state.retryAt === undefined ? {} : { retryAt: state.retryAt }),
            })),
            pendingTimers: [...execution.pendingTimers()].map(([timerId, fireAt]) => ({ timerId, fireAt })),
          }
        : pendingWorkFromHistory(
            summary,
            summary.status === 'Running' ? await this.#store.readHistory(workflowId) : [],
          );
    const description: WorkflowDescription = {
      ...describeSummary(summary),
      pendingActivities: pending.pendingActivities,
      pendingTimers: pending.pendingTimers,
      residency: execution
        ? 'resident'
        : entry && this.#supervision.hibernating(entry)
          ? 'hibernated'
          : 'suspended',
      ...(entry?.stalled && entry.runId === summary.runId
        ? { stalled: { reason: entry.stalled.message, position: entry.stalled.position } }
        : {}),
    };
    return description;
  }

  /** @internal */
  async history(workflowId: WorkflowId): Promise<WorkflowEvent[]> {
    this.#assertOpen();
    const history = await this.#store.readHistory(workflowId);
    if (history.length === 0) throw new WorkflowNotFoundError(workflowId);
    return history;
  }

  /** @internal */
  async query(workflowId: WorkflowId, name: string, args: JsonValue): Promise<JsonValue> {
    this.#assertOpen();
    const checked = checkPayload(args, { path: `query ${name} args` });
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = this.#entries.get(workflowId);
      if (!entry) break;
      if (entry.stalled) throw new WorkflowStalledError(workflowId, entry.runId, entry.stalled);
      this.#rehydrate(entry);
      while (entry.starting) await this.#settle();
      const run = entry.run;
      if (!run) break;
      await run.ready;
      if (run.open && run.execution) return run.execution.query(name, checked);
      // The run's loop ended (it closed, stalled or was evicted): its exit is handled first.
      await this.#settle();
    }
    const stalled = this.#entries.get(workflowId);
    if (stalled?.stalled) throw new WorkflowStalledError(workflowId, stalled.runId, stalled.stalled);
    const summary = await this.#store.getSummary(workflowId);
    if (!summary) throw new WorkflowNotFoundError(workflowId);
    throw new WorkflowClosedError(workflowId, summary.status);
  }

  /**
   * Resolves once the engine has nothing in progress: every resident run waits for input, no
   * activity attempt runs, no append or exit handling is under way. Timers may be pending.
   * For tests and tools on a virtual clock.
   */
  async idle(): Promise<void> {
    let quietTurns = 0;
    let waitingTurns = 0;
    let progress = -1;
    while (quietTurns < 3) {
      await this.#settle();
      const state = this.#quiescence();
      quietTurns = state === 'quiet' ? quietTurns + 1 : 0;
      // Attempts that make no progress for a while wait on something outside (often the
      // virtual clock that only the caller can move): the engine itself is idle.
      if (state === 'activities' && this.#activities.progress === progress) {
        if (++waitingTurns >= IDLE_ACTIVITY_TURNS) return;
      } else {
        waitingTurns = 0;
      }
      progress = this.#activities.progress;
    }
  }

  #quiescence(): 'quiet' | 'activities' | 'busy' {
    if (this.#background.size > 0) return 'busy';
    for (const recorder of this.#recorders.values()) if (!recorder.idle) return 'busy';
    for (const entry of this.#entries.values()) {
      if (entry.stalled) continue;
      if (entry.starting || entry.pending.length > 0) return 'busy';
      if (this.#supervision.has(entry) && !this.#supervision.hibernating(entry) && !entry.run?.quiet)
        return 'busy';
    }
    return this.#activities.running > 0 ? 'activities' : 'quiet';
  }

  // ---- internals ---------------------------------------------------------------------------

  /** @internal Waits before a crashed run is replayed again: 50 ms doubling, at most 5 s. */
  _backoff(restarts: number): Promise<void> {
    const delay = Math.min(50 * 2 ** (restarts - 1), MAX_RESTART_BACKOFF_MS);
    return new Promise((resolve) => this.#clock.setTimeout(() => resolve(), delay));
  }

  /** @internal The type supervisor's exit message for a run. */
  _runExited(entry: RunEntry, exit: RunExit): void {
    this.#track(
      handleRunExit(this.#exitContext, entry, exit).catch((error: unknown) => {
        if (!this.#closing)
          this.#logger.warn('exit handling failed', { workflowId: entry.workflowId, error });
      }),
    );
  }

  readonly #exitContext: ExitContext = {
    now: () => this.#clock.now(),
    notify: (run, { outcome, parent }) => {
      this.#changed(run.workflowId, outcome);
      this.#reportToParent(run, outcome, parent);
      for (const listener of this.#closeListeners) listener(run.workflowId, outcome.status);
    },
    reconcile: (run, { openChildren }) => {
      const entry = this.#entries.get(run.workflowId);
      if (entry?.runId === run.runId) {
        this.#entries.delete(run.workflowId);
        this.#resident.delete(run.workflowId);
        for (const item of entry.pending.splice(0)) item.ack?.reject(new RunEndedError(run.workflowId));
        // Timers the code still waited on when the run closed (a race it left, a timeout).
        for (const timerId of entry.run?.execution?.pendingTimers().keys() ?? []) {
          this.#timers.disarm(timerKey('t', run.workflowId, run.runId, timerId));
        }
      }
      this.#timers.disarm(timerKey('x', run.workflowId, run.runId));
      this.#applyParentClosePolicy(run, openChildren);
      const recorder = this.#recorders.get(run.workflowId);
      if (recorder?.idle && !this.#entries.has(run.workflowId)) this.#recorders.delete(run.workflowId);
    },
    stall: (run, exit) => {
      const entry = this.#entries.get(run.workflowId);
      if (entry?.runId === run.runId) {
        entry.stalled = exit.error;
        // Input that waited for the replay: a stalled run is still open, so a caller waiting on
        // its signal or cancel request retries, and `#sendInput` records it into the history
        // (as Temporal accepts a signal to a workflow whose task fails). Activity and timer news
        // is dropped: the run's next replay re-runs the activity and re-arms the timer.
        for (const item of entry.pending.splice(0)) item.ack?.reject(new RunEndedError(run.workflowId));
      }
      this.#logger.warn('run stalled: replay diverged from its history', {
        workflowId: run.workflowId,
        runId: run.runId,
        error: exit.error.message,
      });
    },
    startSuccessor: async (run, outcome) => {
      const workflowType = outcome.workflowType ?? run.workflowType;
      const definition = this.#workflows.get(workflowType);
      if (!definition) {
        this.#logger.warn('continue-as-new names an unknown workflow type', {
          workflowId: run.workflowId,
          workflowType,
        });
        return;
      }
      const history = await run.recorder.exclusive(async () => {
        const current = await run.recorder.read();
        if (successorStarted(current, run.runId)) return undefined;
        const carried = projectHistory(current).summary?.searchAttributes ?? {};
        const previous = runStart(current, run.runId);
        const body: EventBody = {
          type: 'WorkflowStarted',
          workflowType,
          input: outcome.input,
          runId: newRunId(),
          parentRunId: run.runId,
          ...(previous?.parent ? { parent: previous.parent } : {}),
          ...(Object.keys(carried).length > 0 ? { searchAttributes: carried } : {}),
          ...(previous?.executionTimeout === undefined
            ? {}
            : { executionTimeout: previous.executionTimeout }),
        };
        return [...current, ...(await run.recorder.append([body], this.#clock.now()))];
      });
      if (history) await this.#spawn(history);
    },
  };

  /** Starts the run actor of the latest run in `history` (just started, or recovered). */
  async #spawn(history: WorkflowEvent[], recovered = false): Promise<void> {
    const started = latestStart(history) as EventOf<'WorkflowStarted'>;
    // One entry, and so one actor, per run: recovery may meet a run another path started.
    if (this.#entries.get(started.workflowId)?.runId === started.runId) return;
    await this.#startRegistered(this.#register(history, { recovered }), started.parent);
  }

  /** Enters the latest run of `history` in the registry, not started yet. */
  #register(
    history: WorkflowEvent[],
    options: { recovered?: boolean; opening?: Pick<Opening, 'body' | 'recordedAt'> },
  ): RunEntry {
    const started = latestStart(history) as EventOf<'WorkflowStarted'>;
    const entry = new RunEntry(
      started.workflowId,
      started.runId,
      started.workflowType,
      this.#workflows.get(started.workflowType) as AnyWorkflow,
      this.#recorder(started.workflowId),
      this,
      history,
      options.opening,
    );
    entry.resendSignals = options.recovered === true;
    this.#entries.set(started.workflowId, entry);
    if (started.executionTimeout !== undefined) {
      this.#timers.arm(
        timerKey('x', entry.workflowId, entry.runId),
        started.recordedAt + started.executionTimeout,
        () =>
          this.#track(
            this.#closeFromOutside(entry, {
              type: 'WorkflowTimedOut',
              timeout: { kind: 'execution', afterMs: started.executionTimeout as number },
            }),
          ),
      );
    }
    this.#changed(started.workflowId);
    return entry;
  }

  /** Starts the run actor of a registered entry; a child checks that its parent is still open. */
  async #startRegistered(entry: RunEntry, parent?: ParentLink): Promise<void> {
    await this.#startActor(entry);
    if (parent && parent.parentClosePolicy !== 'abandon') {
      this.#track(this.#enforceParentClose(entry.workflowId, parent));
    }
  }

  /** Takes out of the registry a start whose WorkflowStarted could not be recorded. */
  #forgetUnrecordedStart(entry: RunEntry): void {
    if (this.#entries.get(entry.workflowId) === entry) {
      this.#entries.delete(entry.workflowId);
      this.#resident.delete(entry.workflowId);
    }
    this.#timers.disarm(timerKey('x', entry.workflowId, entry.runId));
    for (const item of entry.pending.splice(0)) item.ack?.reject(new RunEndedError(entry.workflowId));
  }

  /**
   * A child whose parent run has already closed gets the parent's close policy now. The parent
   * applies it to the children it can see when it closes; a child started (or recovered) after
   * that check looks at its parent itself, so one of the two always sees the other.
   */
  async #enforceParentClose(workflowId: WorkflowId, parent: ParentLink): Promise<void> {
    const summary = await this.#store.getSummary(parent.workflowId);
    const parentRunOpen = summary?.runId === parent.runId && summary.status === 'Running';
    if (parentRunOpen || !this.#entries.has(workflowId)) return;
    const reason = `parent ${parent.workflowId} closed`;
    if (parent.parentClosePolicy === 'terminate') await this.terminate(workflowId, reason);
    else await this.cancel(workflowId, reason);
  }

  /**
   * Closes a run from outside its code (execution timeout, termination): records the terminal
   * event unless the run closed first, then stops the run actor. Its code runs no further.
   */
  async #closeFromOutside(entry: ExitingRun, terminal: EventBody): Promise<void> {
    const live = this.#entries.get(entry.workflowId);
    if (live?.runId === entry.runId) {
      try {
        await live.startRecorded;
      } catch {
        return; // never started: nothing to close
      }
      // Children the run has recorded start before it closes (see `Run.startChildInOrder`).
      await live.run?.childStartsDone;
    }
    const history = await entry.recorder.exclusive(async () => {
      const current = await entry.recorder.read();
      if (terminalOutcomeFromHistory(current, entry.runId)) return undefined;
      return [...current, ...(await entry.recorder.append([terminal], this.#clock.now()))];
    });
    if (!history) return;
    const resident = this.#entries.get(entry.workflowId);
    if (resident?.runId === entry.runId) {
      resident.run?.requestStop();
      await this.#supervision.stopRun(resident);
    }
    // The history before the terminal just appended: its projection holds the run's open timers.
    this.#dropOutstandingWork(
      entry,
      runSegment(history, entry.runId),
      projectHistory(history.slice(0, -1)).timers,
    );
    const closed = closedRunOf(
      history,
      entry.runId,
      terminalOutcomeFromHistory(history, entry.runId) as TerminalOutcome,
    );
    this.#exitContext.notify(entry, closed);
    this.#exitContext.reconcile(entry, closed);
  }

  /**
   * A run closed from outside left what its code was waiting on outstanding: its attempts in
   * flight are aborted (their AbortSignal fires), its pending retries and timers dropped. Read
   * from the history, as the run may be out of memory (evicted with a retry pending), and done
   * once its actor has stopped, so that nothing starts another attempt for it.
   */
  #dropOutstandingWork(
    run: Pick<ExitingRun, 'workflowId' | 'runId'>,
    segment: readonly WorkflowEvent[],
    openTimers: ReadonlyMap<string, number>,
  ): void {
    for (const { activityId } of openActivities(segment)) this.#activities.cancel(run.workflowId, activityId);
    for (const timerId of openTimers.keys()) {
      this.#timers.disarm(timerKey('t', run.workflowId, run.runId, timerId));
    }
  }

  /** Ends the open run of a workflow at once, recorded as Cancelled; no clean-up code runs. */
  async terminate(workflowId: string, reason = 'terminated'): Promise<CancelResult> {
    this.#assertOpen();
    const id = checkWorkflowId(workflowId);
    const history = await this.#store.readHistory(id);
    const current = latestStart(history);
    if (!current) throw new WorkflowNotFoundError(id);
    const status = statusFromEvents(history) as WorkflowStatus;
    if (status !== 'Running') return { status };
    await this.#closeFromOutside(
      {
        workflowId: id,
        runId: current.runId,
        workflowType: current.workflowType,
        recorder: this.#recorder(id),
      },
      { type: 'WorkflowCancelled', reason },
    );
    return { status: 'Running' };
  }

  /** Brings back the runs of a type whose supervisor was restarted empty. */
  #restoreType(workflowType: string): void {
    if (this.#closing) return;
    const lost = [...this.#entries.values()].filter(
      (entry) => entry.workflowType === workflowType && !entry.stalled,
    );
    for (const entry of lost) {
      this.#entries.delete(entry.workflowId);
      this.#track(
        entry.recorder
          .exclusive(() => entry.recorder.read())
          .then((history) => (statusFromEvents(history) === 'Running' ? this.#spawn(history) : undefined)),
      );
    }
  }

  /**
   * Records an input for the workflow's open run: through the resident run's mailbox, or
   * straight into the history when the run is not in memory (it sees the input on replay).
   */
  async #sendInput(
    workflowId: WorkflowId,
    body: EventBody,
    alreadyRecorded: (history: readonly WorkflowEvent[], segment: readonly WorkflowEvent[]) => boolean,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const entry = this.#entries.get(workflowId);
      if (entry && !entry.stalled) {
        try {
          await new Promise<void>((resolve, reject) =>
            this.#post(entry, body, { resolve, reject } satisfies Ack),
          );
          return;
        } catch (error) {
          if (!(error instanceof RunEndedError) || attempt > 3) throw error;
          continue;
        }
      }
      const recorder = this.#recorder(workflowId);
      const resident = await recorder.exclusive(async () => {
        const history = await recorder.read();
        const current = latestStart(history);
        if (!current) throw new WorkflowNotFoundError(workflowId);
        const status = statusFromEvents(history) as WorkflowStatus;
        if (status !== 'Running') throw new WorkflowClosedError(workflowId, status);
        const live = this.#entries.get(workflowId);
        if (live && !live.stalled) return true;
        if (!alreadyRecorded(history, runSegment(history, current.runId))) {
          await recorder.append([body], this.#clock.now());
        }
        return false;
      });
      if (!resident) return;
    }
  }

  /** Hands an activity's or timer's news to the run it belongs to, if it is still that run. */
  #deliver(workflowId: WorkflowId, runId: RunId, body: EventBody): void {
    const entry = this.#entries.get(workflowId);
    if (entry?.runId === runId && !entry.stalled) this.#post(entry, body);
  }

  /** Posts input to the entry's run, bringing a suspended run back into memory first. */
  #post(entry: RunEntry, body: EventBody, ack?: Ack): void {
    const run = entry.run;
    if (run?.open && !run.stopping) {
      run.post(body, ack);
      this.#touch(entry);
      return;
    }
    entry.pending.push(ack ? { body, ack } : { body });
    this.#rehydrate(entry);
  }

  /**
   * Starts the actor of a suspended run again; replay rebuilds it, then it takes its pending
   * input. Nothing to do while an actor is alive or starting (a crashed one is being restarted
   * by its supervisor, and its next run takes the pending input too).
   */
  #rehydrate(entry: RunEntry): void {
    if (entry.starting || this.#closing) return;
    if (this.#supervision.hibernating(entry)) {
      this.#touch(entry);
      this.#supervision.wakeRun(entry);
      return;
    }
    if (this.#supervision.has(entry)) return;
    this.#track(this.#startActor(entry));
  }

  /** Starts the run actor of an entry; `starting` keeps a second start from racing it. */
  async #startActor(entry: RunEntry): Promise<void> {
    entry.starting = true;
    this.#touch(entry);
    try {
      await this.#supervision.startRun(entry);
    } finally {
      entry.starting = false;
    }
  }

  #touch(entry: RunEntry): void {
    this.#resident.delete(entry.workflowId);
    this.#resident.set(entry.workflowId, entry);
    this.#scheduleEviction();
  }

  #scheduleEviction(): void {
    if (this.#resident.size <= this.#maxResident || this.#evictionQueued) return;
    this.#evictionQueued = true;
    queueMicrotask(() => {
      this.#evictionQueued = false;
      this.#evict();
    });
  }

  /** A run began to wait: a moment to evict others, and the start of its wait for hibernation. */
  #waiting(run: Run): void {
    this.#scheduleEviction();
    if (this.#hibernateAfter === Number.POSITIVE_INFINITY) return;
    const entry = this.#entries.get(run.workflowId);
    if (entry?.run !== run) return;
    entry.quietSince = this.#clock.now();
    if (!this.#hibernationSweepArmed) this.#armHibernationRound(entry.quietSince + this.#hibernateAfter);
  }

  /** The next round of `#hibernateQuiet`: on the clock, or in a microtask when runs hibernate at once. */
  #armHibernationRound(at: number): void {
    this.#hibernationSweepArmed = true;
    if (this.#hibernateAfter === 0) queueMicrotask(() => this.#hibernateQuiet());
    else this.#timers.arm('hibernation', at, () => this.#hibernateQuiet());
  }

  /**
   * Hibernates the resident runs that have waited `hibernateAfter` with no activity attempt
   * running; the next round comes when the earliest of the others is due, at least a quarter
   * of `hibernateAfter` later, so a round's cost is shared by many runs.
   */
  #hibernateQuiet(): void {
    this.#hibernationSweepArmed = false;
    if (this.#closing) return;
    const now = this.#clock.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const entry of this.#resident.values()) {
      const run = waitingRun(entry);
      if (!run || entry.stalled || run.stopping || this.#attemptRunning(run)) continue;
      const due = entry.quietSince + this.#hibernateAfter;
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      if (this.#supervision.hibernateRun(entry)) this.#resident.delete(entry.workflowId);
    }
    if (nextDue !== Number.POSITIVE_INFINITY) {
      this.#armHibernationRound(Math.max(nextDue, now + this.#hibernateAfter / 4));
    }
  }

  /**
   * Whether one of the run's activities has an attempt running. One waiting for its retry does
   * not count: its timer outlives the run's interpreter, and the attempt's end wakes the run.
   */
  #attemptRunning(run: Run): boolean {
    for (const activityId of run.activities.keys()) {
      if (this.#activities.isRunning(run.workflowId, activityId)) return true;
    }
    return false;
  }

  /** Evicts the least recently used runs that wait on something, down to `maxResident`. */
  #evict(): void {
    let excess = this.#resident.size - this.#maxResident;
    for (const entry of this.#resident.values()) {
      if (excess <= 0) break;
      const run = waitingRun(entry);
      if (!run) continue;
      this.#resident.delete(entry.workflowId);
      excess--;
      run.requestStop();
      this.#track(this.#supervision.stopRun(entry));
    }
  }

  /** The timer's callback holds the run's ids only: an evicted run's frames must not stay reachable. */
  #armRunTimer(workflowId: WorkflowId, runId: RunId, timerId: string, fireAt: number): void {
    this.#timers.arm(timerKey('t', workflowId, runId, timerId), fireAt, this.#fireRunTimer, {
      workflowId,
      runId,
      timerId,
    });
  }

  readonly #fireRunTimer = (timer: { workflowId: WorkflowId; runId: RunId; timerId: string }) =>
    this.#deliver(timer.workflowId, timer.runId, { type: 'TimerFired', timerId: timer.timerId });

  #makeScheduleHost(): ScheduleHost {
    return {
      store: this.#store,
      clock: this.#clock,
      logger: this.#logger,
      isWorkflowType: (workflowType) => this.#workflows.has(workflowType),
      startWorkflow: async (workflowType, input, options) => {
        try {
          await this.start(workflowType, input, {
            workflowId: options.workflowId,
            idReusePolicy: 'rejectDuplicate',
            ...(options.searchAttributes ? { searchAttributes: options.searchAttributes } : {}),
          });
          return 'started';
        } catch (error) {
          if (error instanceof WorkflowAlreadyStartedError) return 'exists';
          throw error;
        }
      },
      cancelWorkflow: async (workflowId, reason) => {
        await this.cancel(workflowId, reason);
      },
      terminateWorkflow: async (workflowId, reason) => {
        await this.terminate(workflowId, reason);
      },
      workflowStatus: async (workflowId) => (await this.#store.getSummary(workflowId))?.status,
      onWorkflowClosed: (listener) => {
        this.#closeListeners.add(listener);
        return () => this.#closeListeners.delete(listener);
      },
      armTimer: (key, fireAt, fire) => this.#timers.arm(timerKey('s', key), fireAt, fire),
      disarmTimer: (key) => this.#timers.disarm(timerKey('s', key)),
      track: (task) => this.#track(task),
      assertOpen: () => this.#assertOpen(),
      checkPayload: (value, path) => checkPayload(value, { path, ...this.#payloadLimit() }),
      checkSearchAttributes: (attributes) => validateSearchAttributes(this.#schema, attributes),
    };
  }

  #makeHost(): RunHost {
    // One set of checks for every run's interpreter (a run keeps its init while it lives).
    const executionChecks = {
      checkSearchAttributes: (attributes: SearchAttributes) =>
        validateSearchAttributes(this.#schema, attributes),
      isActivityRegistered: (activityType: string) => this.#activityDefinitions.has(activityType),
      ...(this.#maxPayloadBytes === undefined ? {} : { maxPayloadBytes: this.#maxPayloadBytes }),
    };
    return {
      settle: this.#settle,
      now: () => this.#clock.now(),
      executionInit: (started) => {
        const definition = this.#workflows.get(started.workflowType);
        return definition && executionInitFromStart(started, definition, executionChecks);
      },
      perform: (run, command, event) => this.#perform(run, command, event),
      startActivity: (task: ActivityTask) => this.#activities.start(task),
      armTimer: (run, timerId, fireAt) => this.#armRunTimer(run.workflowId, run.runId, timerId, fireAt),
      // In the run's effect order: a recorded child must be started before a signal to it.
      resumeChild: (run, started) =>
        this.#track(run.startChildInOrder(() => this.#resumeChild(run, started))),
      sendSignal: (run, event) => this.#sendSignal(run, event),
      handBack: (run, items) => {
        const entry = this.#entries.get(run.workflowId);
        for (const item of items) {
          if (entry?.runId === run.runId && !this.#closing) this.#post(entry, item.body, item.ack);
          else item.ack?.reject(new RunEndedError(run.workflowId));
        }
      },
      waiting: (run) => this.#waiting(run),
    };
  }

  #perform(run: Run, command: Command, event: WorkflowEvent): void {
    switch (command.kind) {
      case 'ScheduleActivity':
        this.#activities.start({
          workflowId: run.workflowId,
          runId: run.runId,
          activityId: command.activityId,
          activityType: command.activityType,
          input: command.input,
          options: command.options,
          attempt: 1,
          scheduledAt: this.#clock.now(),
        });
        return;
      case 'RequestCancelActivity':
        this.#activities.cancel(run.workflowId, command.activityId);
        return;
      case 'StartTimer':
        this._host.armTimer(run, command.timerId, command.fireAt);
        return;
      case 'CancelTimer':
        this.#timers.disarm(timerKey('t', run.workflowId, run.runId, command.timerId));
        return;
      case 'StartChild':
        this.#track(run.startChildInOrder(() => this.#startChild(run.workflowId, run.runId, command)));
        return;
      case 'SendSignal':
        if (event.type === 'SignalSent') this.#sendSignal(run, event);
        return;
      default:
        return;
    }
  }

  /**
   * Delivers a signal a run recorded as sent, after the run's effects recorded before it (so a
   * signal to a child just started finds it started). It carries a request id made from the
   * SignalSent's place in history, so delivering it again after a crash records it only once.
   */
  #sendSignal(run: Run, event: EventOf<'SignalSent'>): void {
    this.#track(
      run.effectInOrder(() =>
        this.signal(event.targetWorkflowId, event.signalName, event.payload, {
          requestId: `${event.workflowId}#${event.seq}`,
        }).catch((error: unknown) => {
          if (!(error instanceof WorkflowClosedError || error instanceof WorkflowNotFoundError)) throw error;
          this.#logger.warn('signal from a workflow found no running target', {
            from: event.workflowId,
            to: event.targetWorkflowId,
            error: (error as Error).message,
          });
        }),
      ),
    );
  }

  /** Starts a recorded child unless it has started already (a crash may come between the two). */
  async #startChild(
    parentWorkflowId: WorkflowId,
    parentRunId: RunId,
    command: Extract<Command, { kind: 'StartChild' }> | EventOf<'ChildWorkflowStarted'>,
  ): Promise<void> {
    const definition = this.#workflows.get(command.workflowType);
    const recorder = this.#recorder(command.childWorkflowId);
    const history = await recorder.exclusive(async () => {
      const current = await recorder.read();
      const ours = current.some(
        (event) =>
          event.type === 'WorkflowStarted' &&
          event.parent?.runId === parentRunId &&
          event.parent.childId === command.childId,
      );
      if (ours) return undefined;
      if (!definition || statusFromEvents(current) === 'Running') {
        const error = definition
          ? new WorkflowAlreadyStartedError(
              command.childWorkflowId,
              latestStart(current)?.runId ?? '',
              'Running',
            )
          : new UnknownWorkflowTypeError(command.workflowType);
        this.#deliver(parentWorkflowId, parentRunId, {
          type: 'ChildWorkflowFailed',
          childId: command.childId,
          childWorkflowId: command.childWorkflowId,
          error: toErrorData(error),
        });
        return undefined;
      }
      const body: EventBody = {
        type: 'WorkflowStarted',
        workflowType: command.workflowType,
        input: command.input,
        runId: newRunId(),
        parentRunId: null,
        parent: {
          workflowId: parentWorkflowId,
          runId: parentRunId,
          childId: command.childId,
          parentClosePolicy: command.parentClosePolicy,
        },
        ...(command.searchAttributes ? { searchAttributes: command.searchAttributes } : {}),
      };
      return [...current, ...(await recorder.append([body], this.#clock.now()))];
    });
    if (history) await this.#spawn(history);
  }

  /** After a parent's replay: start a child that never started, or hand over an outcome it missed. */
  async #resumeChild(run: Run, recorded: EventOf<'ChildWorkflowStarted'>): Promise<void> {
    const { childId, childWorkflowId } = recorded;
    const history = await this.#store.readHistory(childWorkflowId);
    const childStart = history.find(
      (event): event is EventOf<'WorkflowStarted'> =>
        event.type === 'WorkflowStarted' &&
        event.parent?.runId === run.runId &&
        event.parent.childId === childId,
    );
    if (!childStart) {
      await this.#startChild(run.workflowId, run.runId, recorded);
      return;
    }
    const current = latestStart(history) as EventOf<'WorkflowStarted'>;
    const outcome = terminalOutcomeFromHistory(history, current.runId);
    if (outcome && outcome.status !== 'ContinuedAsNew' && current.parent?.runId === run.runId) {
      this.#reportToParent({ workflowId: childWorkflowId, runId: current.runId }, outcome, current.parent);
    }
  }

  /**
   * When a run closes, each child it started and did not see finish is treated as its
   * `parentClosePolicy` says: `terminate` ends it, `requestCancel` asks it to cancel, `abandon`
   * leaves it running. Only a child whose current run is still linked to this run is touched.
   */
  #applyParentClosePolicy(
    run: Pick<ExitingRun, 'workflowId' | 'runId'>,
    openChildren: readonly EventOf<'ChildWorkflowStarted'>[],
  ): void {
    for (const event of openChildren) {
      if (event.parentClosePolicy === 'abandon') continue;
      const child = event.childWorkflowId;
      this.#track(
        this.#store.readHistory(child).then(async (childHistory) => {
          const current = latestStart(childHistory);
          if (current?.parent?.runId !== run.runId || statusFromEvents(childHistory) !== 'Running') return;
          const reason = `parent ${run.workflowId} closed`;
          if (event.parentClosePolicy === 'terminate') await this.terminate(child, reason);
          else await this.cancel(child, reason);
        }),
      );
    }
  }

  /** A closed child run tells its parent run, if it has one and did not continue as new. */
  #reportToParent(
    run: Pick<ExitingRun, 'workflowId' | 'runId'>,
    outcome: TerminalOutcome,
    parent: ParentLink | undefined,
  ): void {
    if (outcome.status === 'ContinuedAsNew' || !parent) return;
    const base = { childId: parent.childId, childWorkflowId: run.workflowId };
    const body: EventBody =
      outcome.status === 'Completed'
        ? { type: 'ChildWorkflowCompleted', ...base, result: outcome.result }
        : outcome.status === 'Cancelled'
          ? { type: 'ChildWorkflowCancelled', ...base, reason: outcome.reason }
          : {
              type: 'ChildWorkflowFailed',
              ...base,
              error:
                outcome.status === 'Failed'
                  ? outcome.error
                  : toErrorData(new WorkflowTimedOutError(run.workflowId, outcome.timeout.afterMs)),
            };
    this.#deliver(parent.workflowId, parent.runId, body);
  }

  async #recover(): Promise<void> {
    for await (const workflowId of this.#store.listActive()) {
      const history = await this.#store.readHistory(workflowId);
      const started = latestStart(history);
      if (!started || statusFromEvents(history) !== 'Running') {
        this.#logger.warn('active index lists a workflow whose history is closed; skipped', { workflowId });
        continue;
      }
      if (!this.#workflows.has(started.workflowType)) {
        this.#logger.warn('active workflow of an unregistered type left as it is', {
          workflowId,
          workflowType: started.workflowType,
        });
        continue;
      }
      this.#recorder(workflowId).sync(history);
      await this.#spawn(history, true);
    }
    let cursor: string | undefined;
    do {
      const page = await this.#store.query({
        status: 'ContinuedAsNew',
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      for (const summary of page.items) {
        if (!this.#workflows.has(summary.workflowType)) continue;
        const recorder = this.#recorder(summary.workflowId);
        const history = await recorder.exclusive(() => recorder.read());
        const outcome = terminalOutcomeFromHistory(history, summary.runId);
        if (outcome?.status === 'ContinuedAsNew' && !successorStarted(history, summary.runId)) {
          await this.#exitContext.startSuccessor(
            {
              workflowId: summary.workflowId,
              runId: summary.runId,
              workflowType: summary.workflowType,
              recorder,
            },
            outcome,
            history,
          );
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }

  #definition(name: string | undefined): AnyWorkflow {
    const definition = name === undefined ? undefined : this.#workflows.get(name);
    if (!definition) throw new UnknownWorkflowTypeError(String(name));
    return definition;
  }

  #recorder(workflowId: WorkflowId): Recorder {
    let recorder = this.#recorders.get(workflowId);
    if (!recorder) {
      recorder = new Recorder(workflowId, this.#store);
      this.#recorders.set(workflowId, recorder);
    }
    return recorder;
  }

  #payloadLimit(): { maxBytes?: number } {
    return this.#maxPayloadBytes === undefined ? {} : { maxBytes: this.#maxPayloadBytes };
  }

  /** Resolves at the next change of the workflow: with the outcome when a run closed. */
  #nextChange(workflowId: WorkflowId): Promise<TerminalOutcome | undefined> {
    return new Promise((resolve) => {
      let waiters = this.#changes.get(workflowId);
      if (!waiters) {
        waiters = new Set();
        this.#changes.set(workflowId, waiters);
      }
      waiters.add(resolve);
    });
  }

  #changed(workflowId: WorkflowId, outcome?: TerminalOutcome): void {
    const waiters = this.#changes.get(workflowId);
    if (!waiters) return;
    this.#changes.delete(workflowId);
    for (const wake of waiters) wake(outcome);
  }

  #track(task: Promise<unknown>): void {
    const tracked = task.catch((error: unknown) => {
      if (!this.#closing) this.#logger.warn('background task failed', { error });
    });
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  async #drain(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
    await Promise.allSettled(
      [...this.#recorders.values()].map((recorder) => recorder.exclusive(async () => undefined)),
    );
  }

  #assertOpen(): void {
    if (this.#closing || this.#closed) throw new EngineClosedError();
  }
}

/** The engine has been shut down. */
export class EngineClosedError extends Error {
  readonly code = 'engine_closed';
  constructor() {
    super('the engine has been shut down');
    this.name = 'EngineClosedError';
  }
}

function settleOutcome(workflowId: WorkflowId, outcome: TerminalOutcome): JsonValue {
  switch (outcome.status) {
    case 'Completed':
      return outcome.result;
    case 'Failed':
      throw new WorkflowFailedError(workflowId, outcome.error);
    case 'Cancelled':
      throw new WorkflowCancelledError(workflowId, outcome.reason ?? undefined);
    case 'TimedOut':
      throw new WorkflowTimedOutError(workflowId, outcome.timeout.afterMs);
    case 'ContinuedAsNew':
      throw new Error('unreachable: a continued run is followed, not settled');
  }
}

function checkWorkflowId(workflowId: unknown): WorkflowId {
  if (typeof workflowId !== 'string' || workflowId.length === 0 || workflowId.length > 512) {
    throw new InvalidArgumentError(
      'workflowId',
      `${JSON.stringify(workflowId)} must be a string of 1 to 512 characters`,
    );
  }
  return asWorkflowId(workflowId);
}

function indexDefinitions<D extends { kind: string; name: string }>(
  kind: string,
  definitions: readonly D[],
): Map<string, D> {
  const index = new Map<string, D>();
  for (const definition of definitions) {
    if (definition?.kind !== kind) {
      throw new InvalidArgumentError(
        `${kind}s`,
        `each entry must be made by define${kind === 'workflow' ? 'Workflow' : 'Activity'}`,
      );
    }
    if (index.has(definition.name))
      throw new InvalidArgumentError(`${kind}s`, `${JSON.stringify(definition.name)} is registered twice`);
    index.set(definition.name, definition);
  }
  return index;
}
