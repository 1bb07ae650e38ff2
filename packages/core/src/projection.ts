import { isCommandEvent } from './commands.js';
import type { SearchAttributes, WorkflowEvent } from './events.js';
import { copyJson, type JsonValue } from './payload.js';
import { terminalOutcomeOfEvent } from './run-segment.js';
import type { RunBacklog, WorkflowSummary } from './visibility.js';

/**
 * What a store keeps beside a workflow's history, derived from it event by event: the
 * visibility row and the timers its open run is waiting on. Stores update it in the same
 * atomic step as the events, so it can be recomputed from the history and compared. It holds
 * no object of the events it was projected from (it copies what it takes), so a store may
 * project the caller's events and keep the result.
 */
export interface WorkflowProjection {
  /** Absent until the history has a WorkflowStarted (a schedule's history never does). */
  readonly summary: WorkflowSummary | undefined;
  /** Pending timers of the open run: timerId → fireAt. Empty once the run is closed. */
  readonly timers: ReadonlyMap<string, number>;
}

/** No pending timers: shared, never changed (a batch that starts a timer copies it first). */
const NO_TIMERS: ReadonlyMap<string, number> = new Map();

/** The projection of an empty history. */
export const EMPTY_PROJECTION: WorkflowProjection = { summary: undefined, timers: NO_TIMERS };

/** The backlog of a run whose start was recorded with its code's first step, which asked for nothing. */
const STARTED_BACKLOG: RunBacklog = { activities: 0, children: 0, signals: 0 };
/** The backlog of a run whose code's first step is not recorded with its start. */
const FIRST_STEP_DUE: RunBacklog = { activities: 0, children: 0, signals: 0, input: true };

/** The projected event types that change nothing but an open run's backlog (every command and input). */
const BACKLOG_TYPE_NAMES = [
  'ActivityScheduled',
  'ActivityCompleted',
  'ActivityFailed',
  'ActivityCancelled',
  'ChildWorkflowStarted',
  'ChildWorkflowCompleted',
  'ChildWorkflowFailed',
  'ChildWorkflowCancelled',
  'SignalSent',
  'SignalDelivered',
  'SignalDeliveryFailed',
  'SignalReceived',
  'WorkflowCancelRequested',
  'UpdateAccepted',
  'UpdateCompleted',
  'WithTimeoutCompleted',
  'PatchMarker',
  'BuildChanged',
] as const;

const BACKLOG_TYPES: ReadonlySet<string> = new Set(BACKLOG_TYPE_NAMES);

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
  ...BACKLOG_TYPE_NAMES,
]);

/** Whether `events` change a projection in nothing but its summary's `historyLength`. */
export function movesOnlyHistoryLength(events: readonly WorkflowEvent[]): boolean {
  for (const event of events) if (PROJECTED_TYPES.has(event.type)) return false;
  return true;
}

/**
 * Whether appending `events` on top of `previous` leaves the projection as it was but for its
 * summary's `historyLength`: what `projectEvents` would say, without copying the summary. True
 * for the commonest step of a run (an activity's end and the next one scheduled), whose backlog
 * ends as it began. A store may then keep its record as it is.
 */
export function leavesProjection(previous: WorkflowProjection, events: readonly WorkflowEvent[]): boolean {
  if (movesOnlyHistoryLength(events)) return true;
  const backlog = previous.summary?.status === 'Running' ? previous.summary.backlog : undefined;
  return backlog !== undefined && stepBacklog(backlog, events) === backlog;
}

/**
 * The backlog of an open run after `events`, when they change nothing of its projection but that
 * backlog (and `historyLength`): `backlog` itself when it ends as it began. `undefined` when they
 * change more (a start, a close, a timer, search attributes ...): then `projectEvents`. Lets a
 * store that keeps a run's current backlog apart from its record follow a run's steps (commands,
 * inputs) without copying the record's summary for each.
 */
export function stepBacklog(backlog: RunBacklog, events: readonly WorkflowEvent[]): RunBacklog | undefined {
  let next = backlog;
  for (const event of events) {
    if (!PROJECTED_TYPES.has(event.type)) continue;
    if (!BACKLOG_TYPES.has(event.type)) return undefined;
    next = nextBacklog(next, event);
  }
  return sameBacklog(next, backlog) ? backlog : next;
}

