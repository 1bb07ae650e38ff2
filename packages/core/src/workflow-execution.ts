import type { ActivityExecutionOptions, Command } from './commands.js';
import {
  type ActivityDefinition,
  type ActivityOptions,
  type ChildHandle,
  type ChildOptions,
  stallsRun,
  type UpdateHandlerOptions,
  type WorkflowContext,
  type WorkflowDefinition,
  type WorkflowLog,
  type WorkflowLogFn,
  type WorkflowLogLevel,
} from './definitions.js';
import { type Duration, toMs } from './duration.js';
import { type ErrorData, toErrorData } from './error-data.js';
import {
  ActivityFailure,
  CancelledError,
  ChildWorkflowFailure,
  InvalidArgumentError,
  QueryNotReadOnlyError,
  RepriseError,
  UnknownActivityError,
  UpdateRejectedError,
  WorkflowNotFoundError,
} from './errors.js';
import type { EventBody, SearchAttributes } from './events.js';
import { asWorkflowId, checkWorkflowId, defaultChildWorkflowId, type RunId, type WorkflowId } from './ids.js';
import { LoneEntryMap } from './lone-entry-map.js';
import { checkPayload, type JsonValue, type PayloadCheckOptions } from './payload.js';
import { normalizeRetryPolicy } from './retry.js';
import { seededRandom, seededUuid } from './seeded-random.js';

/** How a run's code ended, before the engine records it. */
export type ExecutionOutcome =
  | { readonly status: 'Completed'; readonly result: JsonValue }
  | { readonly status: 'Failed'; readonly error: ErrorData }
  | { readonly status: 'Cancelled'; readonly reason: string | null }
  | { readonly status: 'ContinuedAsNew'; readonly input: JsonValue; readonly workflowType?: string };

/** What a run's interpreter needs to start. */
export interface ExecutionInit {
  /** The workflow the run belongs to. */
  readonly workflowId: WorkflowId;
  /** The run. */
  readonly runId: RunId;
  /** The run's workflow type. */
  readonly workflowType: string;
  /** The run's input, as recorded in its WorkflowStarted. */
  readonly input: JsonValue;
  /** `recordedAt` of the run's WorkflowStarted: `ctx.now()` until the first event is applied. */
  readonly startedAt: number;
  /** The code to run. */
  readonly definition: WorkflowDefinition<never, unknown>;
  /** Checks upserted search attributes (the engine's schema); throws to refuse them. */
  readonly checkSearchAttributes?: (attributes: SearchAttributes) => SearchAttributes;
  /** The largest payload, in bytes of JSON. */
  readonly maxPayloadBytes?: number;
  /** Whether an activity of this name can run here; an unknown one is refused when the code asks. */
  readonly isActivityRegistered?: (activityType: string) => boolean;
  /** Where `ctx.log` lines go while the execution is not silent (see `WorkflowExecution.silent`); none by default. */
  readonly log?: (level: WorkflowLogLevel, message: string, fields: Record<string, unknown>) => void;
}

/** Raised by `ctx.continueAsNew` to unwind the workflow function. */
export class ContinueAsNewRequest extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'continue_as_new';
  constructor(
    /** The next run's input. */
    readonly input: JsonValue,
    /** The next run's workflow type; `undefined` keeps this one. */
    readonly workflowType: string | undefined,
  ) {
    super('continue as new');
  }
}

/** A `withTimeout` scope that ran out of time. */
export class TimeoutError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'timeout';
  constructor(
    /** The scope's duration, in ms. */
    readonly afterMs: number,
  ) {
    super(`timed out after ${afterMs} ms`);
  }
}

interface Pending<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  /** Cancellation reaches this wait (false inside `nonCancellable`). */
  readonly cancellable: boolean;
}

interface PendingActivity extends Pending<JsonValue> {
  readonly activityType: string;
  /** The promise the code got: made quiet only when it is rejected (see `#rejectActivity`). */
  promise: Promise<JsonValue> | undefined;
}

interface PendingTimer extends Pending<void> {
  readonly fireAt: number;
}

interface PendingChild extends Pending<JsonValue> {
  readonly childWorkflowId: WorkflowId;
}

interface SignalWaiter {
  readonly resolve: (payload: JsonValue | undefined) => void;
  readonly reject: (error: unknown) => void;
  readonly cancellable: boolean;
  timerId?: string;
}

interface UpdateHandler {
  readonly handler: (args: JsonValue) => unknown;
  readonly validator?: (args: JsonValue) => void;
}

/** What a validator threw, as text: an Error's message, or any other value as safely as it can. */
function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name;
  try {
    if (typeof thrown === 'string') return thrown;
    const json = JSON.stringify(thrown);
    if (json !== undefined) return json;
  } catch {
    // a cycle, a BigInt, a hostile toJSON: fall through
  }
  try {
    return String(thrown);
  } catch {
    return `a thrown ${typeof thrown}`;
  }
}

const ignore = (): undefined => undefined;

/** The options of activities called with none of their own, by definition: resolved once, shared (never written). */
const definitionOptions = new WeakMap<ActivityDefinition<never, unknown>, ActivityExecutionOptions>();

