import type {
  EventOf,
  ScheduleFireCause,
  ScheduleSkipReason,
  WorkflowEvent,
  WorkflowId,
} from '@reprise/core';
import { applyChanges, definitionFromRecord, type ScheduleDefinition } from './definition.js';

/** How many of a schedule's latest actions it remembers for `describe`. */
export const RECENT_ACTIONS = 10;

/** One thing a schedule did, as `describe` reports it. */
export type ScheduleAction =
  | {
      readonly kind: 'fired';
      readonly fireAt: number;
      readonly cause: ScheduleFireCause;
      readonly workflowId: WorkflowId;
    }
  | {
      readonly kind: 'skipped';
      readonly from: number;
      readonly upTo: number;
      readonly reason: ScheduleSkipReason;
    };

/** A schedule as its history tells it: the state of its latest lifetime (since its latest create). */
export interface ScheduleRecord {
  readonly scheduleId: string;
  readonly definition: ScheduleDefinition;
  readonly paused: boolean;
  readonly note: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /**
   * The nominal time up to which the spec's fires have been handled (taken or passed over).
   * It starts at the creation time, and a spec change or a resume moves it to that moment:
   * fires of an older spec, or fires due while paused, are never caught up.
   */
  readonly cursor: number;
  readonly deleted: boolean;
  /** Every `ScheduleTriggered` of this lifetime, oldest first. */
  readonly fired: readonly EventOf<'ScheduleTriggered'>[];
  /** The latest actions, oldest first, at most {@link RECENT_ACTIONS}. */
  readonly recent: readonly ScheduleAction[];
}

/** Keeps the latest {@link RECENT_ACTIONS} actions of a list (oldest first). */
export function rememberAction(recent: ScheduleAction[], action: ScheduleAction): void {
  recent.push(action);
  if (recent.length > RECENT_ACTIONS) recent.splice(0, recent.length - RECENT_ACTIONS);
}

/** The action a recorded event stands for, if it stands for one. */
export function actionOfEvent(event: WorkflowEvent): ScheduleAction | undefined {
  if (event.type === 'ScheduleTriggered') {
    return {
      kind: 'fired',
      fireAt: event.fireAt,
      cause: event.cause ?? 'spec',
      workflowId: event.startedWorkflowId,
    };
  }
  if (event.type === 'ScheduleFiresSkipped') {
    return { kind: 'skipped', from: event.from, upTo: event.upTo, reason: event.reason };
  }
  return undefined;
}

/**
 * Folds a schedule's history into its current state; `undefined` when the history holds no
 * `ScheduleCreated`. Pure: recovery and tests use it alike.
 */
export function foldScheduleHistory(history: readonly WorkflowEvent[]): ScheduleRecord | undefined {
  let start = -1;
  for (let index = history.length - 1; index >= 0; index--) {
    if ((history[index] as WorkflowEvent).type === 'ScheduleCreated') {
      start = index;
      break;
    }
  }
  if (start < 0) return undefined;
  const created = history[start] as EventOf<'ScheduleCreated'>;
  let definition = definitionFromRecord(created.spec, created.workflowType, created.input, created.options);
  let paused = false;
  let note: string | null = null;
  let updatedAt = created.recordedAt;
  let cursor = created.recordedAt;
  let deleted = false;
  const fired: EventOf<'ScheduleTriggered'>[] = [];
  const recent: ScheduleAction[] = [];
  for (const event of history.slice(start + 1)) {
    switch (event.type) {
      case 'ScheduleUpdated':
        definition = applyChanges(definition, event.changes);
        updatedAt = event.recordedAt;
        if (event.changes.spec !== undefined) cursor = Math.max(cursor, event.recordedAt);
        break;
      case 'SchedulePaused':
        paused = true;
        note = event.note;
        updatedAt = event.recordedAt;
        break;
      case 'ScheduleResumed':
        paused = false;
        note = event.note;
        updatedAt = event.recordedAt;
        cursor = Math.max(cursor, event.recordedAt);
        break;
      case 'ScheduleDeleted':
        deleted = true;
        updatedAt = event.recordedAt;
        break;
      case 'ScheduleTriggered':
        fired.push(event);
        if ((event.cause ?? 'spec') === 'spec') cursor = Math.max(cursor, event.fireAt);
        rememberAction(recent, actionOfEvent(event) as ScheduleAction);
        break;
      case 'ScheduleFiresSkipped':
        cursor = Math.max(cursor, event.upTo);
        rememberAction(recent, actionOfEvent(event) as ScheduleAction);
        break;
      default:
        break;
    }
  }
  return {
    scheduleId: created.scheduleId,
    definition,
    paused,
    note,
    createdAt: created.recordedAt,
    updatedAt,
    cursor,
    deleted,
    fired,
    recent,
  };
}
