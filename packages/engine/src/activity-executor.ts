import { type Context, context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Clock } from '@reprise/actors';
import {
  type ActivityContext,
  type ActivityDefinition,
  checkPayload,
  type ErrorData,
  type EventBody,
  type JsonValue,
  type RunId,
  UnknownActivityError,
  type WorkflowId,
} from '@reprise/core';
import { type ActivityExecutionOptions, nextRetryDelay, toErrorData } from '@reprise/core/internal';
import type { AttemptTrace, Telemetry } from './telemetry.js';
import type { TimerService } from './timer-service.js';

/** One scheduled activity, as the executor runs it. */
export interface ActivityTask {
  readonly workflowId: WorkflowId;
  readonly runId: RunId;
  readonly activityId: string;
  readonly activityType: string;
  readonly input: JsonValue;
  readonly options: ActivityExecutionOptions;
  /** The attempt to run next (1-based). */
  readonly attempt: number;
  /** When the activity was scheduled: scheduleToCloseTimeout counts from here. */
  readonly scheduledAt: number;
  /** Not before this time (a durable retry backoff). */
  readonly notBefore?: number;
}

/** Where an attempt's end goes: to the run, which records it and decides what follows. */
export type ActivityReport = (task: ActivityTask, outcome: EventBody) => void;

class AttemptTimeout extends Error {
  constructor(
    readonly kind: 'StartToClose' | 'ScheduleToClose' | 'Heartbeat',
    ms: number,
  ) {
    super(
      kind === 'Heartbeat'
        ? `attempt sent no heartbeat for ${ms} ms`
        : `${kind === 'StartToClose' ? 'attempt' : 'activity'} timed out after ${ms} ms`,
    );
    this.name = `${kind}Timeout`;
  }
}

class AttemptCancelled extends Error {}

/** An activity's code, as its definition holds it. */
type ActivityCode = (input: JsonValue, context: ActivityContext) => unknown;

/**
 * One running attempt: what its code sees as `actx`, and how it ends. The AbortSignal is made
 * when the code first reads it (most activities never do, and each costs an EventTarget). It
 * holds its own timer handles and its end's bookkeeping: an attempt is no async frame, and makes
 * no closure but the two that take its code's outcome (and one per timeout it arms).
 */
class Attempt implements ActivityContext {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;
  #ended = false;
  readonly workflowId: WorkflowId;
  readonly activityId: string;
  readonly activityType: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  /** The attempt's timeout timer (start-to-close or schedule-to-close), while armed. */
  timeoutHandle: unknown;
  /** The heartbeat timeout's timer, while armed. */
  heartbeatHandle: unknown;
  /** Its span and metrics (see `telemetry.ts`). */
  traced: AttemptTrace | undefined;
  /** When scheduleToCloseTimeout runs out, if the activity has one. */
  deadline: number | undefined;
  /** The code to call, and the trace context to call it in (calls it traces join the attempt's span). */
  code: ActivityCode | undefined;
  traceContext: Context = ROOT_CONTEXT;

  constructor(
    readonly task: ActivityTask,
    /** The executor's key of the activity. */
    readonly key: string,
    /** The last heartbeat's details from an earlier attempt. */
    readonly heartbeatDetails: JsonValue | undefined,
    private readonly executor: ActivityExecutor,
  ) {
    this.workflowId = task.workflowId;
    this.activityId = task.activityId;
    this.activityType = task.activityType;
    this.attempt = task.attempt;
    this.idempotencyKey = key;
  }

