import type { WorkflowEvent } from '@reprise/core';
import { describeEvent } from './timeline.js';

/** An effect recorded twice: the event that recorded it first and the one that did again. */
export interface DuplicateEffect {
  readonly workflowId: string;
  readonly what: string;
  readonly first: WorkflowEvent;
  readonly second: WorkflowEvent;
}

/**
 * What an event records that must happen once, as a key unique within its run (activity ids
 * carry their run id; child ids, timer ids and terminals are per run). `undefined` for events
 * that may legitimately repeat (commands such as SignalSent, started timers under a reused id).
 */
function effectKey(event: WorkflowEvent, timerStarts: Map<string, number>): string | undefined {
  switch (event.type) {
    case 'ActivityScheduled':
      return `the scheduling of activity ${event.activityId}`;
    case 'ActivityCompleted':
      return `the outcome of activity ${event.activityId}`;
    case 'ActivityFailed':
      return event.retryAt === undefined
        ? `the outcome of activity ${event.activityId}`
        : `the failure of attempt ${event.attempt} of activity ${event.activityId}`;
    case 'ChildWorkflowStarted':
      return `the start of child ${event.childId}`;
    case 'ChildWorkflowCompleted':
    case 'ChildWorkflowFailed':
    case 'ChildWorkflowCancelled':
      return `the outcome of child ${event.childId}`;
    case 'TimerStarted':
      timerStarts.set(event.timerId, (timerStarts.get(event.timerId) ?? 0) + 1);
      return undefined;
    case 'TimerFired':
      return `the firing of timer ${event.timerId} (start ${timerStarts.get(event.timerId) ?? 0})`;
    case 'SignalReceived':
      return event.requestId === undefined ? undefined : `signal request ${event.requestId}`;
    case 'WorkflowCancelRequested':
      return 'the cancel request';
    case 'WorkflowCompleted':
    case 'WorkflowFailed':
    case 'WorkflowCancelled':
    case 'WorkflowTerminated':
    case 'WorkflowTimedOut':
    case 'WorkflowContinuedAsNew':
      return "the run's end";
    default:
      return undefined;
  }
}

/**
 * The first effect recorded twice across the given histories: within each run, an activity
 * scheduled or ended, a child started or ended, a timer fired, a cancel request or a terminal
 * event; within each history, a continue-as-new successor started; across histories, a child
 * workflow started for the same (parent run, child id).
 */
export function findDuplicateEffect(
  histories: ReadonlyMap<string, readonly WorkflowEvent[]>,
): DuplicateEffect | undefined {
  const childStarts = new Map<string, WorkflowEvent>();
  for (const [workflowId, history] of histories) {
    let seen = new Map<string, WorkflowEvent>();
    let timerStarts = new Map<string, number>();
    const successors = new Map<string, WorkflowEvent>();
    for (const event of history) {
      if (event.type === 'WorkflowStarted') {
        seen = new Map();
        timerStarts = new Map();
        if (event.parentRunId !== null) {
          const first = successors.get(event.parentRunId);
          if (first)
            return { workflowId, what: `the successor of run ${event.parentRunId}`, first, second: event };
          successors.set(event.parentRunId, event);
        } else if (event.parent) {
          const key = `${event.parent.workflowId}/${event.parent.runId}/${event.parent.childId}`;
          const first = childStarts.get(key);
          if (first) {
            return {
              workflowId,
              what: `the start of child ${event.parent.childId} of run ${event.parent.runId}`,
              first,
              second: event,
            };
          }
          childStarts.set(key, event);
        }
        continue;
      }
      const key = effectKey(event, timerStarts);
      if (key === undefined) continue;
      const first = seen.get(key);
      if (first) return { workflowId, what: key, first, second: event };
      seen.set(key, event);
    }
  }
  return undefined;
}

/** A duplicate as one line. */
export const describeDuplicate = (duplicate: DuplicateEffect): string =>
  `${duplicate.what} was recorded twice in ${JSON.stringify(duplicate.workflowId)}: #${duplicate.first.seq} ${describeEvent(duplicate.first)}, then #${duplicate.second.seq} ${describeEvent(duplicate.second)}`;
