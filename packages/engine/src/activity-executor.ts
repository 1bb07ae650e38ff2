import type { Clock } from '@reprise/actors';
import {
  type ActivityDefinition,
  type ActivityExecutionOptions,
  checkPayload,
  type ErrorData,
  type EventBody,
  type JsonValue,
  nextRetryDelay,
  type RunId,
  toErrorData,
  UnknownActivityError,
  type WorkflowId,
} from '@reprise/core';
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
    readonly kind: 'StartToClose' | 'ScheduleToClose',
    ms: number,
  ) {
    super(`${kind === 'StartToClose' ? 'attempt' : 'activity'} timed out after ${ms} ms`);
    this.name = `${kind}Timeout`;
  }
}

class AttemptCancelled extends Error {}

const taskKey = (task: Pick<ActivityTask, 'workflowId' | 'activityId'>) =>
  `a:${task.workflowId}/${task.activityId}`;

/**
 * Runs activity attempts: each with its AbortSignal, attempt number and idempotency key, bounded
 * by its timeouts. It reports each attempt's end (completed, or failed with the time of the
 * next attempt when the policy allows one) and runs nothing further by itself: the run records
 * the report first, then asks for the next attempt, so a pending retry survives a crash.
 */
export class ActivityExecutor {
  readonly #inflight = new Map<string, AbortController>();
  #progress = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerService,
    private readonly definitions: ReadonlyMap<string, ActivityDefinition<never, unknown>>,
    private readonly report: ActivityReport,
  ) {}

  /**
   * Runs the task's attempt now, or at `notBefore`. An attempt of the activity still running
   * (its run was evicted and rebuilt meanwhile) is left to finish and report: it is not run twice.
   */
  start(task: ActivityTask): void {
    const key = taskKey(task);
    if (this.#inflight.has(key)) return;
    if (task.notBefore !== undefined && task.notBefore > this.clock.now()) {
      this.timers.arm(key, task.notBefore, () => void this.#attempt(task));
      return;
    }
    void this.#attempt(task);
  }

  /** Aborts the activity's running attempt (or its pending retry); nothing is reported for it. */
  cancel(workflowId: WorkflowId, activityId: string): void {
    const key = taskKey({ workflowId, activityId });
    this.timers.disarm(key);
    this.#inflight.get(key)?.abort(new AttemptCancelled('cancelled'));
    this.#inflight.delete(key);
  }

  /** Aborts every attempt and pending retry (engine shutdown). */
  stop(): void {
    for (const controller of this.#inflight.values())
      controller.abort(new AttemptCancelled('engine shut down'));
    this.#inflight.clear();
  }

  /** How many attempts are running. */
  get running(): number {
    return this.#inflight.size;
  }

  /** Counts attempt starts and ends: unchanged while the running attempts wait on something. */
  get progress(): number {
    return this.#progress;
  }

  async #attempt(task: ActivityTask): Promise<void> {
    const key = taskKey(task);
    const controller = new AbortController();
    this.#inflight.set(key, controller);
    this.#progress++;
    const startedAt = this.clock.now();
    const { startToCloseTimeout, scheduleToCloseTimeout } = task.options;
    const deadline =
      scheduleToCloseTimeout === undefined ? undefined : task.scheduledAt + scheduleToCloseTimeout;
    let timeoutHandle: unknown;
    const limits: [number, AttemptTimeout][] = [];
    if (startToCloseTimeout !== undefined) {
      limits.push([startToCloseTimeout, new AttemptTimeout('StartToClose', startToCloseTimeout)]);
    }
    if (deadline !== undefined) {
      limits.push([
        Math.max(0, deadline - startedAt),
        new AttemptTimeout('ScheduleToClose', scheduleToCloseTimeout as number),
      ]);
    }
    const nearest = limits.sort((a, b) => a[0] - b[0])[0];
    let outcome: EventBody;
    try {
      const definition = this.definitions.get(task.activityType);
      if (!definition)
        throw Object.assign(new UnknownActivityError(task.activityType), { nonRetryable: true });
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => undefined);
      if (nearest) timeoutHandle = this.clock.setTimeout(() => controller.abort(nearest[1]), nearest[0]);
      const result = await Promise.race([
        Promise.resolve().then(() =>
          (definition.run as (input: JsonValue, context: unknown) => unknown)(task.input, {
            workflowId: task.workflowId,
            activityId: task.activityId,
            activityType: task.activityType,
            attempt: task.attempt,
            idempotencyKey: `${task.workflowId}/${task.activityId}`,
            signal: controller.signal,
          }),
        ),
        aborted,
      ]);
      let checked: JsonValue;
      try {
        checked = checkPayload(result, { path: `activity ${task.activityType} result` });
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
      if (thrown instanceof AttemptCancelled || controller.signal.reason instanceof AttemptCancelled) return;
      outcome = this.#failure(task, toErrorData(thrown), deadline, thrown);
    } finally {
      if (timeoutHandle !== undefined) this.clock.clearTimeout(timeoutHandle);
      if (this.#inflight.get(key) === controller) this.#inflight.delete(key);
      this.#progress++;
    }
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
