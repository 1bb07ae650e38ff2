import type { Duration } from './duration.js';
import { InvalidArgumentError } from './errors.js';
import type { ParentClosePolicy, SearchAttributes } from './events.js';
import type { RunId, WorkflowId } from './ids.js';
import type { JsonValue } from './payload.js';
import type { RetryPolicyInput } from './retry.js';

/** What an activity attempt knows about itself. */
export interface ActivityContext {
  /** The workflow that scheduled the activity. */
  readonly workflowId: WorkflowId;
  /** `<runId>.<n>`: the activity's ordinal in its run, the same for every attempt. */
  readonly activityId: string;
  /** The activity's name, as given to `defineActivity`. */
  readonly activityType: string;
  /** 1-based. */
  readonly attempt: number;
  /** `workflowId/activityId`: the same for every attempt, so side effects can be deduplicated. */
  readonly idempotencyKey: string;
  /**
   * Aborted when the attempt times out (start-to-close, schedule-to-close, heartbeat), the
   * workflow is cancelled or terminated or closes while the attempt runs, or the engine shuts down.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress: keeps `details` with the pending activity (not in history, not across a
   * process restart) and resets the `heartbeatTimeout`. Details must be JSON-safe
   * (`PayloadError` otherwise, naming the bad value). A heartbeat after the attempt ended is ignored.
   */
  heartbeat(details?: JsonValue): void;
  /** The details of the last heartbeat of an earlier attempt of this activity, if any: where to resume. */
  readonly heartbeatDetails: JsonValue | undefined;
}

/** How an activity is run: retries and timeouts. */
export interface ActivityOptions {
  /** How failed attempts are retried; Temporal's defaults (`DEFAULT_RETRY_POLICY`) for what is not given. */
  readonly retry?: RetryPolicyInput;
  /** Longest one attempt may take; a timed-out attempt counts as a failure and may be retried. */
  readonly startToCloseTimeout?: Duration;
  /** Longest all attempts together may take, from scheduling; beyond it the activity fails for good. */
  readonly scheduleToCloseTimeout?: Duration;
  /**
   * Longest an attempt may go without `actx.heartbeat()` (counted from its start, then from each
   * heartbeat); one that stops heartbeating fails as timed out and is retried by the policy.
   */
  readonly heartbeatTimeout?: Duration;
}

/** An activity: the place for side effects, run at least once per scheduling. */
export interface ActivityDefinition<I = JsonValue, O = JsonValue> {
  /** Tells an activity definition from a workflow definition. */
  readonly kind: 'activity';
  /** The activity type recorded in history; the engine registers activities by it. */
  readonly name: string;
  /** The activity's code, called once per attempt. */
  readonly run: (input: I, context: ActivityContext) => Promise<O> | O;
  /** Retries and timeouts, as given to `defineActivity`; a call's options override them. */
  readonly options: ActivityOptions;
}

/** Options of `ctx.child` and `ctx.startChild`. */
export interface ChildOptions {
  /** The child's workflow id; `<parentId>.<runId>.c<n>` by default, so replay names the same child. */
  readonly workflowId?: string;
  /** What happens to the child when the parent run closes first; `terminate` by default. */
  readonly parentClosePolicy?: ParentClosePolicy;
  /** The child's search attributes at start. */
  readonly searchAttributes?: SearchAttributes;
}

/** A child workflow started with `ctx.startChild`. */
export interface ChildHandle<O> {
  /** The child's workflow id. */
  readonly workflowId: WorkflowId;
  /** Settles with the child's outcome: its result, or a `ChildWorkflowFailure`. */
  result(): Promise<O>;
}

/** The levels of `ctx.log`, lowest first. */
export type WorkflowLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One level of `ctx.log`, called as pino's methods are: `ctx.log.info('charged')` or
 * `ctx.log.info({ orderId }, 'charged')`.
 */
export interface WorkflowLogFn {
  /** A line with a message only. */
  (message: string): void;
  /** A line with fields of its own (merged with the run's ids) and a message. */
  (fields: Readonly<Record<string, unknown>>, message?: string): void;
}

/**
 * `ctx.log`: logging from workflow code that is silent while the code replays steps it has run
 * before, so each line is written once however often the run is rebuilt. Lines go to the
 * engine's `logger` with the run's `workflowId`, `runId` and `workflowType` among their fields.
 */
export interface WorkflowLog {
  /** Detail for debugging. */
  readonly debug: WorkflowLogFn;
  /** What the workflow did. */
  readonly info: WorkflowLogFn;
  /** Something unusual. */
  readonly warn: WorkflowLogFn;
  /** Something failed. */
  readonly error: WorkflowLogFn;
}

/** Options of `ctx.setUpdateHandler`. */
export interface UpdateHandlerOptions<A extends JsonValue = JsonValue> {
  /** Throws to reject an update before it is recorded; must not change state. */
  readonly validator?: (args: A) => void;
}

/**
 * Everything workflow code may do. Each call is a command, recorded in the run's history; on
 * replay the same calls must come in the same order. Anything else non-deterministic
 * (`Date.now()`, `Math.random()`, I/O) breaks replay.
 */
