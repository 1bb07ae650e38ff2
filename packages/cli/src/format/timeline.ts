import type { ErrorData, WorkflowEvent } from '@reprise/core';
import { formatDuration, formatTimestamp, preview } from './time.js';

const errorLine = (error: ErrorData) => `${error.name}: ${error.message}`;

/**
 * A history as a timeline people can read: one line per event, grouped by run, each with its
 * offset from the run's start, and the durations that matter (an activity from scheduling to
 * its outcome and per attempt, a timer from start to fire, a child from start to outcome, the
 * run from start to close).
 */
export function renderTimeline(history: readonly WorkflowEvent[]): string {
  const lines: string[] = [];
  let runStart = 0;
  let runId = '';
  // Activity and child ids are `<runId>.<ordinal>`: within a run's timeline the ordinal says it.
  const short = (id: string) => (id.startsWith(`${runId}.`) ? id.slice(runId.length + 1) : id);
  const since = new Map<string, number>();
  const names = new Map<string, string>();
  const seqWidth = String(history.at(-1)?.seq ?? 0).length + 1;
  const push = (event: WorkflowEvent, text: string) =>
    lines.push(
      `  ${`+${formatDuration(event.recordedAt - runStart)}`.padStart(10)}  ${`#${event.seq}`.padStart(seqWidth)}  ${text}`,
    );
  const took = (key: string, event: WorkflowEvent) => {
    const start = since.get(key);
    return start === undefined ? '' : ` after ${formatDuration(event.recordedAt - start)}`;
  };
  for (const event of history) {
    switch (event.type) {
      case 'WorkflowStarted': {
        runStart = event.recordedAt;
        runId = event.runId;
        since.clear();
        names.clear();
        if (lines.length > 0) lines.push('');
        const how = event.parentRunId
          ? `continues run ${event.parentRunId}`
          : event.parent
            ? `child ${event.parent.childId} of ${event.parent.workflowId}`
            : 'started';
        lines.push(
          `run ${event.runId} · ${event.workflowType} · ${how} · ${formatTimestamp(event.recordedAt)}`,
        );
        push(event, `started with input ${preview(event.input)}`);
        break;
      }
      case 'WorkflowCompleted':
        push(event, `completed in ${formatDuration(event.recordedAt - runStart)} → ${preview(event.result)}`);
        break;
      case 'WorkflowFailed':
        push(event, `failed after ${formatDuration(event.recordedAt - runStart)}: ${errorLine(event.error)}`);
        break;
      case 'WorkflowCancelled':
        push(
          event,
          `cancelled after ${formatDuration(event.recordedAt - runStart)}${event.reason ? ` (${event.reason})` : ''}`,
        );
        break;
      case 'WorkflowTimedOut':
        push(event, `timed out after ${formatDuration(event.timeout.afterMs)}`);
        break;
      case 'WorkflowContinuedAsNew':
        push(
          event,
          `continued as new${event.workflowType ? ` as ${event.workflowType}` : ''} with ${preview(event.input)}`,
        );
        break;
      case 'WorkflowCancelRequested':
        push(event, `cancellation requested${event.reason ? ` (${event.reason})` : ''}`);
        break;
      case 'SearchAttributesUpdated':
        push(event, `search attributes ${preview(event.searchAttributes)}`);
        break;
      case 'ActivityScheduled':
        since.set(`a:${short(event.activityId)}`, event.recordedAt);
        since.set(`a:${short(event.activityId)}#1`, event.recordedAt);
        names.set(event.activityId, event.activityType);
        push(
          event,
          `activity ${short(event.activityId)} ${event.activityType} scheduled with ${preview(event.input, 40)}`,
        );
        break;
      case 'ActivityFailed': {
        const retry =
          event.retryAt === undefined
            ? 'no more retries'
            : `retry in ${formatDuration(event.retryAt - event.recordedAt)}`;
        push(
          event,
          `activity ${short(event.activityId)} ${names.get(event.activityId) ?? ''} attempt ${event.attempt} failed${took(`a:${short(event.activityId)}#${event.attempt}`, event)}: ${errorLine(event.error)}; ${retry}`,
        );
        // No event records an attempt's start: the next attempt is taken to start when it was due.
        if (event.retryAt !== undefined)
          since.set(`a:${short(event.activityId)}#${event.attempt + 1}`, event.retryAt);
        break;
      }
      case 'ActivityCompleted':
        push(
          event,
          `activity ${short(event.activityId)} ${names.get(event.activityId) ?? ''} completed${took(`a:${short(event.activityId)}`, event)} (attempt ${event.attempt}) → ${preview(event.result, 40)}`,
        );
        break;
      case 'ActivityCancelled':
        push(
          event,
          `activity ${short(event.activityId)} ${names.get(event.activityId) ?? ''} cancelled${took(`a:${short(event.activityId)}`, event)}`,
        );
        break;
      case 'TimerStarted':
        since.set(`t:${event.timerId}`, event.recordedAt);
        push(
          event,
          `timer ${event.timerId} started, due in ${formatDuration(event.fireAt - event.recordedAt)}`,
        );
        break;
      case 'TimerFired':
        push(event, `timer ${event.timerId} fired${took(`t:${event.timerId}`, event)}`);
        break;
      case 'TimerCancelled':
        push(event, `timer ${event.timerId} cancelled${took(`t:${event.timerId}`, event)}`);
        break;
      case 'WithTimeoutCompleted':
        push(event, `withTimeout ${event.scopeId} ${event.timedOut ? 'timed out' : 'finished in time'}`);
        break;
      case 'SignalReceived':
        push(event, `signal ${event.signalName} received ${preview(event.payload, 40)}`);
        break;
      case 'SignalSent':
        push(
          event,
          `signal ${event.signalName} sent to ${event.targetWorkflowId} ${preview(event.payload, 40)}`,
        );
        break;
      case 'ChildWorkflowStarted':
        since.set(`c:${event.childId}`, event.recordedAt);
        push(
          event,
          `child ${short(event.childId)} ${event.workflowType} started as ${event.childWorkflowId}`,
        );
        break;
      case 'ChildWorkflowCompleted':
        push(
          event,
          `child ${short(event.childId)} ${event.childWorkflowId} completed${took(`c:${event.childId}`, event)} → ${preview(event.result, 40)}`,
        );
        break;
      case 'ChildWorkflowFailed':
        push(
          event,
          `child ${short(event.childId)} ${event.childWorkflowId} failed${took(`c:${event.childId}`, event)}: ${errorLine(event.error)}`,
        );
        break;
      case 'ChildWorkflowCancelled':
        push(
          event,
          `child ${short(event.childId)} ${event.childWorkflowId} cancelled${took(`c:${event.childId}`, event)}`,
        );
        break;
      default: {
        const { type, seq: _seq, recordedAt: _at, workflowId: _id, ...rest } = event;
        push(event, `${type} ${preview(rest)}`);
      }
    }
  }
  return lines.join('\n');
}
