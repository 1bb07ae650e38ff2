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
}
