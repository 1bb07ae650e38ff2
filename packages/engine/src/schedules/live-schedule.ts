import type { ScheduleFireCause, WorkflowId } from '@reprise/core';
import type { Recorder } from '../recorder.js';
import type { ScheduleDefinition } from './definition.js';
import type { OverlapPolicy } from './overlap.js';
import { rememberAction, type ScheduleAction, type ScheduleRecord } from './schedule-record.js';
import { type FireTimes, fireTimes } from './spec.js';

/** A fire that was recorded (`ScheduleTriggered`) and waits for its turn to start. */
export interface WaitingFire {
  readonly fireAt: number;
  readonly cause: ScheduleFireCause;
  readonly workflowId: WorkflowId;
  /** The overlap policy a trigger or backfill gave; absent: the schedule's, as it is now. */
  readonly overlap?: OverlapPolicy;
}

/** An overlap skip not yet recorded: consecutive ones are recorded as one range. */
export interface SkipRange {
  readonly from: number;
  upTo: number;
}

/**
 * A schedule in memory: its recorded state plus what only this process knows (the runs it has
 * open, the fires waiting to start). Every change to it happens inside its recorder's
 * `exclusive`, so the schedule's decisions are taken one at a time and in order.
 */
export class LiveSchedule {
  definition: ScheduleDefinition;
  times: FireTimes;
  paused: boolean;
  note: string | null;
  readonly createdAt: number;
  updatedAt: number;
  cursor: number;
  deleted = false;
  /**
   * Taken fires waiting to start, in the order they will: a trigger's or backfill's fire whose own
   * policy acts on the open runs (cancelOther, terminateOther) first, then the others oldest first.
   */
  readonly waiting: WaitingFire[] = [];
  /** Workflows this schedule started that are still open. */
  readonly open = new Set<WorkflowId>();
  /** Open workflows asked to cancel (cancelOther), so each is asked once. */
  readonly cancelRequested = new Set<WorkflowId>();
  readonly recent: ScheduleAction[];
  /** Overlap skips decided but not yet recorded. */
  skips: SkipRange | undefined;

  constructor(
    readonly scheduleId: string,
    readonly recorder: Recorder,
    record: Omit<ScheduleRecord, 'fired' | 'deleted' | 'scheduleId'>,
  ) {
    this.definition = record.definition;
    this.times = fireTimes(record.definition.spec);
    this.paused = record.paused;
    this.note = record.note;
    this.createdAt = record.createdAt;
    this.updatedAt = record.updatedAt;
    this.cursor = record.cursor;
    this.recent = [...record.recent];
  }

  /** Remembers an action for `describe`. */
  remember(action: ScheduleAction): void {
    rememberAction(this.recent, action);
  }
}
