/**
 * The starter: every way a run begins. A client's `engine.start` (id reuse policy, `useExisting`,
 * the start recorded with the code's first step), a child's start, a continue-as-new successor,
 * and a run recovered from the store all enter the run table here and get their actor. It is
 * the one constructor of `WorkflowStarted`.
 */
import type { Clock } from '@reprise/actors';
import {
  ConcurrencyConflict,
  checkWorkflowId,
  type DueTimer,
  type EventBody,
  type EventOf,
  envelopeEvents,
  type ForkPoint,
  InvalidArgumentError,
  type JsonValue,
  type ParentLink,
  projectHistory,
  type RunId,
  type SearchAttributes,
  statusFromEvents,
  type TerminalOutcome,
  type TraceContext,
  toMs,
  UnknownWorkflowTypeError,
  WorkflowAlreadyStartedError,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowSummary,
} from '@reprise/core';
import { latestStart, newRunId, newWorkflowId, runStart } from '@reprise/core/internal';
import { type ExitingRun, successorStarted } from './exit-handler.js';
import { EngineClosedError, type Lifecycle } from './lifecycle.js';
import type { EngineLogger, IdReusePolicy, StartOptions } from './options.js';
import type { Recorder } from './recorder.js';
import type { Residency } from './residency.js';
import { type Opening, RunEndedError } from './run.js';
import { RunEntry, type RunEntryPort } from './run-entry.js';
import type { RunTable } from './run-table.js';
import { StartAdmission } from './start-admission.js';
import type { Telemetry } from './telemetry.js';

type AnyWorkflow = WorkflowDefinition<never, unknown>;

/** What a new run's WorkflowStarted says; `runId` is made fresh. */
export interface RunStart {
  readonly workflowType: string;
  readonly input: JsonValue;
  /** The run that continued as new into this one. */
  readonly parentRunId?: RunId;
  /** The parent run, for a child. */
  readonly parent?: ParentLink;
  readonly searchAttributes?: SearchAttributes;
  readonly executionTimeout?: number;
  /** A reset's or fork's source. */
  readonly forkedFrom?: ForkPoint;
  /** The trace the run belongs to (see `telemetry.ts`). */
  readonly traceContext?: TraceContext;
}

/** The body of a new run's WorkflowStarted event. */
export function workflowStartedBody(start: RunStart, buildId: string): EventBody {
  // Field by field, in the order the event has always had (its stored bytes follow it), with no
  // spread of a throwaway object per optional field: every run's start passes here.
  const body: { -readonly [K in keyof EventOf<'WorkflowStarted'>]?: EventOf<'WorkflowStarted'>[K] } = {
    type: 'WorkflowStarted',
    workflowType: start.workflowType,
    input: start.input,
    runId: newRunId(),
    parentRunId: start.parentRunId ?? null,
  };
  if (start.parent) body.parent = start.parent;
  if (start.searchAttributes) body.searchAttributes = start.searchAttributes;
  if (start.executionTimeout !== undefined) body.executionTimeout = start.executionTimeout;
  if (start.forkedFrom) body.forkedFrom = start.forkedFrom;
  body.buildId = buildId;
  if (start.traceContext) body.traceContext = start.traceContext;
  return body as EventBody;
}

const ID_REUSE_POLICIES: readonly IdReusePolicy[] = [
  'allowDuplicate',
  'allowDuplicateFailedOnly',
  'rejectDuplicate',
];

/** A client's start, checked. */
interface ClientStart {
  readonly workflowId: WorkflowId;
  readonly definition: AnyWorkflow;
  readonly input: JsonValue;
  readonly searchAttributes?: SearchAttributes;
  readonly executionTimeout?: number;
  readonly idReusePolicy: IdReusePolicy;
  readonly onConflict: 'fail' | 'useExisting';
  readonly traceContext?: TraceContext;
}

/** A start sent through the inbox to the engine that owns the workflow's shard (JSON). */
export interface InboxStart {
  readonly workflowType: string;
  readonly input: JsonValue;
  readonly searchAttributes?: SearchAttributes;
  readonly executionTimeout?: number;
  readonly idReusePolicy: IdReusePolicy;
  readonly onConflict: 'fail' | 'useExisting';
  /** For a child: its parent run (a child already started by it counts as `existing`). */
  readonly parent?: ParentLink;
  /** The trace of the client's start span (see `telemetry.ts`). */
  readonly traceContext?: TraceContext;
}