  heartbeat(details: JsonValue = null): void {
    const checked = checkPayload(details, { path: `activity ${this.activityType} heartbeat details` });
    if (this.#ended || this.#aborted) return;
    this.executor.heartbeatOf(this, checked);
  }

  /** Marks the attempt ended (reported, or aborted): false if it had ended already. Later heartbeats are ignored. */
  end(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    return true;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Calls the code (the executor does so a microtask after the attempt starts); its outcome, or an abort, whichever is first, ends the attempt. */
  static call(attempt: Attempt): void {
    let outcome: unknown;
    try {
      outcome = context.with(
        attempt.traceContext,
        attempt.code as ActivityCode,
        undefined,
        attempt.task.input,
        attempt,
      );
    } catch (error) {
      attempt.executor.attemptEnded(attempt, false, error);
      return;
    }
    // The code's promise ends the attempt directly (Promise.resolve returns a native promise as
    // it is): no promise resolved with it in between.
    Promise.resolve(outcome).then(
      (value: unknown) => attempt.executor.attemptEnded(attempt, true, value),
      (error: unknown) => attempt.executor.attemptEnded(attempt, false, error),
    );
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.executor.attemptEnded(this, false, reason);
  }
}

/** An activity's key in the executor: its idempotency key (`workflowId/activityId`), one string per attempt. */
const activityKey = (workflowId: WorkflowId, activityId: string): string => `${workflowId}/${activityId}`;

/** The key of an activity's retry timer: the timer service also holds other kinds of timers. */
const retryTimerKey = (key: string): string => `a:${key}`;

/** An activity's last heartbeat, kept with it (in memory) until it ends. */
export interface Heartbeat {
  readonly details: JsonValue;
  /** Engine clock time of the heartbeat. */
  readonly at: number;
}

/**
 * Runs activity attempts: each with its AbortSignal, attempt number and idempotency key, bounded
 * by its timeouts. It reports each attempt's end (completed, or failed with the time of the
 * next attempt when the policy allows one) and runs nothing further by itself: the run records
 * the report first, then asks for the next attempt, so a pending retry survives a crash.
 */
export class ActivityExecutor {
  readonly #inflight = new Map<string, Attempt>();
  /** Attempts due later (a retry's backoff), by key: what `cancelRun` must also drop. */
  readonly #due = new Map<string, ActivityTask>();
  /** The last heartbeat of each activity that has not ended, by key. */
  readonly #heartbeats = new Map<string, Heartbeat>();
  #progress = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerService,
    private readonly definitions: ReadonlyMap<string, ActivityDefinition<never, unknown>>,
    /** Each attempt's span and metrics (see `telemetry.ts`). */
    private readonly telemetry: Pick<Telemetry, 'attemptStarted' | 'attemptEnded'>,
    private readonly report: ActivityReport,
    /** Takes an attempt that must not start now (its run is paused); true if it took it. */
    private readonly hold: (task: ActivityTask) => boolean = () => false,
  ) {}

  /**
   * Runs the task's attempt now, or at `notBefore`. An attempt of the activity still running
   * (its run was evicted and rebuilt meanwhile) is left to finish and report: it is not run twice.
   */
  start(task: ActivityTask): void {
    const key = activityKey(task.workflowId, task.activityId);
    if (this.#inflight.has(key) || this.hold(task)) return;
    if (task.notBefore !== undefined && task.notBefore > this.clock.now()) {
      this.#due.set(key, task);
      this.timers.arm(retryTimerKey(key), task.notBefore, () => {
        this.#due.delete(key);
        if (!this.hold(task)) this.#attempt(task, key);
      });
      return;
    }
    this.#attempt(task, key);
  }

  /** Aborts the activity's running attempt (or its pending retry); nothing is reported for it. */
  cancel(workflowId: WorkflowId, activityId: string): void {
    const key = activityKey(workflowId, activityId);
    this.timers.disarm(retryTimerKey(key));
    this.#due.delete(key);
    this.#heartbeats.delete(key);
    this.#inflight.get(key)?.abort(new AttemptCancelled('cancelled'));
    this.#inflight.delete(key);
  }

  /**
   * Aborts every attempt of a run that has closed (its AbortSignal fires) and drops its pending
   * retries: whatever closed it (its code returning with activities in flight included).
   */
  cancelRun(workflowId: WorkflowId, runId: RunId): void {
    // No copy of the maps: cancel only deletes the entry at hand, which their iteration allows.
    const prefix = `${runId}.`;
    for (const attempt of this.#inflight.values()) {
      if (attempt.workflowId === workflowId && attempt.activityId.startsWith(prefix))
        this.cancel(workflowId, attempt.activityId);
    }
    for (const task of this.#due.values()) {
      if (task.workflowId === workflowId && task.activityId.startsWith(prefix))
        this.cancel(workflowId, task.activityId);
    }
  }

  /** The last heartbeat of an activity that has not ended, if it sent one. */
  lastHeartbeat(workflowId: WorkflowId, activityId: string): Heartbeat | undefined {
    return this.#heartbeats.get(activityKey(workflowId, activityId));
  }

  /** Aborts every attempt and pending retry (engine shutdown). */
  stop(): void {
    for (const attempt of this.#inflight.values()) attempt.abort(new AttemptCancelled('engine shut down'));
    this.#inflight.clear();
  }

  /** How many attempts are running. */
  get running(): number {
    return this.#inflight.size;
  }

  /** Whether an attempt of the activity is running (not just due later). */
  isRunning(workflowId: WorkflowId, activityId: string): boolean {
    return this.#inflight.has(activityKey(workflowId, activityId));
  }

  /** Counts attempt starts and ends: unchanged while the running attempts wait on something. */
  get progress(): number {
    return this.#progress;
  }

  /** How each activity type's results are checked (the path a PayloadError names), made once per type. */
  readonly #resultChecks = new Map<string, { readonly path: string }>();

  #resultCheck(activityType: string): { readonly path: string } {
    let check = this.#resultChecks.get(activityType);
    if (!check) {
      check = { path: `activity ${activityType} result` };
      this.#resultChecks.set(activityType, check);
    }
    return check;
  }

  /** An attempt's heartbeat: keeps its (checked) details and restarts its heartbeat timeout. */
  heartbeatOf(attempt: Attempt, details: JsonValue): void {
    this.#heartbeats.set(attempt.key, { details, at: this.clock.now() });
    this.#armHeartbeat(attempt);
  }

  #armHeartbeat(attempt: Attempt): void {
    const { heartbeatTimeout } = attempt.task.options;
    if (heartbeatTimeout === undefined) return;
    if (attempt.heartbeatHandle !== undefined) this.clock.clearTimeout(attempt.heartbeatHandle);
    attempt.heartbeatHandle = this.clock.setTimeout(
      () => attempt.abort(new AttemptTimeout('Heartbeat', heartbeatTimeout)),
      heartbeatTimeout,
    );
  }

  /** Arms the nearer of the attempt's two limits (the attempt's own wins a tie), if it has one. */
  #armTimeout(attempt: Attempt, deadline: number | undefined): void {
    const { startToCloseTimeout, scheduleToCloseTimeout } = attempt.task.options;
    const untilDeadline = deadline === undefined ? undefined : Math.max(0, deadline - this.clock.now());
    if (
      startToCloseTimeout !== undefined &&
      !(untilDeadline !== undefined && untilDeadline < startToCloseTimeout)
    ) {
      attempt.timeoutHandle = this.clock.setTimeout(
        () => attempt.abort(new AttemptTimeout('StartToClose', startToCloseTimeout)),
        startToCloseTimeout,
      );
    } else if (untilDeadline !== undefined) {
      attempt.timeoutHandle = this.clock.setTimeout(
        () => attempt.abort(new AttemptTimeout('ScheduleToClose', scheduleToCloseTimeout as number)),
        untilDeadline,
      );
    }
  }

