/**
 * What a run in memory knows of the activities it scheduled and has not seen end: enough to
 * tell late or repeated news from news to record, to describe its pending work, and to make the
 * next attempt's task (a retry at its time, or a re-run after replay). Functions over the run's
 * map, so a run with no activity holds none.
 */

import type { ErrorData, EventBody, RunId, WorkflowEvent, WorkflowId } from '@reprise/core';
import { type ActivityExecutionOptions, type Command, LoneEntryMap } from '@reprise/core/internal';
import type { ActivityTask } from './activity-executor.js';

/** An activity the run has scheduled and not yet seen end. */
export interface ActivityState {
  readonly activityType: string;
  readonly options: ActivityExecutionOptions;
  readonly input: ActivityTask['input'];
  readonly scheduledAt: number;
  /** The last attempt that ended, 0 before the first. */
  attemptsEnded: number;
  retryAt?: number;
  /** The last attempt's error, while a retry is pending. */
  lastFailure?: ErrorData;
}

/** The run's activities by id: most runs await one at a time, and its end must not make the map anew. */
export type ActivityStates = LoneEntryMap<ActivityState>;

/** The task of the next attempt of an activity. */
export function nextAttempt(
  run: { readonly workflowId: WorkflowId; readonly runId: RunId },
  activityId: string,
  state: ActivityState,
): ActivityTask {
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    activityId,
    activityType: state.activityType,
    input: state.input,
    options: state.options,
    attempt: state.attemptsEnded + 1,
    scheduledAt: state.scheduledAt,
    ...(state.retryAt === undefined ? {} : { notBefore: state.retryAt }),
  };
}

/** Whether an attempt's end is news the run already has (or an activity it no longer waits on). */
export function staleActivityNews(
  states: ActivityStates | undefined,
  input: EventBody & { type: 'ActivityCompleted' | 'ActivityFailed' },
): boolean {
  const state = states?.get(input.activityId);
  return state === undefined || input.attempt <= state.attemptsEnded;
}

/** Takes a recorded attempt's end: the activity is done, or waits for its retry. */
export function noteActivityEnd(states: ActivityStates | undefined, input: EventBody): void {
  if (input.type === 'ActivityCompleted') states?.delete(input.activityId);
  if (input.type !== 'ActivityFailed') return;
  const state = states?.get(input.activityId);
  if (!state) return;
  if (input.retryAt === undefined) {
    states?.delete(input.activityId);
  } else {
    state.attemptsEnded = input.attempt;
    state.retryAt = input.retryAt;
    state.lastFailure = input.error;
  }
}

/**
 * After replay: the activities the code still waits on (`pendingIds`), as the run's segment
 * records them, with the options of the commands that scheduled them (`matched`).
 */
export function restoreActivityStates(
  segment: readonly WorkflowEvent[],
  matched: readonly Command[],
  pendingIds: readonly string[],
): ActivityStates | undefined {
  if (pendingIds.length === 0) return undefined;
  // Made at the first activity the segment records: a run that just scheduled its first
  // (unrecorded) activity has none.
  let pending: ReadonlySet<string> | undefined;
  let options: Map<string, ActivityExecutionOptions> | undefined;
  let states: ActivityStates | undefined;
  for (const event of segment) {
    if (event.type === 'ActivityScheduled') pending ??= new Set(pendingIds);
    if (event.type === 'ActivityScheduled' && pending?.has(event.activityId)) {
      options ??= scheduledOptions(matched);
      states ??= new LoneEntryMap();
      states.set(event.activityId, {
        activityType: event.activityType,
        input: event.input,
        options: options.get(event.activityId) as ActivityExecutionOptions,
        scheduledAt: event.recordedAt,
        attemptsEnded: 0,
      });
    }
    if (event.type === 'ActivityFailed' && event.retryAt !== undefined) {
      const state = states?.get(event.activityId);
      if (state) {
        state.attemptsEnded = event.attempt;
        state.retryAt = event.retryAt;
        state.lastFailure = event.error;
      }
    }
  }
  return states;
}

/** The options of the activities `commands` schedule, by activity id. */
function scheduledOptions(commands: readonly Command[]): Map<string, ActivityExecutionOptions> {
  const options = new Map<string, ActivityExecutionOptions>();
  for (const command of commands) {
    if (command.kind === 'ScheduleActivity') options.set(command.activityId, command.options);
  }
  return options;
}

/** The last attempt of each activity whose end is among `inputs` (waiting, unrecorded). */
export function attemptsEndedIn(inputs: readonly { readonly body: EventBody }[]): Map<string, number> {
  const ended = new Map<string, number>();
  for (const { body } of inputs) {
    if (body.type === 'ActivityCompleted' || body.type === 'ActivityFailed') {
      ended.set(body.activityId, Math.max(ended.get(body.activityId) ?? 0, body.attempt));
    }
  }
  return ended;
}