/** Where starts go whose workflow's shard another engine owns (`inbox.ts`). */
export interface RemoteStarts {
  routes(workflowId: string): boolean;
  start(workflowId: WorkflowId, start: InboxStart): Promise<void>;
}

/** What the starter acts through. */
export interface StarterPort {
  readonly clock: Clock;
  readonly table: RunTable;
  readonly residency: Residency;
  readonly lifecycle: Lifecycle;
  readonly logger: EngineLogger;
  readonly entryPort: RunEntryPort;
  readonly telemetry: Telemetry;
  /** Recorded in every WorkflowStarted: the build that starts the run. */
  readonly buildId: string;
  definition(workflowType: string): AnyWorkflow | undefined;
  /** Checks a payload against the engine's limits (PayloadError naming `path`). */
  checkPayload(value: unknown, path: string): JsonValue;
  checkSearchAttributes(attributes: SearchAttributes): SearchAttributes;
  /** A run with an execution timeout: arm it (the close comes from outside the code). */
  armExecutionTimeout(
    entry: RunEntry,
    started: Pick<EventOf<'WorkflowStarted'>, 'executionTimeout' | 'recordedAt'>,
  ): void;
  /** Arms a timer of a run that fires `TimerFired` into it (as the run host does). */
  armTimer(run: Pick<RunEntry, 'workflowId' | 'runId'>, timerId: string, fireAt: number): void;
  disarmExecutionTimeout(run: Pick<RunEntry, 'workflowId' | 'runId'>): void;
  /** A child started after its parent may have closed: apply the parent's close policy. */
  enforceParentClose(workflowId: WorkflowId, parent: ParentLink): Promise<void>;
  /** Client starts of workflows another engine owns go there (several engines on one store). */
  readonly remote?: RemoteStarts;
  /** The most clients' starts in progress at once (`EngineOptions.maxConcurrentStarts`). */
  readonly maxConcurrentStarts: number;
}

export class Starter {
  readonly #admission: StartAdmission;

  constructor(private readonly port: StarterPort) {
    this.#admission = new StartAdmission(port.maxConcurrentStarts);
  }

  /** Shutdown has begun: the clients' starts still waiting for their turn are refused. */
  stop(): void {
    this.#admission.close(new EngineClosedError());
  }

  /**
   * Checks a client's start (`engine.start`) and starts it; resolves with `handleOf(workflowId)`
   * once its WorkflowStarted is durable. A bad argument throws. No frame of this function, and no
   * then of the caller's, waits on the commit: 10,000 starts in flight would each keep one.
   */
  startFromClient<H>(
    workflow: { readonly name: string } | string,
    input: unknown,
    options: StartOptions,
    handleOf: (workflowId: WorkflowId) => H,
  ): Promise<H> {
    const name = typeof workflow === 'string' ? workflow : workflow?.name;
    const definition = name === undefined ? undefined : this.port.definition(name);
    if (!definition) throw new UnknownWorkflowTypeError(String(name));
    const payload = this.port.checkPayload(input, 'input');
    const searchAttributes =
      options.searchAttributes && this.port.checkSearchAttributes(options.searchAttributes);
    const executionTimeout =
      options.executionTimeout === undefined ? undefined : toMs(options.executionTimeout);
    const workflowId =
      options.workflowId === undefined ? newWorkflowId() : checkWorkflowId(options.workflowId);
    const idReusePolicy = options.idReusePolicy ?? 'allowDuplicate';
    if (!ID_REUSE_POLICIES.includes(idReusePolicy)) {
      throw new InvalidArgumentError('idReusePolicy', `${JSON.stringify(idReusePolicy)} is not a policy`);
    }
    const onConflict = options.onConflict ?? 'fail';
    // The start is a span; the run records its context, so the run's spans join its trace.
    const traced = this.port.telemetry.clientStart(definition.name, workflowId);
    const { traceContext } = traced;
    const handle = handleOf(workflowId);
    const request: ClientStart = {
      workflowId,
      definition,
      input: payload,
      searchAttributes,
      executionTimeout,
      idReusePolicy,
      onConflict,
      traceContext,
    };
    // Admission bounds the runs this process starts at once. A start another engine carries out
    // only waits here for that engine: it takes no turn, so as not to hold up this engine's own.
    const recorded: Promise<H> = this.port.remote?.routes(workflowId)
      ? this.#startRemotely(request, handle)
      : this.#admission.admit(this.#admitted, request, handle);
    const end = traced.end;
    if (!end) return recorded;
    return recorded.then(
      (started) => {
        end();
        return started;
      },
      (error: unknown) => {
        end(error);
        throw error;
      },
    );
  }