  #attempt(task: ActivityTask, key: string): void {
    const attempt = new Attempt(task, key, this.#heartbeats.get(key)?.details, this);
    attempt.traced = this.telemetry.attemptStarted(task);
    this.#inflight.set(key, attempt);
    this.#progress++;
    this.#armHeartbeat(attempt);
    const { scheduleToCloseTimeout } = task.options;
    attempt.deadline =
      scheduleToCloseTimeout === undefined ? undefined : task.scheduledAt + scheduleToCloseTimeout;
    const definition = this.definitions.get(task.activityType);
    if (!definition) {
      this.attemptEnded(
        attempt,
        false,
        Object.assign(new UnknownActivityError(task.activityType), { nonRetryable: true }),
      );
      return;
    }
    this.#armTimeout(attempt, attempt.deadline);
    attempt.code = definition.run as ActivityCode;
    attempt.traceContext = (attempt.traced as AttemptTrace).context;
    this.#callSoon(attempt);
  }

  /**
   * Attempts started and not called yet: one microtask calls every attempt started before it
   * runs (thousands of runs start theirs in one turn), not one promise job per attempt.
   */
  #toCall: Attempt[] = [];
  #calling: Attempt[] = [];
  #callQueued = false;

  /** Calls the attempt's code after the current microtasks, not within the step that started it. */
  #callSoon(attempt: Attempt): void {
    this.#toCall.push(attempt);
    if (this.#callQueued) return;
    this.#callQueued = true;
    queueMicrotask(this.#callStarted);
  }

  readonly #callStarted = (): void => {
    // The list is swapped first: an attempt started meanwhile waits for the next microtask.
    const calling = this.#toCall;
    this.#toCall = this.#calling;
    this.#calling = calling;
    this.#callQueued = false;
    let failure: { readonly error: unknown } | undefined;
    for (let index = 0; index < calling.length; index++) {
      try {
        Attempt.call(calling[index] as Attempt);
      } catch (error) {
        // What ending an attempt threw does not keep the others from running; it is thrown after.
        failure ??= { error };
      }
    }
    calling.length = 0;
    if (failure) throw failure.error;
  };