export interface WorkflowContext {
  /** This workflow's id, the same in every run. */
  readonly workflowId: WorkflowId;
  /** This run's id; a continue-as-new gets a new one. */
  readonly runId: RunId;
  /** This workflow's type, as given to `defineWorkflow`. */
  readonly workflowType: string;
  /** Runs an activity (with its retries) and resolves with its result, or rejects with an `ActivityFailure`. */
  activity<I, O>(definition: ActivityDefinition<I, O>, input: I, options?: ActivityOptions): Promise<O>;
  /** A durable timer: survives restarts; one that fell due while the process was down fires at once. */
  sleep(duration: Duration, options?: { readonly timerId?: string }): Promise<void>;
  /**
   * The next signal of this name (signals are matched by name and occurrence). With a timeout,
   * resolves `undefined` if none arrives in time.
   */
  waitForSignal<T extends JsonValue = JsonValue>(
    name: string,
    options?: { readonly timeout?: Duration },
  ): Promise<T | undefined>;
  /** Sends a signal to another workflow (recorded as SignalSent here, SignalReceived there). */
  signalWorkflow(workflowId: string, name: string, payload?: JsonValue): Promise<void>;
  /** Starts a child workflow and waits for its result. */
  child<I, O>(definition: WorkflowDefinition<I, O>, input: I, options?: ChildOptions): Promise<O>;
  /** Starts a child workflow and returns a handle once it has started. */
  startChild<I, O>(
    definition: WorkflowDefinition<I, O>,
    input: I,
    options?: ChildOptions,
  ): Promise<ChildHandle<O>>;
  /** Ends this run and starts a new one of the same workflow id with `input` (history starts afresh). */
  continueAsNew(input: JsonValue, options?: { readonly workflowType?: string }): Promise<never>;
  /** Runs `fn`, rejecting with a `TimeoutError`-named error if it has not settled within `duration`. */
  withTimeout<T>(duration: Duration, fn: () => Promise<T>): Promise<T>;
  /** Upserts search attributes of this run (`null` removes one); `engine.list` sees them at once. */
  upsertSearchAttributes(attributes: SearchAttributes): void;
  /**
   * Answers `handle.query(name, args)` from live state; the handler must not change state. A
   * `ctx` call that is not read-only (anything but `now()` and `setQueryHandler`) throws, and
   * the query fails with a `QueryNotReadOnlyError`.
   */
  setQueryHandler(name: string, handler: (args: JsonValue) => JsonValue): void;
  /**
   * Handles `handle.executeUpdate(name, args)`. The `validator`, if given, runs first, against the
   * run's state when the update arrives: if it throws, the update is rejected
   * (`UpdateRejectedError`) and nothing is recorded; like a query handler it must not change
   * state (a `ctx` call that is not read-only rejects the update). An accepted update is recorded
   * (`UpdateAccepted`), then `handler` runs as part of the workflow: it may call activities, sleep,
   * wait for signals; its result or error is recorded (`UpdateCompleted`) and given to the caller.
   * Handlers replay like the rest of the code.
   */
  setUpdateHandler<A extends JsonValue = JsonValue, R = JsonValue>(
    name: string,
    handler: (args: A) => Promise<R> | R,
    options?: UpdateHandlerOptions<A>,
  ): void;
  /** The time of the event being applied (epoch ms): the same on replay. */
  now(): number;
  /** A number in [0, 1) drawn from a generator seeded by (workflowId, runId, draw ordinal). */
  random(): number;
  /** A v4-format UUID from the same seeded generator. */
  uuid(): string;
  /**
   * Whether this run takes the new branch of a code change (Temporal's `patched`): a run that
   * reaches the call for the first time records a PatchMarker and gets `true`; a replayed run
   * gets `true` if and only if its history holds that marker at or before the step being
   * replayed (a run started by older code gets `false` and keeps its old path). The answer is
   * given once per run and id: later calls with the same id return it again and record nothing.
   * `patchId` is a non-empty string, else `InvalidArgumentError`.
   */
  patched(patchId: string): boolean;
  /**
   * Declares that every run still open takes the new branch of `patchId`, so the old one can
   * go: records the marker in a run that has not (Temporal's `deprecatePatch`), but a history
   * without the marker replays too. Once no open run predates it, remove the call.
   */
  deprecatePatch(patchId: string): void;
  /** Aborted when cancellation of this run is requested. */
  readonly cancelled: AbortSignal;
  /** Logging that stays silent while the code replays (see {@link WorkflowLog}); records nothing. */
  readonly log: WorkflowLog;
  /**
   * Runs `fn` with a context whose calls cancellation does not reach, for clean-up after a
   * cancel: `await ctx.nonCancellable((safe) => safe.activity(refund, order))`.
   */
  nonCancellable<T>(fn: (shielded: WorkflowContext) => Promise<T>): Promise<T>;
}

/**
 * An error type in `stallOn` / `failOn`: a class (matched with `instanceof`) or a name (matched
 * against the error's `name` and the names of the classes it inherits from).
 */
