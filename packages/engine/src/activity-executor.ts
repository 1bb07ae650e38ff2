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
import type { Telemetry } from './telemetry.js';
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
 * One running attempt: what its code sees as `actx`, and how it is aborted. The AbortSignal is
 * made when the code first reads it (most activities never do, and each costs an EventTarget).
 * It holds its own timer handles: an attempt makes no closure unless it has a timeout to arm.
 */
class Attempt implements ActivityContext {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;
  #reject: ((reason: unknown) => void) | undefined;
  #ended = false;
  #code: ActivityCode | undefined;
  #traceContext: Context = ROOT_CONTEXT;
  readonly workflowId: WorkflowId;
  readonly activityId: string;
  readonly activityType: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  /** The attempt's timeout timer (start-to-close or schedule-to-close), while armed. */
  timeoutHandle: unknown;
  /** The heartbeat timeout's timer, while armed. */
  heartbeatHandle: unknown;

  constructor(
    readonly task: ActivityTask,
    /** The executor's key of the activity. */
    readonly key: string,
    /** The last heartbeat's details from an earlier attempt. */
    readonly heartbeatDetails: JsonValue | undefined,
    /** Keeps a heartbeat's (checked) details; resets the heartbeat timeout. */
    private readonly onHeartbeat: (attempt: Attempt, details: JsonValue) => void,
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
    this.onHeartbeat(this, checked);
  }

  /** The attempt has reported (or been aborted): later heartbeats are ignored. */
  end(): void {
    this.#ended = true;
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

  /**
   * Runs the attempt's code, in `traceContext` (calls it traces join the attempt's span), after
   * the current microtasks; an abort settles the attempt at once, whatever the code does.
   */
  run(code: ActivityCode, traceContext: Context): Promise<unknown> {
    this.#code = code;
    this.#traceContext = traceContext;
    return new Promise((resolve, reject) => {
      this.#reject = reject;
      if (this.#aborted) reject(this.#reason);
      else Promise.resolve(this).then(Attempt.#call).then(resolve, reject);
    });
  }

  static #call(attempt: Attempt): unknown {
    return context.with(
      attempt.#traceContext,
      attempt.#code as ActivityCode,
      undefined,
      attempt.task.input,
      attempt,
    );
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#reject?.(reason);
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
        if (!this.hold(task)) void this.#attempt(task);
      });
      return;
    }
    void this.#attempt(task);
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

  /** Keeps a heartbeat's details and restarts the attempt's heartbeat timeout: one function for every attempt. */
  readonly #heartbeat = (attempt: Attempt, details: JsonValue): void => {
    this.#heartbeats.set(attempt.key, { details, at: this.clock.now() });
    this.#armHeartbeat(attempt);
  };

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

  async #attempt(task: ActivityTask): Promise<void> {
    const key = activityKey(task.workflowId, task.activityId);
    const attempt = new Attempt(task, key, this.#heartbeats.get(key)?.details, this.#heartbeat);
    const traced = this.telemetry.attemptStarted(task);
    this.#inflight.set(key, attempt);
    this.#progress++;
    this.#armHeartbeat(attempt);
    const { scheduleToCloseTimeout } = task.options;
    const deadline =
      scheduleToCloseTimeout === undefined ? undefined : task.scheduledAt + scheduleToCloseTimeout;
    let outcome: EventBody;
    try {
      const definition = this.definitions.get(task.activityType);
      if (!definition)
        throw Object.assign(new UnknownActivityError(task.activityType), { nonRetryable: true });
      this.#armTimeout(attempt, deadline);
      // The activity's code runs in its attempt's span: calls it traces join the trace.
      const result = await attempt.run(definition.run as ActivityCode, traced.context);
      let checked: JsonValue;
      try {
        checked = checkPayload(result, this.#resultCheck(task.activityType));
      } catch (error) {
        throw Object.assign(error as Error, { nonRetryable: true });
      }
      outcome = {
        type: 'ActivityCompleted',
        activityId: task.activityId,
        attempt: task.attempt,
        result: checked,
      };
    } catch (thrown) {
      if (thrown instanceof AttemptCancelled || attempt.reason instanceof AttemptCancelled) {
        this.telemetry.attemptEnded(traced, task, 'cancelled');
        return;
      }
      outcome = this.#failure(task, toErrorData(thrown), deadline, thrown);
    } finally {
      attempt.end();
      if (attempt.timeoutHandle !== undefined) this.clock.clearTimeout(attempt.timeoutHandle);
      if (attempt.heartbeatHandle !== undefined) this.clock.clearTimeout(attempt.heartbeatHandle);
      if (this.#inflight.get(key) === attempt) this.#inflight.delete(key);
      this.#progress++;
    }
    this.telemetry.attemptEnded(traced, task, outcome);
    // The activity has ended unless a retry follows: its heartbeats go with it.
    if (outcome.type !== 'ActivityFailed' || outcome.retryAt === undefined) this.#heartbeats.delete(key);
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