  /**
   * An attempt's end, the first one only: its code's outcome (`completed`: its result), a throw,
   * or an abort (a timeout, a cancellation). Reports it, unless the activity was cancelled.
   */
  attemptEnded(attempt: Attempt, completed: boolean, value: unknown): void {
    if (!attempt.end()) return;
    if (attempt.timeoutHandle !== undefined) this.clock.clearTimeout(attempt.timeoutHandle);
    if (attempt.heartbeatHandle !== undefined) this.clock.clearTimeout(attempt.heartbeatHandle);
    if (this.#inflight.get(attempt.key) === attempt) this.#inflight.delete(attempt.key);
    this.#progress++;
    const { task } = attempt;
    const traced = attempt.traced as AttemptTrace;
    if (!completed && (value instanceof AttemptCancelled || attempt.reason instanceof AttemptCancelled)) {
      this.telemetry.attemptEnded(traced, task, 'cancelled');
      return;
    }
    let outcome: EventBody | undefined;
    if (completed) {
      try {
        outcome = {
          type: 'ActivityCompleted',
          activityId: task.activityId,
          attempt: task.attempt,
          result: checkPayload(value, this.#resultCheck(task.activityType)),
        };
      } catch (error) {
        value = Object.assign(error as Error, { nonRetryable: true });
      }
    }
    outcome ??= this.#failure(task, toErrorData(value), attempt.deadline, value);
    this.telemetry.attemptEnded(traced, task, outcome);
    // The activity has ended unless a retry follows: its heartbeats go with it.
    if (outcome.type !== 'ActivityFailed' || outcome.retryAt === undefined)
      this.#heartbeats.delete(attempt.key);
    this.report(task, outcome);
  }

  #failure(task: ActivityTask, error: ErrorData, deadline: number | undefined, thrown: unknown): EventBody {
    const final = {
      type: 'ActivityFailed',
      activityId: task.activityId,
      attempt: task.attempt,
      error,
    } as const;
    if (thrown instanceof AttemptTimeout && thrown.kind === 'ScheduleToClose') return final;
    const delay = nextRetryDelay(task.options.retry, task.attempt, error);
    if (delay === undefined) return final;
    const retryAt = this.clock.now() + delay;
    if (deadline !== undefined && retryAt >= deadline) return final;
    return { ...final, retryAt };
  }
}
