/**
 * What the UI reads and acts through: a `UiSource`. `engineSource` wraps an engine in this
 * process (everything, live); `storeSource` reads a store alone (no supervision tree, no
 * schedules, actions only where the caller hands some over, as `reprise ui` does with a
 * worker's control socket). The server knows nothing else of where runs live.
 */
import type { JsonValue, VisibilityFilter, WorkflowEvent, WorkflowStatus } from '@reprise/core';
import type {
  ScheduleDescription,
  ScheduleSummary,
  SupervisionTree,
  WorkflowDescription,
} from '@reprise/engine';

/** One row of the runs table. */
export interface UiRunRow {
  /** The workflow id. */
  readonly workflowId: string;
  /** Its latest run. */
  readonly runId: string;
  /** The latest run's workflow type. */
  readonly workflowType: string;
  /** The latest run's status. */
  readonly status: WorkflowStatus;
  /** When the latest run started, epoch ms. */
  readonly startedAt: number;
  /** When it closed, epoch ms; absent while open. */
  readonly closedAt?: number;
  /** The latest run's search attributes. */
  readonly searchAttributes: Readonly<Record<string, JsonValue>>;
  /** The build that started the run, where the engine records one. */
  readonly buildId?: string;
  /** Set while the run is paused (its status stays `Running`). */
  readonly paused?: true;
}

/** A description of a workflow's latest run: the engine's own, whichever source gave it. */
export type UiRunDescription = Omit<WorkflowDescription, 'residency'> & {
  /** Where the run lives; absent when the source has no engine to ask (a store read alone). */
  readonly residency?: WorkflowDescription['residency'];
};

/** Schedules as the UI shows and changes them. */
export interface UiSchedules {
  /** Every schedule. */
  list(): Promise<readonly ScheduleSummary[]>;
  /** One schedule with its next fires and recent actions. */
  describe(scheduleId: string): Promise<ScheduleDescription>;
  /** Pauses it. */
  pause(scheduleId: string): Promise<void>;
  /** Resumes it. */
  resume(scheduleId: string): Promise<void>;
}

/** Where the UI reads runs from and sends its actions to. */
export interface UiSource {
  /** Says in a few words what the UI looks at (shown in its header). */
  readonly label: string;
  /** A page of runs, newest first. */
  list(filter: VisibilityFilter): Promise<{ readonly items: readonly UiRunRow[]; readonly cursor?: string }>;
  /** How many runs match. */
  count(filter: VisibilityFilter): Promise<number>;
  /** The latest run of a workflow id (WorkflowNotFoundError for an unknown one). */
  describe(workflowId: string): Promise<UiRunDescription>;
  /** Every event of the workflow id, every run. */
  history(workflowId: string): Promise<readonly WorkflowEvent[]>;
  /** The live supervision tree; absent without an engine in this process. */
  supervisionTree?(): SupervisionTree;
  /** Schedules; absent without an engine to run them. */
  readonly schedules?: UiSchedules;
  /** Sends a signal; absent when the UI may not change runs. */
  signal?(workflowId: string, name: string, payload: JsonValue): Promise<void>;
  /** Asks a run to cancel; absent when the UI may not change runs. */
  cancel?(workflowId: string, reason: string): Promise<void>;
  /** Ends a run at once, recorded as WorkflowTerminated; absent when the UI may not change runs. */
  terminate?(workflowId: string, reason: string): Promise<void>;
  /** Pauses a run (`handle.pause`); absent when the UI may not change runs. */
  pause?(workflowId: string, reason: string): Promise<void>;
  /** Resumes a paused run (`handle.resume`); absent when the UI may not change runs. */
  resume?(workflowId: string, reason: string): Promise<void>;
  /** Sends an update and resolves with its result (`handle.executeUpdate`); absent when the UI may not change runs. */
  update?(workflowId: string, name: string, args: JsonValue): Promise<JsonValue>;
  /** Resets a workflow to an event of its latest run (`handle.reset`); resolves with the new run. */
  reset?(workflowId: string, options: UiResetOptions): Promise<UiNewRun>;
  /**
   * Why the actions cannot be carried out right now (say, no worker runs on the data
   * directory), or `undefined` when they can; absent when they always can.
   */
  actionsUnavailable?(): Promise<string | undefined>;
}

/** Where a reset from the UI goes, and why. */
export interface UiResetOptions {
  /** The event of the latest run to reset to (a workflow-task boundary). */
  readonly toEventSeq: number;
  /** Why, recorded on the terminated run. */
  readonly reason: string;
}

/** The run a reset started. */
export interface UiNewRun {
  /** The workflow id (a reset keeps it). */
  readonly workflowId: string;
  /** The new run. */
  readonly runId: string;
}