/** An activity call's options, resolved: its definition's, overridden by the call's. */
function executionOptions(
  definition: ActivityDefinition<never, unknown>,
  options: ActivityOptions | undefined,
): ActivityExecutionOptions {
  if (options === undefined) {
    const known = definitionOptions.get(definition);
    if (known) return known;
  }
  const merged = { ...definition.options, ...options };
  const resolved: { -readonly [K in keyof ActivityExecutionOptions]: ActivityExecutionOptions[K] } = {
    retry: normalizeRetryPolicy(merged.retry),
  };
  if (merged.startToCloseTimeout !== undefined)
    resolved.startToCloseTimeout = toMs(merged.startToCloseTimeout);
  if (merged.scheduleToCloseTimeout !== undefined)
    resolved.scheduleToCloseTimeout = toMs(merged.scheduleToCloseTimeout);
  if (merged.heartbeatTimeout !== undefined) resolved.heartbeatTimeout = toMs(merged.heartbeatTimeout);
  if (options === undefined) definitionOptions.set(definition, resolved);
  return resolved;
}

/**
 * How each activity's input is checked (the path a PayloadError names, the engine's limit), by
 * definition: made once, not at every call (an engine's limit is the same for every run).
 */
const activityInputChecks = new WeakMap<ActivityDefinition<never, unknown>, PayloadCheckOptions>();

function activityInputCheck(
  definition: ActivityDefinition<never, unknown>,
  maxBytes: number | undefined,
): PayloadCheckOptions {
  const known = activityInputChecks.get(definition);
  if (known !== undefined && known.maxBytes === (maxBytes || undefined)) return known;
  const path = `activity ${definition.name} input`;
  const check = maxBytes ? { path, maxBytes } : { path };
  activityInputChecks.set(definition, check);
  return check;
}

const NOTHING_PENDING: ReadonlyMap<string, never> = new Map<string, never>();

/** A `ctx.log` line held until its step is recorded (see `WorkflowExecution.holdLog`). */
type HeldLogLine = readonly [level: WorkflowLogLevel, message: string, fields: Record<string, unknown>];

/** Lines are being held and none has come yet: shared, never written (most first steps log nothing). */
const HOLDING_NO_LINE: HeldLogLine[] = Object.freeze([]) as unknown as HeldLogLine[];

/** A copy of a map of pending waits, each by one of its fields; the shared empty map when there are none. */
function pendingView<T, V>(
  pending: ReadonlyMap<string, T> | undefined,
  field: (wait: T) => V,
): ReadonlyMap<string, V> {
  if (pending === undefined || pending.size === 0) return NOTHING_PENDING;
  const view = new Map<string, V>();
  for (const [id, wait] of pending) view.set(id, field(wait));
  return view;
}

const quiet = <T>(promise: Promise<T>): Promise<T> => {
  // Workflow code may never await a promise it started; its rejection must not crash the process.
  promise.catch(ignore);
  return promise;
};

/**
 * Rejects an activity's promise, made quiet first: what `quiet` does for every other wait, done
 * only for the few activities that fail or are cancelled (a catch costs a promise and a reaction,
 * and every activity of every run would pay them).
 */
function rejectActivity(activity: PendingActivity, error: unknown): void {
  if (activity.promise) quiet(activity.promise);
  activity.reject(error);
}

/** The interpreter's maps that fewer runs use, made lazily, each made at its first use. */
interface RareMaps {
  children: Map<string, PendingChild> | undefined;
  signalBuffer: Map<string, JsonValue[]> | undefined;
  signalWaiters: Map<string, SignalWaiter[]> | undefined;
  /** Signals sent and waiting for their delivery's outcome, by signal id. */
  sentSignals: Map<string, Pending<void>> | undefined;
  updateHandlers: Map<string, UpdateHandler> | undefined;
  queryHandlers: Map<string, (args: JsonValue) => JsonValue> | undefined;
}

/**
 * The interpreter of one run: it calls the workflow function, turns its `ctx` calls into
 * commands, and settles their promises as the run's events are applied. It does no I/O and
 * reads no clock: fed the same events in the same order, it issues the same commands. The
 * engine applies events live; replay applies recorded ones (see `replay.ts`).
 */