/** The projection after `events`, which follow whatever `previous` was projected from. */
export function projectEvents(
  previous: WorkflowProjection,
  events: readonly WorkflowEvent[],
): WorkflowProjection {
  // One copy per batch, edited in place: the previous projection is never changed.
  let summary: Mutable<WorkflowSummary> | undefined = previous.summary ? { ...previous.summary } : undefined;
  // The previous timers, or none, until a timer starts or ends: then the batch's own copy.
  let timers: ReadonlyMap<string, number> = previous.timers;
  let ownTimers: Map<string, number> | undefined;
  for (const event of events) {
    if (event.type === 'WorkflowStarted') {
      const started: Mutable<WorkflowSummary> = {
        workflowId: event.workflowId,
        runId: event.runId,
        workflowType: event.workflowType,
        status: 'Running',
        createdAt: summary?.createdAt ?? event.recordedAt,
        startedAt: event.recordedAt,
        searchAttributes: event.searchAttributes
          ? (copyJson(event.searchAttributes) as SearchAttributes)
          : {},
        historyLength: event.seq,
        parentRunId: event.parentRunId,
      };
      if (event.parent) started.parent = { ...event.parent };
      if (event.buildId !== undefined) started.buildId = event.buildId;
      if (event.executionTimeout !== undefined) started.executionTimeout = event.executionTimeout;
      // Until a command follows the start, the code's first step may not have run, unless the
      // start says that step was recorded with it and asked for nothing.
      started.backlog = event.firstStepQuiet === true ? STARTED_BACKLOG : FIRST_STEP_DUE;
      summary = started;
      timers = NO_TIMERS;
      ownTimers = undefined;
      continue;
    }
    if (!summary) continue;
    summary.historyLength = event.seq;
    if (summary.status !== 'Running') continue;
    const outcome = terminalOutcomeOfEvent(event, summary.runId);
    if (outcome) {
      // A copy without them, not `delete`, which would leave the row a slow dictionary object.
      const { paused: _paused, backlog: _backlog, ...closed } = summary;
      summary = closed;
      summary.status = outcome.status;
      summary.closedAt = event.recordedAt;
      timers = NO_TIMERS;
      ownTimers = undefined;
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
        ownTimers ??= new Map(timers);
        timers = ownTimers;
        ownTimers.set(event.timerId, event.fireAt);
        break;
      case 'TimerFired':
      case 'TimerCancelled':
        if (!timers.has(event.timerId)) break;
        ownTimers ??= new Map(timers);
        timers = ownTimers;
        ownTimers.delete(event.timerId);
        break;
    }
    if (summary.backlog) summary.backlog = nextBacklog(summary.backlog, event);
  }
  // A batch that ends with the backlog it began with keeps that object: its row is unchanged.
  const before = previous.summary?.backlog;
  if (before && summary?.backlog && summary.backlog !== before && sameBacklog(before, summary.backlog)) {
    summary.backlog = before;
  }
  return { summary, timers: timers.size === 0 && previous.timers.size === 0 ? previous.timers : timers };
}

/**
 * The backlog after one event of the open run. Notes its code never sees (BuildChanged, which
 * names the build, and WorkflowForked) leave the rest as it was; every other event that is not a
 * command is an input (a type added later counts as one: recovery then replays the run).
 * Returns `backlog` itself when nothing changes, so that an append that leaves it as it was
 * leaves the stored row as it was.
 */
function nextBacklog(backlog: RunBacklog, event: WorkflowEvent): RunBacklog {
  if (event.type === 'WorkflowForked') return backlog;
  if (event.type === 'BuildChanged') {
    return backlog.build === event.buildId ? backlog : { ...backlog, build: event.buildId };
  }
  let { activities, children, signals } = backlog;
  switch (event.type) {
    case 'ActivityScheduled':
      activities++;
      break;
    case 'ActivityCompleted':
    case 'ActivityCancelled':
      activities--;
      break;
    case 'ActivityFailed':
      if (event.retryAt === undefined) activities--;
      break;
    case 'ChildWorkflowStarted':
      children++;
      break;
    case 'ChildWorkflowCompleted':
    case 'ChildWorkflowFailed':
    case 'ChildWorkflowCancelled':
      children--;
      break;
    case 'SignalSent':
      if (event.signalId !== undefined) signals++;
      break;
    case 'SignalDelivered':
    case 'SignalDeliveryFailed':
      signals--;
      break;
  }
  const input = !isCommandEvent(event);
  activities = Math.max(0, activities);
  children = Math.max(0, children);
  signals = Math.max(0, signals);
  if (
    activities === backlog.activities &&
    children === backlog.children &&
    signals === backlog.signals &&
    input === (backlog.input === true)
  ) {
    return backlog;
  }
  // The commonest backlogs are shared, not allocated for every run that waits.
  if (activities === 0 && children === 0 && signals === 0 && backlog.build === undefined) {
    return input ? FIRST_STEP_DUE : STARTED_BACKLOG;
  }
  const next: Mutable<RunBacklog> = { activities, children, signals };
  if (input) next.input = true;
  if (backlog.build !== undefined) next.build = backlog.build;
  return next;
}

const sameBacklog = (a: RunBacklog, b: RunBacklog): boolean =>
  a.activities === b.activities &&
  a.children === b.children &&
  a.signals === b.signals &&
  a.input === b.input &&
  a.build === b.build;

/**
 * Whether recovery must replay the open run of `summary` at start rather than leave it to wait
 * for input, given the engine's build: it has activities to run, children or signal deliveries
 * whose outcome may have been missed, an input its code may not have taken, or its latest step
 * was recorded by another build (whose code may have diverged from this one's, or thrown where
 * this one does not: replay finds out now). A row without a backlog (recorded before backlogs
 * were) is replayed. Timers are not in it: they are in the store's timer index.
 */
export function replayAtStart(summary: WorkflowSummary, buildId: string): boolean {
  const backlog = summary.backlog;
  if (!backlog) return true;
  return (
    backlog.activities > 0 ||
    backlog.children > 0 ||
    backlog.signals > 0 ||
    backlog.input === true ||
    (backlog.build ?? summary.buildId) !== buildId
  );
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
    else merged[name] = copyJson(value);
  }
  return merged;
}

/** The projection of a whole history. */
export const projectHistory = (history: readonly WorkflowEvent[]): WorkflowProjection =>
  projectEvents(EMPTY_PROJECTION, history);

/**
 * Whether an append recorded a run's terminal event: the row went from open (or none) to closed.
 * A shared store tells those waiting on the run's result in other engines (`InboxNotice` `closed`).
 */
export const closesRun = (before: WorkflowProjection, after: WorkflowProjection): boolean =>
  (before.summary === undefined || before.summary.status === 'Running') &&
  after.summary !== undefined &&
  after.summary.status !== 'Running';
