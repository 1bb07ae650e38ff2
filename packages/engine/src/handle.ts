import {
  type CorruptRecord,
  type ErrorData,
  type EventOf,
  type JsonValue,
  projectHistory,
  type RunId,
  runSegment,
  type SearchAttributes,
  type StallCause,
  WorkflowCodeError,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStatus,
  type WorkflowSummary,
} from '@reprise/core';
import type { UpdateOptions } from './run-updates.js';

/**
 * Where a run lives right now: `resident` (its actor and interpreter in memory), `hibernated`
 * (its actor alive, its interpreter let go until input wakes it: `hibernateAfter`) or
 * `suspended` (evicted, no actor: `maxResident`). Both of the latter come back by replay.
 */
export type Residency = 'resident' | 'hibernated' | 'suspended';

/** What `handle.describe()` tells about a workflow's latest run. */
export interface WorkflowDescription {
  /** The workflow id, shared by all of its runs. */
  readonly workflowId: WorkflowId;
  /** The latest run. */
  readonly runId: RunId;
  /** The latest run's workflow type. */
  readonly workflowType: string;
  /** The latest run's status. */
  readonly status: WorkflowStatus;
  /** When the latest run started, epoch ms. */
  readonly startedAt: number;
  /** When the latest run closed, epoch ms; absent while it is open. */
  readonly closedAt?: number;
  /** How many events the workflow's history holds, every run. */
  readonly historyLength: number;
  /** The latest run's search attributes. */
  readonly searchAttributes: SearchAttributes;
  /** The run that continued as new into the latest one, or `null`. */
  readonly parentRunId: RunId | null;
  /** Activities the latest run has scheduled and not seen end (a pending retry counts). */
  readonly pendingActivities: readonly {
    readonly activityId: string;
    readonly activityType: string;
    /** Attempts that have ended (failed) so far. */
    readonly attemptsEnded: number;
    /** When the next attempt is due, while a retry is pending. */
    readonly retryAt?: number;
    /** The last failure of an attempt, while a retry is pending. */
    readonly lastFailure?: ErrorData;
    /** The last `actx.heartbeat` of this activity, kept in memory by the process running it. */
    readonly lastHeartbeat?: { readonly details: JsonValue; readonly at: number };
  }[];
  /** Timers the latest run waits on, with their fire time. */
  readonly pendingTimers: readonly { readonly timerId: string; readonly fireAt: number }[];
  /** Whether the run is in memory now. */
  readonly residency: Residency;
  /** Set while the run is paused (`handle.pause`): its status stays `Running`. */
  readonly paused?: true;
  /** Set when replay diverged from history or the code threw a bug: the run waits for code that matches it. */
  readonly stalled?: StallInfo;
  /** The build id of the engine that started the latest run (absent if none was recorded). */
  readonly buildId?: string;
  /**
   * Set for an open run of a `pinned` workflow type that an engine of another build holds:
   * the build it waits for. Nothing happens to it until an engine of that build runs.
   */
  readonly waitingForBuild?: string;
}

/** The part of a description that the stored summary gives (the rest is the live run's). */
export type SummaryDescription = Pick<
  WorkflowDescription,
  | 'workflowId'
  | 'runId'
  | 'workflowType'
  | 'status'
  | 'startedAt'
  | 'closedAt'
  | 'historyLength'
  | 'searchAttributes'
  | 'parentRunId'
  | 'paused'
  | 'buildId'
>;

/** The fields of a description read from a stored summary. */
export function describeSummary(summary: WorkflowSummary): SummaryDescription {
  return {
    workflowId: summary.workflowId,
    runId: summary.runId,
    workflowType: summary.workflowType,
    status: summary.status,
    startedAt: summary.startedAt,
    ...(summary.closedAt === undefined ? {} : { closedAt: summary.closedAt }),
    historyLength: summary.historyLength,
    searchAttributes: summary.searchAttributes,
    parentRunId: summary.parentRunId,
    ...(summary.paused ? { paused: true as const } : {}),
    ...(summary.buildId === undefined ? {} : { buildId: summary.buildId }),
  };
}

