import type { WorkflowEvent } from './events.js';
import type { JsonValue } from './payload.js';
import { terminalOutcomeOfEvent } from './run-segment.js';
import type { WorkflowSummary } from './visibility.js';

/**
 * What a store keeps beside a workflow's history, derived from it event by event: the
 * visibility row and the timers its open run is waiting on. Stores update it in the same
 * atomic step as the events, so it can be recomputed from the history and compared.
 */
export interface WorkflowProjection {
  /** Absent until the history has a WorkflowStarted (a schedule's history never does). */
  readonly summary: WorkflowSummary | undefined;
  /** Pending timers of the open run: timerId → fireAt. Empty once the run is closed. */
  readonly timers: ReadonlyMap<string, number>;
}

/** The projection of an empty history. */
export const EMPTY_PROJECTION: WorkflowProjection = { summary: undefined, timers: new Map() };

/** The event types `projectEvents` reads beyond their seq; every other event moves only `historyLength`. */
const PROJECTED_TYPES: ReadonlySet<string> = new Set([
  'WorkflowStarted',
  'WorkflowCompleted',
  'WorkflowFailed',
  'WorkflowCancelled',
  'WorkflowTerminated',
  'WorkflowTimedOut',
  'WorkflowContinuedAsNew',
  'SearchAttributesUpdated',
  'WorkflowPaused',
  'WorkflowResumed',
  'TimerStarted',
  'TimerFired',
  'TimerCancelled',
]);

/** Whether `events` change a projection in nothing but its summary's `historyLength`. */
export const movesOnlyHistoryLength = (events: readonly WorkflowEvent[]): boolean =>
  events.every((event) => !PROJECTED_TYPES.has(event.type));

/** The batch's own copy of the timers, made at the first change. */
const editable = (
  timers: Map<string, number> | undefined,
  previous: WorkflowProjection,
): Map<string, number> => timers ?? new Map(previous.timers);

/** The projection after `events`, which follow whatever `previous` was projected from. */
export function projectEvents(
  previous: WorkflowProjection,
  events: readonly WorkflowEvent[],
): WorkflowProjection {
  // One copy per batch, edited in place: the previous projection is never changed.
  let summary: Mutable<WorkflowSummary> | undefined = previous.summary ? { ...previous.summary } : undefined;
  let timers: Map<string, number> | undefined;
  for (const event of events) {
    if (event.type === 'WorkflowStarted') {
      const started: Mutable<WorkflowSummary> = {
        workflowId: event.workflowId,
        runId: event.runId,
        workflowType: event.workflowType,
        status: 'Running',
        createdAt: summary?.createdAt ?? event.recordedAt,
        startedAt: event.recordedAt,
        searchAttributes: event.searchAttributes ?? {},
        historyLength: event.seq,
        parentRunId: event.parentRunId,
      };
      if (event.parent) started.parent = event.parent;
      if (event.buildId !== undefined) started.buildId = event.buildId;
      summary = started;
      timers = editable(timers, previous);
      timers.clear();
      continue;
    }
    if (!summary) continue;
    summary.historyLength = event.seq;
    if (summary.status !== 'Running') continue;
    const outcome = terminalOutcomeOfEvent(event, summary.runId);
    if (outcome) {
      delete summary.paused;
      summary.status = outcome.status;
      summary.closedAt = event.recordedAt;
      timers = editable(timers, previous);
      timers.clear();
      continue;
    }
    switch (event.type) {
      case 'SearchAttributesUpdated':
        summary.searchAttributes = mergeAttributes(summary.searchAttributes, event.searchAttributes);
        break;
      case 'WorkflowPaused':
        summary.paused = true;
        break;
      case 'WorkflowResumed':
        delete summary.paused;
        break;
      case 'TimerStarted':
        timers = editable(timers, previous);
        timers.set(event.timerId, event.fireAt);
        break;
      case 'TimerFired':
      case 'TimerCancelled':
        timers = editable(timers, previous);
        timers.delete(event.timerId);
        break;
    }
  }
  return { summary, timers: timers ?? previous.timers };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Upserted attributes over the current ones; a `null` value removes the attribute. */
export function mergeAttributes(
  current: Readonly<Record<string, JsonValue>>,
  update: Readonly<Record<string, JsonValue>>,
): Record<string, JsonValue> {
  const merged: Record<string, JsonValue> = { ...current };
  for (const [name, value] of Object.entries(update)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** The projection of a whole history. */
export const projectHistory = (history: readonly WorkflowEvent[]): WorkflowProjection =>
  projectEvents(EMPTY_PROJECTION, history);
