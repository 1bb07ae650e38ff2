import { asWorkflowId, type WorkflowId } from '@reprise/core';

/** The history that lists every schedule id (`ScheduleListed` / `ScheduleUnlisted`). */
export const CATALOG_HISTORY_ID: WorkflowId = asWorkflowId('schedules:catalog');

/** The history that holds a schedule's state as Schedule* events. */
export const scheduleHistoryId = (scheduleId: string): WorkflowId => asWorkflowId(`schedule:${scheduleId}`);

/**
 * The id of the workflow a fire of the spec (or a backfill) starts: the schedule id and the
 * nominal fire time, so the same fire always names the same workflow and starts it at most once.
 */
export const firedWorkflowId = (scheduleId: string, fireAt: number): WorkflowId =>
  asWorkflowId(`${scheduleId}@${new Date(fireAt).toISOString()}`);

/**
 * The id of the workflow `trigger` starts: the time and the seq of its `ScheduleTriggered` in the
 * schedule's history, so two triggers in the same millisecond still start two workflows.
 */
export const triggeredWorkflowId = (scheduleId: string, at: number, seq: number): WorkflowId =>
  asWorkflowId(`${scheduleId}@${new Date(at).toISOString()}#${seq}`);