/** What the latest run waits on, as its history shows it. */
export interface PendingWork {
  readonly pendingActivities: WorkflowDescription['pendingActivities'];
  readonly pendingTimers: WorkflowDescription['pendingTimers'];
  readonly pendingChildren: readonly { readonly childId: string; readonly childWorkflowId: string }[];
}

/**
 * The activities, timers and children the latest run (`summary.runId`) has outstanding, read
 * from its history: what `describe` shows of a run whose interpreter is not in memory. Nothing
 * for a closed run.
 */
export function pendingWorkFromHistory(
  summary: WorkflowSummary,
  history: readonly WorkflowEvent[],
): PendingWork {
  if (summary.status !== 'Running') return { pendingActivities: [], pendingTimers: [], pendingChildren: [] };
  const segment = runSegment(history, summary.runId);
  return {
    pendingActivities: openActivities(segment),
    pendingTimers: [...projectHistory(history).timers].map(([timerId, fireAt]) => ({ timerId, fireAt })),
    pendingChildren: openChildStarts(segment).map(({ childId, childWorkflowId }) => ({
      childId,
      childWorkflowId,
    })),
  };
}

/** The activities a run segment scheduled and has not seen end (a retry pending counts). */
export function openActivities(segment: readonly WorkflowEvent[]): WorkflowDescription['pendingActivities'] {
  const activities = new Map<
    string,
    { activityType: string; attemptsEnded: number; retryAt?: number; lastFailure?: ErrorData }
  >();
  for (const event of segment) {
    switch (event.type) {
      case 'ActivityScheduled':
        activities.set(event.activityId, { activityType: event.activityType, attemptsEnded: 0 });
        break;
      case 'ActivityFailed': {
        const state = activities.get(event.activityId);
        if (!state) break;
        if (event.retryAt === undefined) activities.delete(event.activityId);
        else
          activities.set(event.activityId, {
            ...state,
            attemptsEnded: event.attempt,
            retryAt: event.retryAt,
            lastFailure: event.error,
          });
        break;
      }
      case 'ActivityCompleted':
      case 'ActivityCancelled':
        activities.delete(event.activityId);
        break;
    }
  }
  return [...activities].map(([activityId, state]) => ({ activityId, ...state }));
}

/** The children a run segment started and has not seen close, as their ChildWorkflowStarted. */
export function openChildStarts(segment: readonly WorkflowEvent[]): EventOf<'ChildWorkflowStarted'>[] {
  const closed = new Set<string>();
  for (const event of segment) {
    if (
      event.type === 'ChildWorkflowCompleted' ||
      event.type === 'ChildWorkflowFailed' ||
      event.type === 'ChildWorkflowCancelled'
    ) {
      closed.add(event.childId);
    }
  }
  return segment.filter(
    (event): event is EventOf<'ChildWorkflowStarted'> =>
      event.type === 'ChildWorkflowStarted' && !closed.has(event.childId),
  );
}

/**
 * A row of `engine.list()`: the stored summary, with the stall of a run that has one, the
 * damage of a workflow in quarantine (a stored record of it cannot be read), and the build a
 * pinned run waits for.
 */
export type WorkflowListItem = WorkflowSummary & {
  readonly stalled?: StallInfo;
  readonly corrupt?: { readonly key: string; readonly reason: string };
  /** An open run of a `pinned` type started by another build: the build it waits for. */
  readonly waitingForBuild?: string;
};

/** A page of `engine.list()`. */
export interface WorkflowListPage {
  /** The rows, newest workflow first. */
  readonly items: WorkflowListItem[];
  /** Pass as the filter's `cursor` for the next page; absent on the last one. */
  readonly cursor?: string;
  /** Rows the store passed over because their stored value is damaged; absent when none. */
  readonly corrupt?: readonly CorruptRecord[];
}

/** Where a reset goes: an event's seq, or the boundary before the step that scheduled the last activity. */
export type ResetTarget = { readonly toEventSeq: number } | { readonly toLastActivity: true };