export type ErrorType = string | (abstract new (...args: never[]) => Error);

/** The errors that stall a run by default: what a bug in workflow code throws. */
export const DEFAULT_STALL_ERROR_TYPES: readonly ErrorType[] = Object.freeze([
  'TypeError',
  'ReferenceError',
  'SyntaxError',
  'RangeError',
]);

/** Options of `defineWorkflow`. */
export interface WorkflowOptions {
  /**
   * Errors thrown by the workflow's own code that are bugs, not outcomes: the run stalls (as on
   * a NonDeterminismError; nothing is recorded but the input of the step that threw) and a
   * build with the fix resumes it. `DEFAULT_STALL_ERROR_TYPES` when not given; `[]` makes every
   * error an outcome. Errors of activities and children reach the code as `ActivityFailure` /
   * `ChildWorkflowFailure`, never as one of these.
   */
  readonly stallOn?: readonly ErrorType[];
  /** Errors that fail the run even when `stallOn` matches them (a `RangeError` thrown on purpose). */
  readonly failOn?: readonly ErrorType[];
  /**
   * Which builds may resume a run of this type: `patch` (default) any build, whose `ctx.patched`
   * calls keep old runs on their branch; `pinned` only an engine whose build id is the one that
   * started the run (others leave it untouched and list it as waiting for its build).
   */
  readonly versioning?: 'patch' | 'pinned';
}

/** A workflow: deterministic code that orchestrates activities, timers, signals and children. */
export interface WorkflowDefinition<I = JsonValue, O = JsonValue> {
  /** Tells a workflow definition from an activity definition. */
  readonly kind: 'workflow';
  /** The workflow type recorded in history; the engine registers workflows by it. */
  readonly name: string;
  /** The workflow's code: deterministic, every effect through `ctx`. */
  readonly run: (ctx: WorkflowContext, input: I) => Promise<O>;
  /** As given to `defineWorkflow` (absent: every default). */
  readonly options?: WorkflowOptions;
}

/** Whether `thrown` is of `type`: an instance of the class, or an error of that name or inheriting from a class of that name. */
export function isErrorOfType(thrown: unknown, type: ErrorType): boolean {
  if (typeof type === 'function') return thrown instanceof type;
  if (typeof thrown !== 'object' || thrown === null) return false;
  if ((thrown as { name?: unknown }).name === type) return true;
  for (let proto = Object.getPrototypeOf(thrown); proto; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, 'constructor') && (proto.constructor as { name?: unknown })?.name === type)
      return true;
  }
  return false;
}

/** Whether workflow code that threw `thrown` stalls its run (a bug) rather than failing it. */
export function stallsRun(thrown: unknown, options: WorkflowOptions | undefined): boolean {
  const stallOn = options?.stallOn ?? DEFAULT_STALL_ERROR_TYPES;
  if (!stallOn.some((type) => isErrorOfType(thrown, type))) return false;
  return !(options?.failOn ?? []).some((type) => isErrorOfType(thrown, type));
}

const checkErrorTypes = (name: string, option: string, types: unknown): void => {
  if (types === undefined) return;
  if (
    !Array.isArray(types) ||
    !types.every((type) => typeof type === 'string' || typeof type === 'function')
  ) {
    throw new InvalidArgumentError(
      `workflow ${name} ${option}`,
      'must be an array of error class names or error classes',
    );
  }
};

const checkName = (what: string, name: unknown): string => {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidArgumentError(`${what} name`, `${JSON.stringify(name)} must be a non-empty string`);
  }
  return name;
};

/** Declares an activity. */
export function defineActivity<I = JsonValue, O = JsonValue>(
  name: string,
  run: (input: I, context: ActivityContext) => Promise<O> | O,
  options: ActivityOptions = {},
): ActivityDefinition<I, O> {
  checkName('activity', name);
  if (typeof run !== 'function') throw new InvalidArgumentError(`activity ${name}`, 'needs a function');
  return Object.freeze({ kind: 'activity', name, run, options });
}

/** Declares a workflow. `options`: which errors are bugs (`stallOn`, `failOn`), and its `versioning`. */
export function defineWorkflow<I = JsonValue, O = JsonValue>(
  name: string,
  run: (ctx: WorkflowContext, input: I) => Promise<O>,
  options?: WorkflowOptions,
): WorkflowDefinition<I, O> {
  checkName('workflow', name);
  if (typeof run !== 'function') throw new InvalidArgumentError(`workflow ${name}`, 'needs a function');
  if (options === undefined) return Object.freeze({ kind: 'workflow', name, run });
  checkErrorTypes(name, 'stallOn', options.stallOn);
  checkErrorTypes(name, 'failOn', options.failOn);
  if (options.versioning !== undefined && options.versioning !== 'patch' && options.versioning !== 'pinned') {
    throw new InvalidArgumentError(
      `workflow ${name} versioning`,
      `${JSON.stringify(options.versioning)} is not 'patch' or 'pinned'`,
    );
  }
  return Object.freeze({ kind: 'workflow', name, run, options: Object.freeze({ ...options }) });
}