export class WorkflowExecution {
  #now: number;
  /** Commands issued since the last take; `undefined` while none (most steps issue one: an array of one). */
  #commands: Command[] | undefined;
  #activityOrdinal = 0;
  #timerOrdinal = 0;
  #childOrdinal = 0;
  #signalOrdinal = 0;
  #draws = 0;
  #started = false;
  #outcome: ExecutionOutcome | undefined;
  #bug: { readonly error: ErrorData; readonly position: number } | undefined;
  /** Commands issued so far, patch markers aside: the position of the next one. */
  #commandCount = 0;
  #cancelReason: string | null | undefined;
  #cancelController: AbortController | undefined;
  // Made on first use: a resident run should cost little memory, and most use a few of these.
  /** Awaited one at a time by most code: a map that an activity's end does not make anew (see LoneEntryMap). */
  #activityMap: LoneEntryMap<PendingActivity> | undefined;
  #timerMap: Map<string, PendingTimer> | undefined;
  #timerWaitMap: Map<string, () => void> | undefined;
  /** The maps of what fewer runs use (children, signals, queries, updates): one field, not six. */
  #rare: RareMaps | undefined;
  /** Patch ids answered in this run: the answer `ctx.patched` gave (deprecated ones: true). */
  #patchAnswers: Map<string, boolean> | undefined;
  /** PatchMarkers recorded at or before the step being run (replay feeds them step by step). */
  #recordedPatches: Set<string> | undefined;
  /** The step being run was recorded already: replay, not new work (see `replayStep`). */
  #replaying = false;
  /** The query whose handler is running: `ctx` refuses commands meanwhile. */
  #answeringQuery: string | undefined;
  /** The first command a running query handler asked for (kept if the handler swallows the throw). */
  #queryMisuse: QueryNotReadOnlyError | undefined;
  get #activities(): LoneEntryMap<PendingActivity> {
    this.#activityMap ??= new LoneEntryMap();
    return this.#activityMap;
  }
  get #timers(): Map<string, PendingTimer> {
    this.#timerMap ??= new Map();
    return this.#timerMap;
  }
  get #timerWaits(): Map<string, () => void> {
    this.#timerWaitMap ??= new Map();
    return this.#timerWaitMap;
  }
  get #rareMaps(): RareMaps {
    this.#rare ??= {
      children: undefined,
      signalBuffer: undefined,
      signalWaiters: undefined,
      sentSignals: undefined,
      updateHandlers: undefined,
      queryHandlers: undefined,
    };
    return this.#rare;
  }
  get #children(): Map<string, PendingChild> {
    const rare = this.#rareMaps;
    rare.children ??= new Map();
    return rare.children;
  }
  get #signalBuffer(): Map<string, JsonValue[]> {
    const rare = this.#rareMaps;
    rare.signalBuffer ??= new Map();
    return rare.signalBuffer;
  }
  get #signalWaiters(): Map<string, SignalWaiter[]> {
    const rare = this.#rareMaps;
    rare.signalWaiters ??= new Map();
    return rare.signalWaiters;
  }
  get #sentSignals(): Map<string, Pending<void>> {
    const rare = this.#rareMaps;
    rare.sentSignals ??= new Map();
    return rare.sentSignals;
  }
  get #updateHandlers(): Map<string, UpdateHandler> {
    const rare = this.#rareMaps;
    rare.updateHandlers ??= new Map();
    return rare.updateHandlers;
  }
  get #queryHandlers(): Map<string, (args: JsonValue) => JsonValue> {
    const rare = this.#rareMaps;
    rare.queryHandlers ??= new Map();
    return rare.queryHandlers;
  }
  readonly #init: ExecutionInit;
  /**
   * While true, `ctx.log` writes nothing: the code is re-running a step whose lines were
   * written before (replay sets it per step, see `replayRun`).
   */
  silent = false;
  /**
   * The `ctx.log` lines of a step not recorded yet, while they are held (see `holdLog`);
   * `undefined` when lines are written at once.
   */
  #heldLog: HeldLogLine[] | undefined;

  constructor(init: ExecutionInit) {
    this.#init = init;
    this.#now = init.startedAt;
  }

  // Read from `init`, not copied: every awake run holds an interpreter (10,000 at once).
  /** The workflow the run belongs to. */
  get workflowId(): WorkflowId {
    return this.#init.workflowId;
  }

  /** The run it interprets. */
  get runId(): RunId {
    return this.#init.runId;
  }

  /** The run's workflow type. */
  get workflowType(): string {
    return this.#init.workflowType;
  }

  /** Calls the workflow function. Its first commands are ready once microtasks have run. */
  start(): void {
    if (this.#started) throw new Error('a workflow execution starts once');
    this.#started = true;
    let running: Promise<unknown>;
    try {
      running = Promise.resolve(
        (this.#init.definition.run as (ctx: WorkflowContext, input: JsonValue) => Promise<unknown>)(
          this.#context(true),
          this.#init.input,
        ),
      );
    } catch (thrown) {
      running = Promise.reject(thrown);
    }
    running.then(
      (result) => {
        try {
          this.#finish({
            status: 'Completed',
            result: checkPayload(result, {
              path: 'result',
              ...(this.#init.maxPayloadBytes ? { maxBytes: this.#init.maxPayloadBytes } : {}),
            }),
          });
        } catch (error) {
          this.#finish({ status: 'Failed', error: toErrorData(error) });
        }
      },
      (thrown: unknown) => {
        if (this.#outcome || this.#bug) return;
        if (!(thrown instanceof ContinueAsNewRequest) && stallsRun(thrown, this.#init.definition.options)) {
          this.#bug = { error: toErrorData(thrown), position: this.#commandCount };
          return;
        }
        this.#finish(this.#outcomeOfThrow(thrown));
      },
    );
  }

  /**
   * Set when the code threw a bug (see `WorkflowOptions.stallOn`): it has ended with no
   * outcome, and its run stalls until fixed code replays it. `position`: the commands it had
   * issued (patch markers aside).
   */
  get bug(): { readonly error: ErrorData; readonly position: number } | undefined {
    return this.#bug;
  }

  /** How the code ended, once it has. */
  get outcome(): ExecutionOutcome | undefined {
    return this.#outcome;
  }

  /** Whether cancellation has been requested. */
  get cancelRequested(): boolean {
    return this.#cancelReason !== undefined;
  }

  /** The commands issued since the last call, in issue order. */
  takeCommands(): Command[] {
    const taken = this.#commands ?? [];
    this.#commands = undefined;
    return taken;
  }

  /**
   * A SignalSent recorded before signals had delivery outcomes (no `signalId`) was matched to the
   * code's signal: it counts as sent once recorded, as it did then.
   */
  signalRecordedWithoutOutcome(signalId: string): void {
    const pending = this.#rare?.sentSignals?.get(signalId);
    if (!pending) return;
    this.#rare?.sentSignals?.delete(signalId);
    pending.resolve();
  }

  /**
   * Replay tells the interpreter, before each step it re-runs (the start, or an input applied),
   * whether that step was recorded (`replaying`) and which PatchMarkers its history holds up to
   * the end of that step. While replaying, `ctx.patched` answers from those markers and records
   * nothing; otherwise it records a marker the run does not have yet and answers `true`.
   */
  replayStep(replaying: boolean, recordedPatches: Iterable<string> = []): void {
    this.#replaying = replaying;
    for (const patchId of recordedPatches) {
      this.#recordedPatches ??= new Set();
      this.#recordedPatches.add(patchId);
    }
  }

  #patch(patchId: string, deprecated: boolean): boolean {
    this.#refuseInQuery(deprecated ? 'deprecatePatch' : 'patched');
    if (typeof patchId !== 'string' || patchId === '') {
      throw new InvalidArgumentError(
        deprecated ? 'ctx.deprecatePatch patchId' : 'ctx.patched patchId',
        `${JSON.stringify(patchId)} must be a non-empty string`,
      );
    }
    const answered = this.#patchAnswers?.get(patchId);
    if (answered !== undefined) return answered;
    const recorded = this.#recordedPatches?.has(patchId) === true;
    const answer = deprecated || recorded || !this.#replaying;
    this.#patchAnswers ??= new Map();
    this.#patchAnswers.set(patchId, answer);
    if (answer && !recorded && !this.#replaying) {
      this.#recordedPatches ??= new Set();
      this.#recordedPatches.add(patchId);
      this.#issue({ kind: 'RecordPatch', patchId, deprecated });
    }
    return answer;
  }

  /** The activity ids awaiting an outcome. */
  pendingActivityIds(): string[] {
    const ids: string[] = [];
    this.#activityMap?.forEach((_, activityId) => {
      ids.push(activityId);
    });
    return ids;
  }

  /** The timers awaiting TimerFired: id → fireAt (one shared empty map when none: most runs). */
  pendingTimers(): ReadonlyMap<string, number> {
    return pendingView(this.#timerMap, (timer) => timer.fireAt);
  }

  /** The children awaiting an outcome: childId → child workflow id. */
  pendingChildren(): ReadonlyMap<string, WorkflowId> {
    return pendingView(this.#rare?.children, (child) => child.childWorkflowId);
  }

  /**
   * Answers a query from live state; throws if no handler of that name is set, and with a
   * `QueryNotReadOnlyError` if the handler called a `ctx` method that is not read-only (nothing
   * it asked for is issued).
   */
  query(name: string, args: JsonValue): JsonValue {
    const handler = this.#queryHandlers.get(name);
    if (!handler) {
      throw new InvalidArgumentError(
        'query',
        `${JSON.stringify(name)} has no handler; known: ${[...this.#queryHandlers.keys()].join(', ') || '(none)'}`,
      );
    }
    this.#answeringQuery = name;
    this.#queryMisuse = undefined;
    let answer: unknown;
    try {
      answer = handler(args);
    } finally {
      this.#answeringQuery = undefined;
    }
    const misuse = this.#queryMisuse;
    this.#queryMisuse = undefined;
    if (misuse) throw misuse;
    return checkPayload(answer, { path: `query ${name} result` });
  }

  /**
   * Decides whether the run takes an update, before anything is recorded: throws an
   * `UpdateRejectedError` when no handler of that name is set, when its validator throws
   * (whatever it throws, an Error or not), or when the validator calls a `ctx` method that is
   * not read-only (nothing it asked for is issued).
   */
  validateUpdate(name: string, args: JsonValue): void {
    const handler = this.#rare?.updateHandlers?.get(name);
    if (!handler) {
      const known = [...(this.#rare?.updateHandlers?.keys() ?? [])];
      throw new UpdateRejectedError(
        this.workflowId,
        name,
        `no handler of that name; known: ${known.map((key) => JSON.stringify(key)).join(', ') || '(none)'}`,
      );
    }
    if (!handler.validator) return;
    this.#answeringQuery = `update validator ${name}`;
    this.#queryMisuse = undefined;
    let thrown: { readonly error: unknown } | undefined;
    try {
      handler.validator(args);
    } catch (error) {
      thrown = { error };
    } finally {
      this.#answeringQuery = undefined;
    }
    const misuse = this.#queryMisuse as QueryNotReadOnlyError | undefined;
    this.#queryMisuse = undefined;
    if (misuse) throw new UpdateRejectedError(this.workflowId, name, misuse.message);
    if (thrown) throw new UpdateRejectedError(this.workflowId, name, describeThrown(thrown.error));
  }

  /** Runs an accepted update's handler; its end is issued as a CompleteUpdate command. */
  #runUpdate(updateId: string, name: string, args: JsonValue): void {
    const handler = this.#rare?.updateHandlers?.get(name);
    const complete = (outcome: { result: JsonValue } | { error: ReturnType<typeof toErrorData> }) => {
      if (this.#outcome) return; // the run has ended: nothing more is recorded for it
      this.#issue({ kind: 'CompleteUpdate', updateId, updateName: name, ...outcome });
    };
    let running: Promise<unknown>;
    try {
      if (!handler) throw new UpdateRejectedError(this.workflowId, name, 'no handler of that name');
      running = Promise.resolve(handler.handler(args));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (result) => {
        try {
          complete({ result: this.#payload(result, `update ${name} result`) });
        } catch (error) {
          complete({ error: toErrorData(error) });
        }
      },
      (error: unknown) => complete({ error: toErrorData(error) }),
    );
  }

  /** Throws, before anything changes, when a query handler calls a `ctx` method that is not read-only. */
  #refuseInQuery(call: string): void {
    if (this.#answeringQuery === undefined) return;
    const error = new QueryNotReadOnlyError(this.#answeringQuery, call);
    this.#queryMisuse ??= error;
    throw error;
  }

  /**
   * Applies an event that happened to the run (an input): settles the promise waiting on it.
   * Command events and bookkeeping events (a retried ActivityFailed) only move
   * the clock. Throws if the event refers to something the code never asked for.
   */
  apply(event: EventBody, recordedAt: number): void {
    this.#now = recordedAt;
    switch (event.type) {
      case 'ActivityCompleted': {
        const activity = this.#take(this.#activities, event.activityId, event.type);
        activity.resolve(event.result);
        return;
      }
      case 'ActivityFailed': {
        if (event.retryAt !== undefined) return;
        const activity = this.#take(this.#activities, event.activityId, event.type);
        rejectActivity(
          activity,
          new ActivityFailure(activity.activityType, event.activityId, event.attempt, event.error),
        );
        return;
      }
      case 'TimerFired': {
        const timer = this.#take(this.#timers, event.timerId, event.type);
        timer.resolve();
        this.#timerWaits.get(event.timerId)?.();
        this.#timerWaits.delete(event.timerId);
        return;
      }
      case 'SignalReceived':
        this.#deliverSignal(event.signalName, event.payload);
        return;
      case 'ChildWorkflowCompleted': {
        this.#take(this.#children, event.childId, event.type).resolve(event.result);
        return;
      }
      case 'ChildWorkflowFailed': {
        this.#take(this.#children, event.childId, event.type).reject(
          new ChildWorkflowFailure(event.childWorkflowId, event.error),
        );
        return;
      }
      case 'ChildWorkflowCancelled': {
        this.#take(this.#children, event.childId, event.type).reject(
          new ChildWorkflowFailure(
            event.childWorkflowId,
            toErrorData(new CancelledError(event.reason ?? undefined)),
          ),
        );
        return;
      }
      case 'SignalDelivered':
        this.#take(this.#sentSignals, event.signalId, event.type).resolve();
        return;
      case 'SignalDeliveryFailed': {
        const pending = this.#take(this.#sentSignals, event.signalId, event.type);
        // The recorded message says why (closed, or unknown); the error is the typed one.
        const error = new WorkflowNotFoundError(event.targetWorkflowId);
        error.message = event.error.message;
        pending.reject(error);
        return;
      }
      case 'WorkflowCancelRequested':
        this.#requestCancel(event.reason);
        return;
      case 'UpdateAccepted':
        this.#runUpdate(event.updateId, event.updateName, event.args);
        return;
      default:
        return;
    }
  }

  #take<T>(pending: Map<string, T> | LoneEntryMap<T>, id: string, type: string): T {
    const entry = pending.get(id);
    if (!entry)
      throw new InvalidArgumentError(
        type,
        `refers to ${JSON.stringify(id)}, which the code is not waiting on`,
      );
    pending.delete(id);
    return entry;
  }

  #finish(outcome: ExecutionOutcome): void {
    if (this.#outcome) return;
    this.#outcome = outcome;
  }

  #outcomeOfThrow(thrown: unknown): ExecutionOutcome {
    if (thrown instanceof ContinueAsNewRequest) {
      return thrown.workflowType === undefined
        ? { status: 'ContinuedAsNew', input: thrown.input }
        : { status: 'ContinuedAsNew', input: thrown.input, workflowType: thrown.workflowType };
    }
    if (this.#cancelReason !== undefined && thrown instanceof CancelledError) {
      return { status: 'Cancelled', reason: this.#cancelReason };
    }
    return { status: 'Failed', error: toErrorData(thrown) };
  }

  #checkAttributes(attributes: SearchAttributes): SearchAttributes {
    return this.#init.checkSearchAttributes
      ? this.#init.checkSearchAttributes(attributes)
      : (this.#payload(attributes, 'searchAttributes') as SearchAttributes);
  }

  #issue(command: Command): void {
    // Every command comes through here: a last guard for a path that skipped its own check.
    this.#refuseInQuery(command.kind);
    if (this.#commands) this.#commands.push(command);
    else this.#commands = [command];
    if (command.kind !== 'RecordPatch') this.#commandCount++;
  }

  #payload(value: unknown, path: string): JsonValue {
    return checkPayload(value, {
      path,
      ...(this.#init.maxPayloadBytes ? { maxBytes: this.#init.maxPayloadBytes } : {}),
    });
  }

  #requestCancel(reason: string | null): void {
    if (this.#cancelReason !== undefined) return;
    this.#cancelReason = reason;
    const error = new CancelledError(reason ?? undefined);
    for (const [activityId, activity] of [...this.#activities]) {
      if (!activity.cancellable) continue;
      this.#activities.delete(activityId);
      this.#issue({ kind: 'RequestCancelActivity', activityId, reason });
      rejectActivity(activity, error);
    }
    for (const [timerId, timer] of [...this.#timers]) {
      if (!timer.cancellable) continue;
      this.#timers.delete(timerId);
      this.#timerWaits.delete(timerId);
      this.#issue({ kind: 'CancelTimer', timerId });
      timer.reject(error);
    }
    for (const [name, waiters] of this.#signalWaiters) {
      const kept = waiters.filter((waiter) => {
        if (!waiter.cancellable) return true;
        this.#cancelSignalTimer(waiter);
        waiter.reject(error);
        return false;
      });
      this.#signalWaiters.set(name, kept);
    }
    for (const [childId, child] of [...this.#children]) {
      if (!child.cancellable) continue;
      this.#children.delete(childId);
      child.reject(error);
    }
    this.#cancelController?.abort(error);
  }

  /** Made on first use: most runs never look at it. */
  #cancelSignal(): AbortSignal {
    this.#cancelController ??= new AbortController();
    if (this.#cancelReason !== undefined && !this.#cancelController.signal.aborted) {
      this.#cancelController.abort(new CancelledError(this.#cancelReason ?? undefined));
    }
    return this.#cancelController.signal;
  }

  #cancelSignalTimer(waiter: SignalWaiter): void {
    if (waiter.timerId === undefined || !this.#timers.has(waiter.timerId)) return;
    this.#timers.delete(waiter.timerId);
    this.#timerWaits.delete(waiter.timerId);
    this.#issue({ kind: 'CancelTimer', timerId: waiter.timerId });
  }

  #deliverSignal(name: string, payload: JsonValue): void {
    const waiter = this.#signalWaiters.get(name)?.shift();
    if (waiter) {
      this.#cancelSignalTimer(waiter);
      waiter.resolve(payload);
      return;
    }
    const buffered = this.#signalBuffer.get(name);
    if (buffered) buffered.push(payload);
    else this.#signalBuffer.set(name, [payload]);
  }

  #startTimer(timerId: string, ms: number, cancellable: boolean): Promise<void> {
    if (this.#timers.has(timerId)) {
      return Promise.reject(
        new InvalidArgumentError('timerId', `${JSON.stringify(timerId)} is already running`),
      );
    }
    const fireAt = this.#now + ms;
    const promise = new Promise<void>((resolve, reject) => {
      this.#timers.set(timerId, { resolve, reject, cancellable, fireAt });
    });
    this.#issue({ kind: 'StartTimer', timerId, fireAt });
    return promise; // its callers make it quiet, or catch it themselves
  }

  #guard(cancellable: boolean): void {
    if (cancellable && this.#cancelReason !== undefined)
      throw new CancelledError(this.#cancelReason ?? undefined);
  }

  #logObject: WorkflowLog | undefined;
  /** `ctx.log`, made on first use. */
  get #log(): WorkflowLog {
    this.#logObject ??= {
      debug: this.#logFn('debug'),
      info: this.#logFn('info'),
      warn: this.#logFn('warn'),
      error: this.#logFn('error'),
    };
    return this.#logObject;
  }

  #logFn(level: WorkflowLogLevel): WorkflowLogFn {
    return (first: string | Readonly<Record<string, unknown>>, message?: string) => {
      const sink = this.#init.log;
      if (!sink || this.silent) return;
      const own = typeof first === 'string' ? {} : first;
      const text = typeof first === 'string' ? first : (message ?? '');
      const fields = {
        ...own,
        workflowId: this.workflowId,
        runId: this.runId,
        workflowType: this.workflowType,
      };
      const held = this.#heldLog;
      if (held === undefined) sink(level, text, fields);
      // The shared empty list is never written: the first line makes the run's own.
      else if (held === HOLDING_NO_LINE) this.#heldLog = [[level, text, fields]];
      else held.push([level, text, fields]);
    };
  }

  /**
   * Holds the `ctx.log` lines written from now on until `releaseLog`: the lines of a step that
   * may never be recorded (a new run's first step, recorded with its start) are written once it
   * is, and not at all when the start is abandoned, so an undone start leaves no line.
   */
  holdLog(): void {
    this.#heldLog ??= HOLDING_NO_LINE;
  }

  /** Writes the lines held since `holdLog`, in order; lines are written at once from now on. */
  releaseLog(): void {
    const held = this.#heldLog;
    this.#heldLog = undefined;
    const sink = this.#init.log;
    if (held === undefined || !sink) return;
    for (const [level, text, fields] of held) sink(level, text, fields);
  }

  #context(cancellable: boolean): WorkflowContext {
    return new WorkflowExecution.#Context(this, cancellable);
  }

  /** The `ctx` workflow code gets: one small object per run, its methods shared. */
  static readonly #Context = class Context implements WorkflowContext {
    readonly #execution: WorkflowExecution;
    readonly #cancellable: boolean;

    constructor(execution: WorkflowExecution, cancellable: boolean) {
      this.#execution = execution;
      this.#cancellable = cancellable;
    }

    get workflowId(): WorkflowId {
      return this.#execution.workflowId;
    }

    get runId(): RunId {
      return this.#execution.runId;
    }

    get workflowType(): string {
      return this.#execution.workflowType;
    }

    get cancelled(): AbortSignal {
      return this.#execution.#cancelSignal();
    }

    #attempt<T>(fn: () => Promise<T>): Promise<T> {
      try {
        this.#execution.#guard(this.#cancellable);
        return quiet(fn());
      } catch (error) {
        return quiet(Promise.reject(error));
      }
    }

    activity<I, O>(definition: ActivityDefinition<I, O>, input: I, options?: ActivityOptions): Promise<O> {
      const execution = this.#execution;
      execution.#refuseInQuery('activity');
      // What #attempt does, without its closures: every activity of every run comes through here.
      try {
        execution.#guard(this.#cancellable);
        return execution.#scheduleActivity(definition, input, options, this.#cancellable) as Promise<O>;
      } catch (error) {
        return quiet(Promise.reject(error));
      }
    }

    sleep(duration: Duration, options?: { readonly timerId?: string }): Promise<void> {
      this.#execution.#refuseInQuery('sleep');
      const execution = this.#execution;
      const cancellable = this.#cancellable;
      return this.#attempt(() => {
        const ms = toMs(duration);
        const timerId = options?.timerId ?? `t${++execution.#timerOrdinal}`;
        return execution.#startTimer(timerId, ms, cancellable);
      });
    }

    waitForSignal<T extends JsonValue = JsonValue>(
      name: string,
      options?: { readonly timeout?: Duration },
    ): Promise<T | undefined> {
      this.#execution.#refuseInQuery('waitForSignal');
      const execution = this.#execution;
      const cancellable = this.#cancellable;
      return this.#attempt(() => {
        const buffered = execution.#signalBuffer.get(name);
        if (buffered && buffered.length > 0) return Promise.resolve(buffered.shift() as T);
        const timeoutMs = options?.timeout === undefined ? undefined : toMs(options.timeout);
        return new Promise<T | undefined>((resolve, reject) => {
          const waiter: SignalWaiter = {
            resolve: resolve as (value: JsonValue | undefined) => void,
            reject,
            cancellable,
          };
          const waiters = execution.#signalWaiters.get(name);
          if (waiters) waiters.push(waiter);
          else execution.#signalWaiters.set(name, [waiter]);
          if (timeoutMs !== undefined) {
            const timerId = `t${++execution.#timerOrdinal}`;
            waiter.timerId = timerId;
            execution.#startTimer(timerId, timeoutMs, cancellable).catch(ignore);
            execution.#timerWaits.set(timerId, () => {
              const list = execution.#signalWaiters.get(name) ?? [];
              const index = list.indexOf(waiter);
              if (index >= 0) list.splice(index, 1);
              resolve(undefined);
            });
          }
        });
      });
    }

    signalWorkflow(workflowId: string, name: string, payload: JsonValue = null): Promise<void> {
      this.#execution.#refuseInQuery('signalWorkflow');
      const execution = this.#execution;
      const cancellable = this.#cancellable;
      return this.#attempt(() => {
        if (typeof workflowId !== 'string' || workflowId === '') {
          throw new InvalidArgumentError(
            'ctx.signalWorkflow workflowId',
            `${JSON.stringify(workflowId)} is not an id`,
          );
        }
        const checked = execution.#payload(payload, `signal ${name} payload`);
        const signalId = `s${++execution.#signalOrdinal}`;
        const delivered = new Promise<void>((resolve, reject) => {
          execution.#sentSignals.set(signalId, { resolve, reject, cancellable });
        });
        execution.#issue({
          kind: 'SendSignal',
          signalId,
          targetWorkflowId: asWorkflowId(workflowId),
          signalName: name,
          payload: checked,
        });
        return delivered;
      });
    }

    startChild<I, O>(
      definition: WorkflowDefinition<I, O>,
      input: I,
      options?: ChildOptions,
    ): Promise<ChildHandle<O>> {
      this.#execution.#refuseInQuery('startChild');
      const execution = this.#execution;
      const cancellable = this.#cancellable;
      return this.#attempt(async () => {
        const { childWorkflowId, result } = execution.#startChild(definition, input, options, cancellable);
        return { workflowId: childWorkflowId, result: () => result as Promise<O> };
      });
    }

    child<I, O>(definition: WorkflowDefinition<I, O>, input: I, options?: ChildOptions): Promise<O> {
      this.#execution.#refuseInQuery('child');
      const execution = this.#execution;
      const cancellable = this.#cancellable;
      return this.#attempt(
        () => execution.#startChild(definition, input, options, cancellable).result as Promise<O>,
      );
    }

    continueAsNew(input: JsonValue, options?: { readonly workflowType?: string }): Promise<never> {
      this.#execution.#refuseInQuery('continueAsNew');
      const execution = this.#execution;
      return this.#attempt(async () => {
        throw new ContinueAsNewRequest(
          execution.#payload(input, 'continueAsNew input'),
          options?.workflowType,
        );
      });
    }

    withTimeout<T>(duration: Duration, fn: () => Promise<T>): Promise<T> {
      this.#execution.#refuseInQuery('withTimeout');
      const execution = this.#execution;
      const cancellable = this.#cancellable;
      return this.#attempt(() => {
        const ms = toMs(duration);
        const scopeId = `w${++execution.#timerOrdinal}`;
        const deadline = execution.#startTimer(scopeId, ms, cancellable);
        return new Promise<T>((resolve, reject) => {
          let settled = false;
          deadline.then(
            () => {
              if (settled) return;
              settled = true;
              execution.#issue({ kind: 'CompleteWithTimeout', scopeId, timedOut: true });
              reject(new TimeoutError(ms));
            },
            (error: unknown) => {
              if (settled) return;
              settled = true;
              reject(error);
            },
          );
          const finish = (settle: () => void) => {
            if (settled) return;
            settled = true;
            if (execution.#timers.delete(scopeId))
              execution.#issue({ kind: 'CancelTimer', timerId: scopeId });
            execution.#issue({ kind: 'CompleteWithTimeout', scopeId, timedOut: false });
            settle();
          };
          let inner: Promise<T>;
          try {
            inner = Promise.resolve(fn());
          } catch (error) {
            inner = Promise.reject(error);
          }
          inner.then(
            (value) => finish(() => resolve(value)),
            (error: unknown) => finish(() => reject(error)),
          );
        });
      });
    }

    upsertSearchAttributes(attributes: SearchAttributes): void {
      this.#execution.#refuseInQuery('upsertSearchAttributes');
      const execution = this.#execution;
      const cancellable = this.#cancellable;
      execution.#guard(cancellable);
      const checked = execution.#checkAttributes(attributes);
      execution.#issue({ kind: 'UpsertSearchAttributes', searchAttributes: checked });
    }

    setQueryHandler(name: string, handler: (args: JsonValue) => JsonValue): void {
      const execution = this.#execution;
      if (typeof handler !== 'function')
        throw new InvalidArgumentError(`query handler ${name}`, 'must be a function');
      execution.#queryHandlers.set(name, handler);
    }

    setUpdateHandler<A extends JsonValue = JsonValue, R = JsonValue>(
      name: string,
      handler: (args: A) => Promise<R> | R,
      options?: UpdateHandlerOptions<A>,
    ): void {
      const execution = this.#execution;
      if (typeof name !== 'string' || name === '')
        throw new InvalidArgumentError(
          'update handler name',
          `${JSON.stringify(name)} must be a non-empty string`,
        );
      if (typeof handler !== 'function')
        throw new InvalidArgumentError(`update handler ${name}`, 'must be a function');
      const validator = options?.validator;
      if (validator !== undefined && typeof validator !== 'function')
        throw new InvalidArgumentError(`update validator ${name}`, 'must be a function');
      execution.#updateHandlers.set(name, {
        handler: handler as (args: JsonValue) => unknown,
        ...(validator ? { validator: validator as (args: JsonValue) => void } : {}),
      });
    }

    now(): number {
      return this.#execution.#now;
    }

    patched(patchId: string): boolean {
      return this.#execution.#patch(patchId, false);
    }

    deprecatePatch(patchId: string): void {
      this.#execution.#patch(patchId, true);
    }

    random(): number {
      const execution = this.#execution;
      execution.#refuseInQuery('random');
      return seededRandom(execution.workflowId, execution.runId, execution.#draws++);
    }

    uuid(): string {
      const execution = this.#execution;
      execution.#refuseInQuery('uuid');
      return seededUuid(execution.workflowId, execution.runId, execution.#draws++);
    }

    get log(): WorkflowLog {
      return this.#execution.#log;
    }

    nonCancellable<T>(fn: (shielded: WorkflowContext) => Promise<T>): Promise<T> {
      const execution = this.#execution;
      try {
        return quiet(Promise.resolve(fn(execution.#context(false))));
      } catch (error) {
        return quiet(Promise.reject(error));
      }
    }
  };

  #scheduleActivity(
    definition: ActivityDefinition<never, unknown>,
    input: unknown,
    options: ActivityOptions | undefined,
    cancellable: boolean,
  ): Promise<JsonValue> {
    if (definition?.kind !== 'activity') {
      throw new InvalidArgumentError('ctx.activity', 'expects a definition made by defineActivity');
    }
    if (this.#init.isActivityRegistered?.(definition.name) === false) {
      throw new UnknownActivityError(definition.name);
    }
    const payload = checkPayload(input, activityInputCheck(definition, this.#init.maxPayloadBytes));
    const resolved = executionOptions(definition, options);
    const activityId = `${this.runId}.${++this.#activityOrdinal}`;
    let pending: PendingActivity | undefined;
    const promise = new Promise<JsonValue>((resolve, reject) => {
      pending = { resolve, reject, cancellable, activityType: definition.name, promise: undefined };
    });
    (pending as PendingActivity).promise = promise;
    this.#activities.set(activityId, pending as PendingActivity);
    this.#issue({
      kind: 'ScheduleActivity',
      activityId,
      activityType: definition.name,
      input: payload,
      options: resolved,
    });
    return promise;
  }

  #startChild(
    definition: WorkflowDefinition<never, unknown>,
    input: unknown,
    options: ChildOptions | undefined,
    cancellable: boolean,
  ): { childWorkflowId: WorkflowId; result: Promise<JsonValue> } {
    if (definition?.kind !== 'workflow') {
      throw new InvalidArgumentError('ctx.child', 'expects a definition made by defineWorkflow');
    }
    const childId = `c${++this.#childOrdinal}`;
    // One id rule for every child, checked before the command is recorded: an id the store
    // would refuse fails here, in the parent's code, instead of hanging the parent.
    const childWorkflowId =
      options?.workflowId === undefined
        ? defaultChildWorkflowId(this.workflowId, this.runId, childId)
        : checkWorkflowId(options.workflowId, 'ctx.child workflowId');
    const payload = this.#payload(input, `child ${definition.name} input`);
    const result = quiet(
      new Promise<JsonValue>((resolve, reject) => {
        this.#children.set(childId, { resolve, reject, cancellable, childWorkflowId });
      }),
    );
    const command: Command = {
      kind: 'StartChild',
      childId,
      childWorkflowId,
      workflowType: definition.name,
      input: payload,
      parentClosePolicy: options?.parentClosePolicy ?? 'terminate',
      ...(options?.searchAttributes
        ? { searchAttributes: this.#checkAttributes(options.searchAttributes) }
        : {}),
    };
    this.#issue(command);
    return { childWorkflowId, result };
  }
}