/** Options of `handle.reset`: where to (`toEventSeq`, or `toLastActivity: true`) and why. */
export type ResetOptions = ResetTarget & { readonly reason?: string };

/** Options of `engine.fork`. */
export interface ForkOptions {
  /** The last event copied: a workflow-task boundary of one of the source's runs. */
  readonly fromEventSeq: number;
  /** The new workflow's id; made up when absent. */
  readonly workflowId?: string;
}

/** Why an open run is stalled, and where: it waits, unrecorded, for a build that fixes it. */
export interface StallInfo {
  /** The stall's error message: the divergence (position, recorded, asked for) or the bug. */
  readonly reason: string;
  /** The 0-based command where replay diverged, or after which the code threw. */
  readonly position: number;
  /** `nonDeterminism`: replay diverged from history; `bug`: the code threw a bug (see `stallOn`). */
  readonly cause: 'nonDeterminism' | 'bug';
  /** For a bug: what the code threw, with its stack. */
  readonly error?: ErrorData;
}

/** A stalled run, as `engine.stalledRuns()` lists it. */
export interface StalledRun {
  /** The workflow. */
  readonly workflowId: WorkflowId;
  /** Its open run, the stalled one. */
  readonly runId: RunId;
  /** The run's workflow type. */
  readonly workflowType: string;
  /** Why and where it stalled. */
  readonly stalled: StallInfo;
}

/** How a stall is shown to clients. */
export function stallInfo(cause: StallCause): StallInfo {
  return cause instanceof WorkflowCodeError
    ? { reason: cause.message, position: cause.position, cause: 'bug', error: cause.error }
    : { reason: cause.message, position: cause.position, cause: 'nonDeterminism' };
}

/** What `handle.cancel()` found. */
export interface CancelResult {
  /** `Running`: cancellation was requested; anything else: the run had already closed so. */
  readonly status: WorkflowStatus;
}

/** Options of `handle.signal`. */
export interface SignalOptions {
  /** A second signal with the same request id (in the same run) is not recorded again. */
  readonly requestId?: string;
}

/** The operations a handle delegates to its engine. */
export interface HandleOperations {
  result(workflowId: WorkflowId): Promise<JsonValue>;
  signal(workflowId: WorkflowId, name: string, payload: JsonValue, options: SignalOptions): Promise<void>;
  cancel(workflowId: WorkflowId, reason: string | undefined): Promise<CancelResult>;
  terminate(workflowId: WorkflowId, reason: string | undefined): Promise<void>;
  pause(workflowId: WorkflowId, reason: string | undefined): Promise<void>;
  reset(workflowId: WorkflowId, options: ResetOptions): Promise<RunId>;
  resume(workflowId: WorkflowId, reason: string | undefined): Promise<void>;
  executeUpdate(
    workflowId: WorkflowId,
    name: string,
    args: JsonValue,
    options: UpdateOptions,
  ): Promise<JsonValue>;
  describe(workflowId: WorkflowId): Promise<WorkflowDescription>;
  history(workflowId: WorkflowId): Promise<WorkflowEvent[]>;
  query(workflowId: WorkflowId, name: string, args: JsonValue): Promise<JsonValue>;
}

/** A workflow id to act on; it follows the id's runs (continue-as-new included). */
export class WorkflowHandle<O = JsonValue> {
  /** @internal Handles are made by `engine.getHandle` and `engine.start`. */
  constructor(
    /** The workflow id the handle acts on. */
    readonly workflowId: WorkflowId,
    private readonly operations: HandleOperations,
  ) {}

  /**
   * The result of the workflow, following continue-as-new to the last run. Rejects with
   * WorkflowFailedError, WorkflowCancelledError, WorkflowTerminatedError or WorkflowTimedOutError
   * as the run ended.
   */
  result(): Promise<O> {
    return this.operations.result(this.workflowId) as Promise<O>;
  }

