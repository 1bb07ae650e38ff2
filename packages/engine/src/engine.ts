/**
 * The engine: the composition root. It checks its options, builds the services (each in its
 * own file, each given a narrow port) and connects them; what a behaviour does is found in the
 * service that owns it. See the package README for the contract and the path of one run.
 */
import { type Clock, systemClock } from '@reprise/actors';
import {
  checkPayload,
  checkWorkflowId,
  InMemoryStore,
  InvalidArgumentError,
  type JsonValue,
  type RetentionStore,
  type RunId,
  type SearchAttributes,
  supportsOwnership,
  toMs,
  type VisibilityFilter,
  WorkflowAlreadyStartedError,
  WorkflowClosedError,
  type WorkflowDefinition,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';
import {
  checkSearchAttributeSchema,
  type Settle,
  settle,
  validateSearchAttributes,
} from '@reprise/core/internal';
import { ActivityExecutor } from './activity-executor.js';
import { checkBuildId, defaultBuildId } from './build-id.js';
import { Children } from './children.js';
import { ClientReads } from './client-reads.js';
import { RunClosing } from './closing.js';
import {
  type CancelResult,
  type ForkOptions,
  type HandleOperations,
  type ResetOptions,
  type StalledRun,
  stallInfo,
  WorkflowHandle,
  type WorkflowListPage,
} from './handle.js';
import { Inbox, type RemoteOperation } from './inbox.js';
import { Lifecycle } from './lifecycle.js';
import { checkEngineOptions, type EngineLogger, type EngineOptions, type StartOptions } from './options.js';
import { waitForQuiescence } from './quiescence.js';
import type { Fencing } from './recorder.js';
import { recover } from './recovery.js';
import { type AnyActivity, type AnyWorkflow, indexDefinitions } from './registry.js';
import { Residency } from './residency.js';
import { Retention } from './retention.js';
import { RunControl } from './run-control.js';
import { type RunEntryPort, restartBackoff } from './run-entry.js';
import { RunForks } from './run-fork.js';
import { makeRunHost } from './run-host.js';
import { RunTable } from './run-table.js';
import { RunUpdates } from './run-updates.js';
import type { ScheduleHost } from './schedules/host.js';
import { Schedules } from './schedules/schedules.js';
import { ShardOwnership } from './shard-ownership.js';
import { startAdmissionLimit } from './start-admission.js';
import { Starter, type StarterPort } from './starter.js';
import { RunSupervision, type SupervisionTree } from './supervision.js';
import { type ResidencyKind, Telemetry } from './telemetry.js';
import { TimerService, timerKey } from './timer-service.js';

export { EngineClosedError } from './lifecycle.js';

/** The default logger: quiet except warnings, at pino's level `warn` (so errors too). */
const consoleLogger: EngineLogger = {
  warn: (message, details) => console.warn(`[reprise] ${message}`, details ?? ''),
  error: (message, details) => console.error(`[reprise] ${message}`, details ?? ''),
};

/** The services every other one is built on, shared through their ports. */
interface Shared {
  readonly store: WorkflowStore;
  readonly clock: Clock;
  readonly logger: EngineLogger;
  readonly lifecycle: Lifecycle;
  readonly table: RunTable;
  readonly timers: TimerService;
  readonly activities: ActivityExecutor;
  readonly supervision: RunSupervision;
  readonly settle: Settle;
  readonly maxPayloadBytes: number | undefined;
  /** Spans and metrics (OpenTelemetry). */
  readonly telemetry: Telemetry;
  /** The build this engine runs (see `EngineOptions.buildId`). */
  readonly buildId: string;
}

/**
 * The workflow runtime. Each run is an actor under its workflow type's supervisor; every
 * effect is recorded in the run's history before it is carried out, so a run survives
 * crashes by replaying its history. See the package README for the contract.
 */
export class Engine {
  /** The services every other one is built on. */
  readonly #s: Shared;
  readonly #workflows: ReadonlyMap<string, AnyWorkflow>;
  readonly #check: Pick<StarterPort, 'checkPayload' | 'checkSearchAttributes'>;
  #control!: RunControl;
  #closing!: RunClosing;
  #children!: Children;
  #starter!: Starter;
  #forks!: RunForks;
  #handles!: HandleOperations & { list: ClientReads['list'] };
  #retention: Retention | undefined;
  #ownership!: ShardOwnership;
  #inbox!: Inbox;
  #reads!: ClientReads;
  readonly #fencing: Fencing | undefined;

  /** Cron and interval schedules that start workflows. */
  readonly schedules: Schedules;

  private constructor(options: EngineOptions) {
    const store = options.store ?? new InMemoryStore();
    const clock = options.clock ?? systemClock;
    const schema = checkSearchAttributeSchema(options.searchAttributes ?? {});
    const { maxPayloadBytes } = options;
    const maxResident = options.maxResident ?? Number.POSITIVE_INFINITY;
    if (!(maxResident >= 1))
      throw new InvalidArgumentError('maxResident', `${maxResident} must be at least 1`);
    const maxConcurrentStarts = startAdmissionLimit(options.maxConcurrentStarts);
    const hibernateAfter =
      options.hibernateAfter === undefined ? Number.POSITIVE_INFINITY : toMs(options.hibernateAfter);
    const logger = options.logger ?? consoleLogger;
    const workflows = indexDefinitions('workflow', options.workflows as readonly AnyWorkflow[]);
    const buildId =
      options.buildId === undefined ? defaultBuildId(workflows.values()) : checkBuildId(options.buildId);
    const activityTypes = indexDefinitions('activity', (options.activities ?? []) as readonly AnyActivity[]);
    const limit = maxPayloadBytes === undefined ? {} : { maxBytes: maxPayloadBytes };
    const check = {
      checkPayload: (value: unknown, path: string) => checkPayload(value, { path, ...limit }),
      checkSearchAttributes: (attributes: SearchAttributes) => validateSearchAttributes(schema, attributes),
    };
    const lifecycle = new Lifecycle(logger);
    const telemetry: Telemetry = new Telemetry({
      clock,
      residencies: function* (): Generator<readonly [string, ResidencyKind]> {
        for (const entry of table.entries()) {
          yield [
            entry.workflowType,
            entry.pid === undefined
              ? 'suspended'
              : supervision.hibernating(entry)
                ? 'hibernated'
                : 'resident',
          ];
        }
      },
    });
    const ownership = () => this.#ownership;
    const fencing: Fencing | undefined = supportsOwnership(store)
      ? {
          fence: (workflowId) => ownership().fence(workflowId),
          fenced: (workflowId, error) => ownership().fenced(workflowId, error),
        }
      : undefined;
    this.#fencing = fencing;
    const table: RunTable = new RunTable(telemetry.timeAppends(store), fencing);
    const timers = new TimerService(clock);
    // Services that need each other reach one another through these, once all are built.
    const control = () => this.#control;
    const children = () => this.#children;
    const starter = () => this.#starter;
    const activities = new ActivityExecutor(
      clock,
      timers,
      activityTypes,
      telemetry,
      (task, outcome) => control().deliver(task.workflowId, task.runId, outcome),
      // A paused run starts no attempt: its entry holds them until it is resumed.
      (task) => {
        const entry = table.get(task.workflowId);
        if (entry?.runId !== task.runId || !entry.paused) return false;
        entry.paused.attempts.set(task.activityId, task);
        return true;
      },
    );
    const supervision = new RunSupervision(clock, (type) => starter().restoreType(type));
    const shared: Shared = {
      ...{ store, clock, logger, lifecycle, table, timers, activities, supervision, settle },
      maxPayloadBytes,
      telemetry,
      buildId,
    };
    this.#s = shared;
    this.#workflows = workflows;
    this.#check = check;
    const residency = new Residency({ ...shared, maxResident, hibernateAfter });
    const closing = new RunClosing({ ...shared, residency, children, control, starter });
    const forks = new RunForks({
      ...shared,
      starter,
      terminate: (workflowId, reason) => control().terminate(workflowId, reason),
      note: (workflowId, body) => control().note(workflowId, body),
    });
    this.#forks = forks;
    const inbox = () => this.#inbox;
    const remote = supportsOwnership(store)
      ? {
          routes: (workflowId: string) => inbox().routes(workflowId),
          start: (...args: Parameters<Inbox['start']>) => inbox().start(...args),
          signal: (...args: Parameters<Inbox['signal']>) => inbox().signal(...args),
          cancel: (...args: Parameters<Inbox['cancel']>) => inbox().cancel(...args),
          terminate: (...args: Parameters<Inbox['terminate']>) => inbox().terminate(...args),
          deliver: (...args: Parameters<Inbox['deliver']>) => inbox().deliver(...args),
          acceptUpdate: (...args: Parameters<Inbox['acceptUpdate']>) => inbox().acceptUpdate(...args),
          pause: async (workflowId: WorkflowId, reason: string | undefined) => {
            await inbox().operate(workflowId, { op: 'pause', reason: reason ?? null });
          },
          resume: async (workflowId: WorkflowId, reason: string | undefined) => {
            await inbox().operate(workflowId, { op: 'resume', reason: reason ?? null });
          },
        }
      : undefined;
    const updates = new RunUpdates({
      ...shared,
      post: (entry, body, ack) => control().post(entry, body, ack),
      ...(remote ? { remote } : {}),
    });
    const host = makeRunHost({
      ...shared,
      residency: () => residency,
      children,
      control,
      schema,
      workflow: (workflowType) => workflows.get(workflowType),
      isActivity: (activityType) => activityTypes.has(activityType),
      updateCompleted: (workflowId, updateId) => updates.completed(workflowId, updateId),
    });
    const entryPort: RunEntryPort = {
      host,
      backoff: (crashes) => restartBackoff(clock, crashes),
      exited: (entry, exit) => closing.exited(entry, exit),
    };
    this.#closing = closing;
    this.#control = new RunControl({
      ...shared,
      residency,
      handleExit: (run, exit) => closing.handle(run, exit),
      ...(remote ? { remote } : {}),
    });
    this.#starter = new Starter({
      ...shared,
      ...check,
      residency,
      entryPort,
      definition: (workflowType) => workflows.get(workflowType),
      armExecutionTimeout: (entry, started) => control().armExecutionTimeout(entry, started),
      armTimer: (run, timerId, fireAt) => host.armTimer(run, timerId, fireAt),
      disarmExecutionTimeout: (run) => control().disarmExecutionTimeout(run),
      enforceParentClose: (workflowId, parent) => children().enforceParentClose(workflowId, parent),
      ...(remote ? { remote } : {}),
      maxConcurrentStarts,
    });
    this.#ownership = new ShardOwnership(
      {
        ...shared,
        residency,
        disarmExecutionTimeout: (run) => control().disarmExecutionTimeout(run),
        recover: async (shards) => {
          await this.#recover(shards);
          await this.schedules.recover(shards);
        },
        pollInbox: () => inbox().poll(),
        dropped: (shard) => this.schedules.drop(shard),
      },
      options.ownership,
    );
    this.#inbox = new Inbox({
      ...shared,
      ownership: this.#ownership,
      start: (workflowId, start, itemId) => starter().startFromInbox(workflowId, start, itemId),
      signal: (workflowId, name, payload, requestId) =>
        control().signal(workflowId, name, payload, { requestId }),
      cancel: (workflowId, reason) => control().cancel(workflowId, reason),
      terminate: (workflowId, reason) => control().terminate(workflowId, reason),
      acceptUpdate: (workflowId, body) => updates.accept(workflowId, body),
      deliverToRun: (workflowId, runId, body) => control().deliverRecorded(workflowId, runId, body),
      operate: (workflowId, operation) => this.#operate(workflowId, operation),
    });
    this.#children = new Children({
      ...shared,
      starter: this.#starter,
      isWorkflowType: (workflowType) => workflows.has(workflowType),
      deliver: (workflowId, runId, body) => control().deliver(workflowId, runId, body),
      terminate: (workflowId, reason) => this.terminate(workflowId, reason),
      cancel: (workflowId, reason) => control().cancel(workflowId, reason),
      ...(remote ? { remote } : {}),
    });
    const reads = new ClientReads({
      ...shared,
      residency,
      waitingForBuild: (summary) =>
        summary.status === 'Running' && this.#pinnedToOtherBuild(summary.workflowType, summary.buildId)
          ? (summary.buildId ?? '(none recorded)')
          : undefined,
    });
    this.#handles = {
      list: (filter) => reads.list(filter),
      result: (workflowId) => reads.result(workflowId),
      signal: (workflowId, name, payload, how) => control().signal(workflowId, name, payload, how),
      cancel: (workflowId, reason) => control().cancel(workflowId, reason),
      terminate: async (workflowId, reason) => {
        const { status } = await control().terminate(workflowId, reason ?? 'terminated');
        if (status !== 'Running') throw new WorkflowClosedError(workflowId, status);
      },
      pause: (workflowId, reason) => control().pause(workflowId, reason),
      reset: async (workflowId, options) =>
        remote?.routes(workflowId)
          ? ((await inbox().operate(workflowId, { op: 'reset', options: options as never })) as RunId)
          : forks.reset(workflowId, options),
      resume: (workflowId, reason) => control().resume(workflowId, reason),
      executeUpdate: (workflowId, name, args, options) => updates.execute(workflowId, name, args, options),
      describe: (workflowId) => reads.describe(workflowId),
      history: (workflowId) => reads.history(workflowId),
      query: (workflowId, name, args) =>
        remote?.routes(workflowId)
          ? inbox().operate(workflowId, { op: 'query', name, args })
          : reads.query(workflowId, name, args),
    };
    this.#reads = reads;
    this.schedules = new Schedules(this.#scheduleHost());
    if (options.retention !== undefined) {
      this.#retention = new Retention(
        {
          store: store as WorkflowStore & RetentionStore,
          clock,
          lifecycle,
          logger,
          shards: () => (this.#ownership.shared ? this.#ownership.heldShards() : undefined),
          deleted: (workflowIds) => table.closedOutcomes.forgetAll(workflowIds),
        },
        toMs(options.retention),
      );
    }
  }

  /**
   * Opens an engine on a store: starts the supervision tree, then recovers every active
   * workflow by replaying its history (timers re-armed, outstanding activities re-run), and
   * starts continue-as-new successors that were recorded but never started.
   */
  static async create(options: EngineOptions): Promise<Engine> {
    checkEngineOptions(options);
    const engine = new Engine(options);
    await engine.#s.supervision.start([...engine.#workflows.keys()]);
    await engine.#ownership.start();
    if (engine.#ownership.shared)
      await engine.#ownership.recoverStartShards((shards) => engine.#recover(shards));
    else await engine.#recover(undefined);
    engine.#inbox.open();
    await engine.schedules.recover(engine.#ownership.shared ? engine.#ownership.heldShards() : undefined);
    engine.#retention?.start();
    return engine;
  }

  /** Recovers the active runs of these shards (all of them when absent), as a restart does. */
  #recover(shards: readonly number[] | undefined): Promise<void> {
    return recover({
      ...this.#s,
      starter: this.#starter,
      isWorkflowType: (workflowType) => this.#workflows.has(workflowType),
      pinnedToOtherBuild: (started) => this.#pinnedToOtherBuild(started.workflowType, started.buildId),
      ...(shards === undefined
        ? {}
        : { shards, shardOf: (workflowId: string) => this.#ownership.shardOf(workflowId) }),
    });
  }

  /**
   * The shards of the store this engine owns now, in order: its fair share of a store that
   * several engines share (see `EngineOptions.ownership`), or `[0]`, everything, for a store
   * without shard ownership.
   */
  ownedShards(): number[] {
    return this.#ownership.heldShards();
  }

  /** This engine's owner id among the engines sharing its store (`EngineOptions.ownership.ownerId`). */
  get ownerId(): string {
    return this.#ownership.ownerId;
  }

  /** The build this engine runs: recorded in the runs it starts and carries on (see `EngineOptions.buildId`). */
  get buildId(): string {
    return this.#s.buildId;
  }

  /** The clock the engine runs on. */
  get clock(): Clock {
    return this.#s.clock;
  }

  /** The store the engine writes to. */
  get store(): WorkflowStore {
    return this.#s.store;
  }

  /** Starts a workflow run and returns its handle once WorkflowStarted is durable. */
  start<I, O>(
    workflow: WorkflowDefinition<I, O> | string,
    input: I,
    options: StartOptions = {},
  ): Promise<WorkflowHandle<O>> {
    // Not async: a start waits on its first commit without a frame of this method (see the starter).
    try {
      this.#s.lifecycle.assertOpen();
      return this.#starter.startFromClient(workflow, input, options, this.#newHandle) as Promise<
        WorkflowHandle<O>
      >;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A client's handle on a workflow id already checked (one function for every start). */
  readonly #newHandle = (workflowId: WorkflowId): WorkflowHandle<JsonValue> =>
    new WorkflowHandle(workflowId, this.#handles);

  /** A handle on a workflow id (checked when used: an unknown id gives WorkflowNotFoundError). */
  getHandle<O = JsonValue>(workflowId: string): WorkflowHandle<O> {
    return new WorkflowHandle<O>(checkWorkflowId(workflowId), this.#handles);
  }

  /**
   * A page of workflows from the store's visibility, newest first. Stalled runs say so, and so do
   * workflows in quarantine (`corrupt`: a stored record of theirs is damaged) and, in the page's
   * `corrupt`, rows the store could not read at all.
   */
  list(filter: VisibilityFilter = {}): Promise<WorkflowListPage> {
    return this.#handles.list(filter);
  }

  /** Whether a run of this type and build is pinned to a build other than this engine's. */
  #pinnedToOtherBuild(workflowType: string, buildId: string | undefined): boolean {
    return this.#workflows.get(workflowType)?.options?.versioning === 'pinned' && buildId !== this.#s.buildId;
  }

  /**
   * The open runs of this engine that are stalled (replay diverged, or the code threw a bug),
   * in no particular order: what `reprise runs stalled` lists. A build that fixes them resumes
   * them at its start.
   */
  stalledRuns(): StalledRun[] {
    this.#s.lifecycle.assertOpen();
    const stalled: StalledRun[] = [];
    for (const entry of this.#s.table.entries()) {
      if (entry.stalled) {
        stalled.push({
          workflowId: entry.workflowId,
          runId: entry.runId,
          workflowType: entry.workflowType,
          stalled: stallInfo(entry.stalled),
        });
      }
    }
    return stalled;
  }

  /**
   * The supervision tree as it is now: the root, one supervisor per workflow type with its
   * restart counts, and the runs this process owns with their pid and residency. Read-only;
   * for tools such as the web UI (`@reprise/ui`).
   */
  supervisionTree(): SupervisionTree {
    return this.#s.supervision.view(this.#s.table.entries());
  }

  /**
   * Ends the open run of a workflow at once, recorded as Terminated; no clean-up code runs. A
   * closed run is left as it is and its status returned (`handle.terminate` refuses it with
   * WorkflowClosedError instead).
   */
  terminate(workflowId: string, reason = 'terminated'): Promise<CancelResult> {
    this.#s.lifecycle.assertOpen();
    return this.#control.terminate(checkWorkflowId(workflowId), reason);
  }

  /**
   * Forks a workflow: a new workflow (`options.workflowId`, or a made-up id) whose first run's
   * history copies one of the source's runs up to and including `fromEventSeq` (its
   * WorkflowStarted names the source in `forkedFrom`; the source's history records
   * `WorkflowForked`), then runs on from there: activities whose results lie after the point run
   * again. The source is left as it is. A point that is not a workflow-task boundary, is past the
   * end or at a run's end, or whose prefix started a child workflow is refused with
   * InvalidArgumentError; an id that exists with WorkflowAlreadyStartedError.
   */
  async fork<O = JsonValue>(workflowId: string, options: ForkOptions): Promise<WorkflowHandle<O>> {
    this.#s.lifecycle.assertOpen();
    const source = checkWorkflowId(workflowId);
    if (this.#inbox.routes(source)) {
      const forked = await this.#inbox.operate(source, { op: 'fork', options: options as never });
      return this.getHandle<O>(forked as string);
    }
    const forked = await this.#forks.fork(source, options);
    return this.getHandle<O>(forked.workflowId);
  }

  /**
   * An operation another engine sent through the inbox for a run of this engine's shards,
   * carried out as the same call on this engine; its result goes back to the caller.
   */
  async #operate(workflowId: WorkflowId, operation: RemoteOperation): Promise<JsonValue> {
    switch (operation.op) {
      case 'pause':
        await this.#control.pause(workflowId, operation.reason ?? undefined);
        return null;
      case 'resume':
        await this.#control.resume(workflowId, operation.reason ?? undefined);
        return null;
      case 'reset':
        return this.#forks.reset(workflowId, operation.options as unknown as ResetOptions);
      case 'fork':
        return (await this.#forks.fork(workflowId, operation.options as unknown as ForkOptions)).workflowId;
      case 'query':
        return this.#reads.query(workflowId, operation.name, operation.args);
    }
  }

  /**
   * Stops taking work, lets in-flight appends commit, stops the actors and timers, then closes
   * the store. Nothing is left running afterwards.
   */
  async shutdown(): Promise<void> {
    if (!this.#s.lifecycle.beginShutdown()) return;
    this.#starter.stop();
    this.#inbox.close();
    this.schedules.stop();
    this.#retention?.stop();
    for (const entry of this.#s.table.entries()) entry.run?.requestStop();
    this.#s.activities.stop();
    this.#s.timers.stop();
    await this.#s.supervision.shutdown();
    await this.#s.lifecycle.drain();
    await Promise.allSettled(
      [...this.#s.table.recorders()].map((recorder) => recorder.exclusive(async () => undefined)),
    );
    this.#s.table.wakeAll();
    // Given back once nothing more is written, so that another engine takes them at once.
    await this.#ownership.stop();
    this.#s.telemetry.shutdown();
    this.#s.lifecycle.closed();
    await this.#s.store.close();
  }

  /**
   * Resolves once the engine has nothing in progress: every resident run waits for input, no
   * activity attempt runs, no append or exit handling is under way. Timers may be pending.
   * For tests and tools on a virtual clock.
   */
  idle(): Promise<void> {
    return waitForQuiescence({
      lifecycle: this.#s.lifecycle,
      table: this.#s.table,
      supervision: this.#s.supervision,
      activities: this.#s.activities,
    });
  }

  #scheduleHost(): ScheduleHost {
    return {
      store: this.#s.store,
      clock: this.#s.clock,
      logger: this.#s.logger,
      ...(this.#fencing ? { fencing: this.#fencing } : {}),
      shardOf: (historyId) => this.#ownership.shardOf(historyId),
      owns: (historyId) => this.#ownership.owns(historyId),
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
        await this.#control.cancel(workflowId, reason);
      },
      terminateWorkflow: async (workflowId, reason) => {
        await this.terminate(workflowId, reason);
      },
      workflowStatus: async (workflowId) => (await this.#s.store.getSummary(workflowId))?.status,
      onWorkflowClosed: (listener) => this.#closing.onClose(listener),
      armTimer: (key, fireAt, fire) => this.#s.timers.arm(timerKey('s', key), fireAt, fire),
      disarmTimer: (key) => this.#s.timers.disarm(timerKey('s', key)),
      track: (task) => this.#s.lifecycle.track(task),
      assertOpen: () => this.#s.lifecycle.assertOpen(),
      ...this.#check,
    };
  }
}