  /**
   * A client's start once admitted (one function for all: a queued start holds no closure). It
   * may find the engine shutting down, or the workflow's shard moved away while it waited.
   */
  readonly #admitted = <H>(request: ClientStart, handle: H): Promise<H> => {
    this.port.lifecycle.assertOpen();
    if (this.port.remote?.routes(request.workflowId)) return this.#startRemotely(request, handle);
    return this.#start(request, handle);
  };

  /** A client's start of a workflow another engine owns: through the inbox, as JSON (only the fields given). */
  #startRemotely<H>(request: ClientStart, handle: H): Promise<H> {
    const { searchAttributes, executionTimeout, traceContext } = request;
    return (this.port.remote as RemoteStarts)
      .start(request.workflowId, {
        workflowType: request.definition.name,
        input: request.input,
        ...(searchAttributes ? { searchAttributes } : {}),
        ...(executionTimeout === undefined ? {} : { executionTimeout }),
        idReusePolicy: request.idReusePolicy,
        onConflict: request.onConflict,
        ...(traceContext ? { traceContext } : {}),
      })
      .then(() => handle);
  }

  /**
   * A start that came through the inbox for a workflow of this engine's shards: decided as a
   * client's start is, its WorkflowStarted recorded alone, consuming the item in the same
   * append, then its actor started. `existing`: an open run it may use (the item is the caller's
   * to consume). A refusal throws, recording nothing.
   */
  async startFromInbox(
    workflowId: WorkflowId,
    start: InboxStart,
    itemId: string,
  ): Promise<'recorded' | 'existing'> {
    const definition = this.port.definition(start.workflowType);
    if (!definition) throw new UnknownWorkflowTypeError(start.workflowType);
    const request = { workflowId, ...start };
    for (;;) {
      const recorder = this.port.table.recorder(workflowId);
      const decided = await recorder.exclusive(async () => {
        const current = await recorder.read();
        const live = this.port.table.get(workflowId);
        const { parent } = start;
        const ours =
          parent !== undefined &&
          current.some(
            (event) =>
              event.type === 'WorkflowStarted' &&
              event.parent?.runId === parent.runId &&
              event.parent.childId === parent.childId,
          );
        if (ours) return 'existing';
        if (live?.startUnrecorded) return { settling: live };
        if (this.#decide(current, live, request) === 'existing') return 'existing';
        const body = workflowStartedBody(
          {
            workflowType: start.workflowType,
            input: start.input,
            ...(parent ? { parent } : {}),
            ...(start.searchAttributes ? { searchAttributes: start.searchAttributes } : {}),
            ...(start.executionTimeout === undefined ? {} : { executionTimeout: start.executionTimeout }),
            ...(start.traceContext ? { traceContext: start.traceContext } : {}),
          },
          this.port.buildId,
        );
        const appended = await recorder.append([body], this.port.clock.now(), recorder.head, [
          { id: itemId, outcome: { ok: null } },
        ]);
        return [...current, ...appended];
      });
      if (decided === 'existing') return 'existing';
      if (Array.isArray(decided)) {
        await this.spawn(decided);
        return 'recorded';
      }
      if ((await this.#afterUnrecordedStart(decided.settling, request)) === 'existing') return 'existing';
    }
  }

  /**
   * Whether a start may go ahead on this history: `start`, or `existing` (an open run it may
   * use); a refusal throws `WorkflowAlreadyStartedError`.
   */
  #decide(
    history: readonly WorkflowEvent[],
    live: RunEntry | undefined,
    request: Pick<ClientStart, 'workflowId' | 'idReusePolicy' | 'onConflict'>,
  ): 'start' | 'existing' {
    const status = live ? 'Running' : statusFromEvents(history);
    if (!status) return 'start';
    const current = latestStart(history);
    const open =
      status === 'Running' ||
      (status === 'ContinuedAsNew' &&
        !successorStarted(history, (current as EventOf<'WorkflowStarted'>).runId));
    const policy = request.idReusePolicy;
    const reusable =
      !open &&
      (policy === 'allowDuplicate' ||
        (policy === 'allowDuplicateFailedOnly' &&
          ['Failed', 'Cancelled', 'Terminated', 'TimedOut'].includes(status)));
    if (open && request.onConflict === 'useExisting') return 'existing';
    if (!reusable) {
      throw new WorkflowAlreadyStartedError(request.workflowId, live?.runId ?? current?.runId ?? '', status);
    }
    return 'start';
  }

  /**
   * Starts a client's run and resolves with `handle` once its WorkflowStarted is durable. The
   * start is recorded by the run itself, with the commands of the code's first step: one commit.
   *
   * A workflow id this process knows nothing of (no run of it here, its writer idle and knowing
   * no history, no close of it remembered: a new id, the usual start) is started as a new id,
   * with no read: whatever the policy, an empty history lets it start, and the run's first
   * append is conditional on the id having no history (expectedSeq 0). If it has one, that
   * append writes nothing and fails with `ConcurrencyConflict`; the attempt is undone with no
   * trace (nothing of the run acted before its first commit: see `#undoNewIdStart`) and the
   * start is decided on the history, read.
   */
  #start<H>(request: ClientStart, handle: H): Promise<H> {
    const { table } = this.port;
    const held = table.heldRecorder(request.workflowId);
    if (held && (table.has(request.workflowId) || !held.idle || held.head !== 0))
      return this.#startAfterRead(request, handle);
    // A run of the id this process closed lately: it has a history, and a start as a new id
    // would only pay for a refused commit before reading it.
    if (table.closedOutcomes.get(request.workflowId) !== undefined)
      return this.#startAfterRead(request, handle);
    return this.#startAsNewId(request, handle, held ?? table.recorderForNewEntry(request.workflowId));
  }

  /** `#start` of a workflow id this process knows nothing of: see there. */
  #startAsNewId<H>(request: ClientStart, handle: H, recorder: Recorder): Promise<H> {
    return this.#startClientRun(this.#registerStart(NO_HISTORY, request, recorder), request, handle, true);
  }

  /**
   * Starts the actor of a client's registered run, then `handle` once its start is durable. If
   * the actor cannot start, the start is forgotten (other starts of the id waiting on it decide
   * again) and the caller gets why. The refusal is caught in this frame, which waits anyway, not
   * by a catch of its own: one promise and closure less a start.
   */
  async #startClientRun<H>(entry: RunEntry, request: ClientStart, handle: H, asNewId: boolean): Promise<H> {
    try {
      await this.#startRegistered(entry);
    } catch (error) {
      entry.abandonStart(error);
      this.#forgetUnrecordedStart(entry);
      throw this.#startFailure(error);
    }
    return this.#onceStartRecorded(entry, request, handle, asNewId);
  }

  /**
   * `handle` once the run's start is durable (returned, not awaited: the start waits on its
   * run's first commit with no frame of its own). A start that failed is forgotten; one started
   * as a new id that met a history (`asNewId`, `ConcurrencyConflict`) is undone and decided on
   * the history, read.
   */
  #onceStartRecorded<H>(entry: RunEntry, request: ClientStart, handle: H, asNewId: boolean): Promise<H> {
    return entry.startRecorded.then(
      () => {
        this.port.telemetry.runStarted(request.definition.name);
        return handle;
      },
      (error: unknown) => {
        if (asNewId && error instanceof ConcurrencyConflict) {
          this.#undoNewIdStart(entry);
          return this.#startAfterRead(request, handle);
        }
        this.#forgetUnrecordedStart(entry);
        throw this.#startFailure(error);
      },
    );
  }

  /**
   * Starts a client's run on the workflow's history, read under its writer: decided by the id
   * reuse policy and `onConflict`, once the start of this process's run of the id (if any) is
   * recorded or undone.
   */
  async #startAfterRead<H>(request: ClientStart, handle: H): Promise<H> {
    for (;;) {
      // Shutdown may have begun while this start waited for another (`#afterUnrecordedStart`).
      this.port.lifecycle.assertOpen();
      const recorder = this.port.table.recorder(request.workflowId);
      let opened: OpenedStart;
      try {
        // A then on the read, not an async task: the task's frame would be one more per start in flight.
        opened = await recorder.exclusive(() =>
          recorder.read().then((history) => this.#open(history, request, recorder)),
        );
      } catch (error) {
        throw this.#startFailure(error);
      }
      if (opened instanceof RunEntry) return this.#startClientRun(opened, request, handle, false);
      if (opened === 'existing') return handle;
      if ((await this.#afterUnrecordedStart(opened.settling, request)) === 'existing') return handle;
    }
  }

  /**
   * A start that found this process's run of the id with its start not recorded yet waits for
   * that start, outside the writer's turn (its first append needs it). Recorded: decided as on
   * that run just started (open, closed or not since), as a start that came while it was being
   * recorded always was: `existing`, or the refusal thrown. Undone or failed: `undefined`, to be
   * decided again.
   */
  async #afterUnrecordedStart(
    live: RunEntry,
    request: Pick<ClientStart, 'workflowId' | 'idReusePolicy' | 'onConflict'>,
  ): Promise<'existing' | undefined> {
    const recorded = await live.startRecorded.then(
      () => true,
      () => false,
    );
    return recorded ? (this.#decide(NO_HISTORY, live, request) as 'existing') : undefined;
  }

  /**
   * Decides a client's start on the workflow's history, read under its writer: the entry of the
   * new run, registered with its WorkflowStarted not recorded yet; an open run to use (the
   * handle names it); or this process's run of the id whose start is not recorded yet, to be
   * decided on once it is, or is undone (a start as a new id that met a history is).
   */
  #open(history: WorkflowEvent[], request: ClientStart, recorder: Recorder): OpenedStart {
    const live = this.port.table.get(request.workflowId);
    if (live?.startUnrecorded) return { settling: live };
    if (this.#decide(history, live, request) === 'existing') return 'existing';
    return this.#registerStart(history, request, recorder);
  }

  /** Registers the new run of a client's start on `history`, its WorkflowStarted not recorded yet. */
  #registerStart(history: readonly WorkflowEvent[], request: ClientStart, recorder: Recorder): RunEntry {
    const body = workflowStartedBody(
      {
        workflowType: request.definition.name,
        input: request.input,
        searchAttributes: request.searchAttributes,
        executionTimeout: request.executionTimeout,
        traceContext: request.traceContext,
      },
      this.port.buildId,
    );
    const recordedAt = this.port.clock.now();
    const started = envelopeEvents(request.workflowId, recorder.head, recordedAt, [body]);
    // A new workflow id (the usual start) has no history to copy.
    const opened = history.length === 0 ? started : [...history, ...started];
    return this.#register(opened, { opening: { body, recordedAt }, recorder });
  }

  /**
   * Records a new run of a workflow and starts its actor. `startFrom` reads the history under
   * the workflow's writer and says what to start, or nothing (already started, or refused).
   */
  async recordAndStart(
    workflowId: WorkflowId,
    startFrom: (history: readonly WorkflowEvent[]) => RunStart | undefined,
  ): Promise<void> {
    const recorder = this.port.table.recorder(workflowId);
    const { telemetry } = this.port;
    const history = await recorder.exclusive(async () => {
      const current = await recorder.read();
      const start = startFrom(current);
      if (!start) return undefined;
      // A child's run joins the trace of its parent run's span.
      const traceContext =
        start.traceContext ?? (start.parent ? telemetry.childTraceContext(start.parent) : undefined);
      const body = workflowStartedBody(
        { ...start, ...(traceContext ? { traceContext } : {}) },
        this.port.buildId,
      );
      const appended = await recorder.append([body], this.port.clock.now());
      telemetry.runStarted(start.workflowType);
      return [...current, ...appended];
    });
    if (history) await this.spawn(history);
  }

  /**
   * Records a run made by a reset or a fork, its WorkflowStarted and the copied events in one
   * append, and starts its actor (which replays them and carries on). `fresh`: the workflow id
   * must have no history (a fork); otherwise its latest run must be closed (a reset closes it
   * first). Resolves with the new run's id.
   */
  async startCopy(
    workflowId: WorkflowId,
    start: RunStart & { readonly forkedFrom: ForkPoint },
    copy: (runId: RunId) => EventBody[],
    fresh: boolean,
  ): Promise<RunId> {
    const recorder = this.port.table.recorder(workflowId);
    const { history, runId } = await recorder.exclusive(async () => {
      const current = await recorder.read();
      if (fresh ? current.length > 0 : statusFromEvents(current) === 'Running') {
        throw new WorkflowAlreadyStartedError(
          workflowId,
          latestStart(current)?.runId as RunId,
          statusFromEvents(current) as string,
        );
      }
      const started = workflowStartedBody(start, this.port.buildId) as EventOf<'WorkflowStarted'>;
      const appended = await recorder.append([started, ...copy(started.runId)], this.port.clock.now());
      this.port.telemetry.runStarted(started.workflowType);
      return { history: [...current, ...appended], runId: started.runId };
    });
    await this.spawn(history);
    return runId;
  }

  /**
   * Starts the continue-as-new successor of `run` under the same workflow id, unless it exists:
   * same parent link and execution timeout, the search attributes carried over.
   */
  async startSuccessor(
    run: ExitingRun,
    outcome: Extract<TerminalOutcome, { status: 'ContinuedAsNew' }>,
  ): Promise<void> {
    const workflowType = outcome.workflowType ?? run.workflowType;
    if (!this.port.definition(workflowType)) {
      this.port.logger.warn('continue-as-new names an unknown workflow type', {
        workflowId: run.workflowId,
        workflowType,
      });
      return;
    }
    await this.recordAndStart(run.workflowId, (history) => {
      if (successorStarted(history, run.runId)) return undefined;
      const previous = runStart(history, run.runId);
      const carried = projectHistory(history).summary?.searchAttributes ?? {};
      return {
        workflowType,
        input: outcome.input,
        parentRunId: run.runId,
        ...(previous?.parent ? { parent: previous.parent } : {}),
        ...(Object.keys(carried).length > 0 ? { searchAttributes: carried } : {}),
        ...(previous?.executionTimeout === undefined ? {} : { executionTimeout: previous.executionTimeout }),
        // The successor stays in its predecessor's trace.
        ...(previous?.traceContext ? { traceContext: previous.traceContext } : {}),
      };
    });
  }

  /** Brings back the runs of a type whose supervisor was restarted empty, by replay. */
  restoreType(workflowType: string): void {
    const { table, lifecycle } = this.port;
    if (lifecycle.closing) return;
    for (const entry of [...table.entries()]) {
      if (entry.workflowType !== workflowType || entry.stalled) continue;
      table.remove(entry);
      lifecycle.track(
        entry.recorder
          .exclusive(() => entry.recorder.read())
          .then((history) => (statusFromEvents(history) === 'Running' ? this.spawn(history) : undefined)),
      );
    }
  }

  /** Starts the run actor of the latest run in `history` (just started, or recovered). */
  async spawn(history: WorkflowEvent[], recovered = false): Promise<void> {
    const started = latestStart(history) as EventOf<'WorkflowStarted'>;
    // One entry, and so one actor, per run: recovery may meet a run another path started.
    if (this.port.table.get(started.workflowId)?.runId === started.runId) return;
    await this.#startRegistered(this.#register(history, { recovered }), started.parent);
  }

  /**
   * Enters a recovered run that only waits in the run table without an actor: suspended, as an
   * evicted run is, so that what arrives for it brings it back by replay. Built from its row
   * (`summary`) alone; its pending `timers` (from the store's timer index) and its execution
   * timeout are armed, and a child's parent close policy is checked as at any start.
   */
  suspend(summary: WorkflowSummary, timers: readonly DueTimer[]): void {
    const { table, lifecycle } = this.port;
    const { workflowId, executionTimeout, parent } = summary;
    const entry = new RunEntry(
      workflowId,
      summary.runId,
      summary.workflowType,
      this.port.definition(summary.workflowType) as AnyWorkflow,
      table.recorder(workflowId),
      this.port.entryPort,
      undefined,
    );
    // Its recorded steps were run, and logged, by the process before.
    entry.loggedThrough = summary.historyLength;
    table.add(entry);
    if (executionTimeout !== undefined) {
      this.port.armExecutionTimeout(entry, { executionTimeout, recordedAt: summary.startedAt });
    }
    for (const timer of timers) this.port.armTimer(entry, timer.timerId, timer.fireAt);
    table.changed(workflowId);
    if (parent && parent.parentClosePolicy !== 'abandon') {
      lifecycle.track(this.port.enforceParentClose(workflowId, parent));
    }
  }

  /** Enters the latest run of `history` in the run table, not started yet. */
  #register(
    history: WorkflowEvent[],
    options: {
      recovered?: boolean;
      opening?: Pick<Opening, 'body' | 'recordedAt'>;
      /** The workflow's writer, when the caller has it (`table.recorder` otherwise). */
      recorder?: Recorder;
    },
  ): RunEntry {
    const { table } = this.port;
    const started = latestStart(history) as EventOf<'WorkflowStarted'>;
    const entry = new RunEntry(
      started.workflowId,
      started.runId,
      started.workflowType,
      this.port.definition(started.workflowType) as AnyWorkflow,
      options.recorder ?? table.recorder(started.workflowId),
      this.port.entryPort,
      history,
      options.opening,
    );
    entry.resendSignals = options.recovered === true;
    this.port.telemetry.segmentOpened(started, options.recovered === true);
    // A recovered run's recorded steps were run, and logged, by the process before.
    if (options.recovered) entry.loggedThrough = history.at(-1)?.seq ?? 0;
    table.add(entry);
    if (started.executionTimeout !== undefined) this.port.armExecutionTimeout(entry, started);
    table.changed(started.workflowId);
    return entry;
  }

  /** Starts the run actor of a registered entry; a child checks that its parent is still open. */
  #startRegistered(entry: RunEntry, parent?: ParentLink): Promise<void> {
    const started = this.port.residency.startActor(entry);
    // Chained, not awaited, and only for a child: every start passes here.
    if (!parent || parent.parentClosePolicy === 'abandon') return started;
    return started.then(() => {
      this.port.lifecycle.track(this.port.enforceParentClose(entry.workflowId, parent));
    });
  }

  /** What the caller of a start that could not be recorded learns: the engine closed under it, or why. */
  #startFailure(error: unknown): unknown {
    return this.port.lifecycle.closing ? new EngineClosedError() : error;
  }

  /** Takes out of the run table a start whose WorkflowStarted could not be recorded. */
  #forgetUnrecordedStart(entry: RunEntry): void {
    this.#unregisterUnrecordedStart(entry);
    this.port.telemetry.segmentEnded(entry, 'not started');
  }

  /**
   * Undoes a start as a new id whose first append found a history (`#start`), leaving no trace:
   * its run recorded nothing, and nothing acted for it, as nothing does before a run's first
   * commit (its activities, timers, child starts and signals are carried out once recorded, its
   * `ctx.log` lines written then; its execution timeout waits for the start, `query` too). Its
   * segment's span is let go unended (never exported); input sent to it meanwhile goes back to
   * its senders, who send it again; `result()` callers ask again.
   */
  #undoNewIdStart(entry: RunEntry): void {
    this.#unregisterUnrecordedStart(entry);
    this.port.telemetry.segmentDiscarded(entry);
  }

  #unregisterUnrecordedStart(entry: RunEntry): void {
    const { table, residency } = this.port;
    if (table.get(entry.workflowId) === entry) {
      table.remove(entry);
      residency.forget(entry.workflowId);
      // Callers of `result()` that waited on it ask again (the store, or the next run).
      table.changed(entry.workflowId);
    }
    this.port.disarmExecutionTimeout(entry);
    for (const item of entry.takePending()) item.ack?.reject(new RunEndedError(entry.workflowId));
  }
}

/**
 * A client's start decided on the history (`Starter.#open`): its new run, registered; an open
 * run to use; or this process's run of the id whose start is not recorded yet, to wait for.
 */
type OpenedStart = RunEntry | 'existing' | { readonly settling: RunEntry };

/** The history of a workflow id this process knows nothing of, as a start as a new id takes it. */
const NO_HISTORY: readonly WorkflowEvent[] = Object.freeze([]);
