import type { ErrorData } from './error-data.js';
import type { EventOf, TimeoutDescription, WorkflowEvent } from './events.js';
import type { RunId } from './ids.js';
import type { JsonValue } from './payload.js';

/** Where a run stands: `Running` until its terminal event, then how it ended. */
export type WorkflowStatus =
  | 'Running'
  | 'Completed'
  | 'Failed'
  | 'Cancelled'
  | 'Terminated'
  | 'TimedOut'
  | 'ContinuedAsNew';

/** Every status, in a stable order. */
export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  'Running',
  'Completed',
  'Failed',
  'Cancelled',
  'Terminated',
  'TimedOut',
  'ContinuedAsNew',
];

/** How a run ended, as data tagged by its status. */
export type TerminalOutcome =
  | { readonly status: 'Completed'; readonly result: JsonValue }
  | { readonly status: 'Failed'; readonly error: ErrorData }
  | { readonly status: 'Cancelled'; readonly reason: string | null }
  | { readonly status: 'Terminated'; readonly reason: string | null }
  | { readonly status: 'TimedOut'; readonly timeout: TimeoutDescription }
  | {
      readonly status: 'ContinuedAsNew';
      readonly input: JsonValue;
      readonly workflowType?: string;
      readonly parentRunId: RunId;
    };

/** The statuses a run can end with. */
export type TerminalStatus = TerminalOutcome['status'];

/**
 * The outcome `event` records for the run `runId`, if it is a terminal event. A ContinuedAsNew
 * is terminal only for the run it continued, as in the seed.
 */
export function terminalOutcomeOfEvent(event: WorkflowEvent, runId: RunId): TerminalOutcome | undefined {
  switch (event.type) {
    case 'WorkflowCompleted':
      return { status: 'Completed', result: event.result };
    case 'WorkflowFailed':
      return { status: 'Failed', error: event.error };
    case 'WorkflowCancelled':
      return { status: 'Cancelled', reason: event.reason };
    case 'WorkflowTerminated':
      return { status: 'Terminated', reason: event.reason };
    case 'WorkflowTimedOut':
      return { status: 'TimedOut', timeout: event.timeout };
    case 'WorkflowContinuedAsNew':
      if (event.parentRunId !== runId) return undefined;
      return event.workflowType === undefined
        ? { status: 'ContinuedAsNew', input: event.input, parentRunId: event.parentRunId }
        : {
            status: 'ContinuedAsNew',
            input: event.input,
            workflowType: event.workflowType,
            parentRunId: event.parentRunId,
          };
    default:
      return undefined;
  }
}

/** Where a run's segment sits in a history: `[start, end)` indexes. */
export interface SegmentBounds {
  readonly start: number;
  readonly end: number;
}

/** The bounds of the segment of `runId`: from its WorkflowStarted up to the next one. */
export function segmentBounds(history: readonly WorkflowEvent[], runId: RunId): SegmentBounds | undefined {
  const start = history.findIndex((event) => event.type === 'WorkflowStarted' && event.runId === runId);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < history.length && history[end]?.type !== 'WorkflowStarted') end++;
  return { start, end };
}

/** The events of one run: its WorkflowStarted and everything before the next WorkflowStarted. */
export function runSegment(history: readonly WorkflowEvent[], runId: RunId): readonly WorkflowEvent[] {
  const bounds = segmentBounds(history, runId);
  return bounds ? history.slice(bounds.start, bounds.end) : [];
}

/**
 * The terminal outcome of `runId`, looked up inside its own segment only (the latest terminal
 * event in it wins, as the seed reads backwards). `undefined` while the run is open or unknown.
 */
export function terminalOutcomeFromHistory(
  history: readonly WorkflowEvent[],
  runId: RunId,
): TerminalOutcome | undefined {
  const bounds = segmentBounds(history, runId);
  if (!bounds) return undefined;
  for (let index = bounds.end - 1; index > bounds.start; index--) {
    const outcome = terminalOutcomeOfEvent(history[index] as WorkflowEvent, runId);
    if (outcome) return outcome;
  }
  return undefined;
}

/** The WorkflowStarted of `runId`, if the history holds it. */
export function runStart(
  history: readonly WorkflowEvent[],
  runId: RunId,
): EventOf<'WorkflowStarted'> | undefined {
  return history.find(
    (event): event is EventOf<'WorkflowStarted'> => event.type === 'WorkflowStarted' && event.runId === runId,
  );
}

/** The WorkflowStarted of the latest run in a history, if any. */
export function latestStart(history: readonly WorkflowEvent[]): EventOf<'WorkflowStarted'> | undefined {
  for (let index = history.length - 1; index >= 0; index--) {
    const event = history[index] as WorkflowEvent;
    if (event.type === 'WorkflowStarted') return event;
  }
  return undefined;
}

/** The status of a workflow: that of its latest run; `undefined` for an empty history. */
export function statusFromEvents(history: readonly WorkflowEvent[]): WorkflowStatus | undefined {
  const start = latestStart(history);
  if (!start) return undefined;
  return terminalOutcomeFromHistory(history, start.runId)?.status ?? 'Running';
}