  /** Records a signal for the running run (before it is delivered); refuses a closed run with WorkflowClosedError. */
  signal(name: string, payload: JsonValue = null, options: SignalOptions = {}): Promise<void> {
    return this.operations.signal(this.workflowId, name, payload, options);
  }

  /** Asks the running run to cancel; a closed run is left as it is and its status returned. */
  cancel(reason?: string): Promise<CancelResult> {
    return this.operations.cancel(this.workflowId, reason);
  }

  /**
   * Ends the running run at once, recorded as `WorkflowTerminated`: its code runs no clean-up,
   * its activities in flight are aborted, and its children get their `parentClosePolicy`.
   * Resolves once recorded. A run that has already closed is refused with WorkflowClosedError
   * (an unknown id with WorkflowNotFoundError), as Temporal refuses it.
   */
  terminate(reason?: string): Promise<void> {
    return this.operations.terminate(this.workflowId, reason);
  }

  /**
   * Pauses the running run, recorded as `WorkflowPaused`: until `resume`, its code sees nothing
   * new (fired timers, activity results, signals, accepted updates and cancel requests are
   * recorded and held) and no new activity attempt starts (one in flight finishes and is
   * recorded). It stays paused across restarts, shows `paused` in `describe` and `list`, and
   * its status stays `Running`. Pausing a paused run changes nothing; a closed run is refused with
   * WorkflowClosedError. Terminate, cancel (held until resume) and queries still work.
   */
  pause(reason?: string): Promise<void> {
    return this.operations.pause(this.workflowId, reason);
  }

  /**
   * Resumes a paused run, recorded as `WorkflowResumed`: the code takes what was held, in the
   * order it arrived, and held activity attempts start. Resuming a run that is not paused changes
   * nothing; a closed run is refused with WorkflowClosedError.
   */
  resume(reason?: string): Promise<void> {
    return this.operations.resume(this.workflowId, reason);
  }

  /**
   * Resets the workflow to a point of its latest run's history: its open run, if any, is
   * terminated (reason `reset to #<seq>: <reason>`), and a new run of the same workflow id starts
   * whose history copies the old one's up to and including the point (its WorkflowStarted says
   * so in `forkedFrom`); activities whose results lie after the point run again. The point is
   * `toEventSeq`, or with `toLastActivity: true` the boundary before the step that scheduled the
   * run's last activity. A point that is not a workflow-task boundary, is past the end or at the
   * run's end, or whose prefix started a child workflow is refused with InvalidArgumentError.
   * Resolves with this handle, which follows the new run.
   */
  async reset(options: ResetOptions): Promise<WorkflowHandle<O>> {
    await this.operations.reset(this.workflowId, options);
    return this;
  }

  /**
   * Sends an update to the running run and resolves with its handler's result. The run's
   * validator decides first: a rejected update (no handler of that name, or the validator threw)
   * records nothing and rejects with UpdateRejectedError. An accepted update is recorded, its
   * handler runs as part of the workflow (activities, timers and all), and a handler that throws
   * rejects the call with UpdateFailedError. With `updateId`, an update the workflow accepted
   * before is not accepted again: the call waits for its outcome (also from another process,
   * after a crash). A closed run is refused with WorkflowClosedError, also when it closed
   * before the handler finished; an unknown id with WorkflowNotFoundError.
   */
  executeUpdate<R extends JsonValue = JsonValue>(
    name: string,
    args: JsonValue = null,
    options: UpdateOptions = {},
  ): Promise<R> {
    return this.operations.executeUpdate(this.workflowId, name, args, options) as Promise<R>;
  }

  /** Status, timing and pending work of the latest run. */
  describe(): Promise<WorkflowDescription> {
    return this.operations.describe(this.workflowId);
  }

  /** The whole history of the workflow id, every run. */
  history(): Promise<WorkflowEvent[]> {
    return this.operations.history(this.workflowId);
  }

  /** Asks a query handler of the running code; never recorded. */
  query<T extends JsonValue = JsonValue>(name: string, args: JsonValue = null): Promise<T> {
    return this.operations.query(this.workflowId, name, args) as Promise<T>;
  }
}
