import type {
  JsonValue,
  ScheduleFireCause,
  ScheduleSkipReason,
  ScheduleSpec,
  SearchAttributes,
  WorkflowId,
  WorkflowStatus,
} from '@reprise/core';
import type { CatchUpPolicy } from './catch-up.js';
import type { OverlapPolicy } from './overlap.js';

/** One row of `engine.schedules.list()`. */
export interface ScheduleSummary {
  /** The schedule's id. */
  readonly scheduleId: string;
  /** When it fires, as stored. */
  readonly spec: ScheduleSpec;
  /** The workflow type it starts. */
  readonly workflowType: string;
  /** Whether it is paused. */
  readonly paused: boolean;
  /** The next fire of the spec; absent while paused or when the spec fires no more. */
  readonly nextFireAt?: number;
}

/**
 * A recent action of a schedule. A fire's `status` is its workflow's (`Waiting` while the fire
 * waits for its turn under a buffering policy; `NotStarted` if the start failed, see the log).
 */
export type ScheduleActionView =
  | {
      readonly kind: 'fired';
      readonly fireAt: number;
      readonly cause: ScheduleFireCause;
      readonly workflowId: WorkflowId;
      readonly status: WorkflowStatus | 'Waiting' | 'NotStarted';
    }
  | {
      readonly kind: 'skipped';
      readonly from: number;
      readonly upTo: number;
      readonly reason: ScheduleSkipReason;
    };

/** What `engine.schedules.describe(id)` tells. */
export interface ScheduleDescription extends ScheduleSummary {
  /** The input of the workflows it starts. */
  readonly input: JsonValue;
  /** The search attributes of the workflows it starts. */
  readonly searchAttributes?: SearchAttributes;
  /** Its overlap policy. */
  readonly overlap: OverlapPolicy;
  /** Its catch-up policy. */
  readonly catchUp: CatchUpPolicy;
  /** In ms. */
  readonly catchUpWindow: number;
  /** The note of the latest pause or resume. */
  readonly note: string | null;
  /** When it was created, epoch ms. */
  readonly createdAt: number;
  /** When it last changed, epoch ms. */
  readonly updatedAt: number;
  /** The next fires of the spec (up to five), empty while paused. */
  readonly nextFireTimes: readonly number[];
  /** Workflows the schedule started that are still open. */
  readonly openWorkflows: readonly WorkflowId[];
  /** Fires taken and waiting for their turn to start, in the order they will start. */
  readonly waiting: readonly { readonly fireAt: number; readonly workflowId: WorkflowId }[];
  /** The latest actions (at most ten), oldest first. */
  readonly recentActions: readonly ScheduleActionView[];
}

/** What `trigger` did: started a workflow, took the fire to start later, or passed it over (overlap). */
export type TriggerResult =
  | { readonly outcome: 'started' | 'waiting'; readonly workflowId: WorkflowId }
  | { readonly outcome: 'skipped' };

/** What `backfill` did with the fires of its range. */
export interface BackfillResult {
  /** Fires whose workflow started. */
  readonly started: number;
  /** Fires taken, waiting to start after the open run closes. */
  readonly waiting: number;
  /** Fires passed over by the overlap policy. */
  readonly skipped: number;
  /** Fires whose workflow had been started already (by the schedule or an earlier backfill). */
  readonly alreadyStarted: number;
}
