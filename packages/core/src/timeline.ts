import type { ErrorData } from './error-data.js';
import type { WorkflowEvent } from './events.js';
import type { JsonValue } from './payload.js';
import { timelineRuns } from './timeline-spans.js';

/** Where a timeline points: the event a divergence is at (or after the last one) and what to say there. */
export interface TimelineMark {
  /** The seq of the marked event; `undefined` marks the place after the last event. */
  readonly seq: number | undefined;
  readonly note: string;
}

/** How `timelineLines` lays a history out; by default one numbered list, times from its first event. */
export interface TimelineOptions {
  /** Put `>>` before this event (or after the last one) and the note under it. */
  readonly mark?: TimelineMark;
  /**
   * A header per run (its short name, its full run id and its start time, in UTC) instead of
   * one for the history, and each event's time counted from its run's start.
   */
  readonly byRun?: boolean;
  /**
   * How long things took, after the event that ends them: an activity attempt that failed
   * (from its start, or from when it was due), an activity (from its scheduling), a timer, a
   * child, and the run itself (from its start).
   */
  readonly durations?: boolean;
}

const PAYLOAD_WIDTH = 60;

/** A JSON value shortened to fit on a timeline line. */
export function briefJson(value: JsonValue | undefined): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length <= PAYLOAD_WIDTH ? text : `${text.slice(0, PAYLOAD_WIDTH - 1)}…`;
}

/** An error as one line: `Name: "message"`. */
export const briefError = (error: ErrorData): string =>
  `${error.name}: ${JSON.stringify(error.message)}${error.nonRetryable ? ' (non-retryable)' : ''}`;

/** Milliseconds as the shortest readable duration: `0ms`, `250ms`, `1.5s`, `2m`, `3h`, `4d`. */
export function briefDuration(ms: number): string {
  const units: readonly [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  const sign = ms < 0 ? '-' : '';
  const size = Math.abs(ms);
  for (const [unit, suffix] of units) {
    if (size >= unit) return `${sign}${Number((size / unit).toFixed(2))}${suffix}`;
  }
  return `${sign}${size}ms`;
}

/**
 * One event as the words of its timeline line (without number or time). Events are named by
 * their type, as a `NonDeterminismError` and `reprise replay` name them, so a divergence's
 * "recorded ..." is found on the timeline as written.
 */
export function describeEvent(event: WorkflowEvent): string {
  switch (event.type) {
    case 'WorkflowStarted':
      return `WorkflowStarted ${event.workflowType} ${event.runId} input ${briefJson(event.input)}${
        event.parentRunId ? ` continuing ${event.parentRunId}` : ''
      }${event.parent ? ` as child ${event.parent.childId} of ${event.parent.workflowId}` : ''}${
        event.forkedFrom ? ` forked from ${event.forkedFrom.workflowId} #${event.forkedFrom.eventSeq}` : ''
      }`;
    case 'WorkflowCompleted':
      return `WorkflowCompleted result ${briefJson(event.result)}`;
    case 'WorkflowFailed':
      return `WorkflowFailed ${briefError(event.error)}`;
    case 'WorkflowCancelled':
      return `WorkflowCancelled reason ${briefJson(event.reason)}`;
    case 'WorkflowForked':
      return `WorkflowForked to ${event.toWorkflowId} (run ${event.toRunId}) from #${event.fromEventSeq}`;
    case 'WorkflowPaused':
      return `WorkflowPaused reason ${briefJson(event.reason)}`;
    case 'WorkflowResumed':
      return `WorkflowResumed reason ${briefJson(event.reason)}`;
    case 'WorkflowCancelRequested':
      return `WorkflowCancelRequested reason ${briefJson(event.reason)}`;
    case 'WorkflowTerminated':
      return `WorkflowTerminated reason ${briefJson(event.reason)}`;
    case 'WorkflowTimedOut':
      return `WorkflowTimedOut after ${briefDuration(event.timeout.afterMs)}`;
    case 'WorkflowContinuedAsNew':
      return `WorkflowContinuedAsNew input ${briefJson(event.input)}${event.workflowType ? ` as ${event.workflowType}` : ''}`;
    case 'SearchAttributesUpdated':
      return `SearchAttributesUpdated ${briefJson(event.searchAttributes)}`;
    case 'ActivityScheduled':
      return `ActivityScheduled ${event.activityType} (activity ${event.activityId}) input ${briefJson(event.input)}`;
    case 'ActivityCompleted':
      return `ActivityCompleted ${event.activityId} attempt ${event.attempt} result ${briefJson(event.result)}`;
    case 'ActivityFailed':
      return `ActivityFailed ${event.activityId} attempt ${event.attempt} ${briefError(event.error)}${
        event.retryAt === undefined
          ? ', final'
          : `, will retry in ${briefDuration(event.retryAt - event.recordedAt)}`
      }`;
    case 'ActivityCancelled':
      return `ActivityCancelled ${event.activityId}`;
    case 'TimerStarted':
      return `TimerStarted ${event.timerId}`;
    case 'TimerFired':
      return `TimerFired ${event.timerId}`;
    case 'TimerCancelled':
      return `TimerCancelled ${event.timerId}`;
    case 'WithTimeoutCompleted':
      return `WithTimeoutCompleted ${event.scopeId}${event.timedOut ? ' (timed out)' : ''}`;
    case 'BuildChanged':
      return `BuildChanged to ${event.buildId}`;
    case 'PatchMarker':
      return `PatchMarker ${event.patchId}${event.deprecated ? ' (deprecated)' : ''}`;
    case 'SignalReceived':
      return `SignalReceived ${event.signalName} payload ${briefJson(event.payload)}`;
    case 'UpdateAccepted':
      return `UpdateAccepted ${event.updateName} (update ${event.updateId}) args ${briefJson(event.args)}`;
    case 'UpdateCompleted':
      return `UpdateCompleted ${event.updateName} (update ${event.updateId}) ${
        event.error ? briefError(event.error) : `result ${briefJson(event.result ?? null)}`
      }`;
    case 'SignalDelivered':
      return `SignalDelivered ${event.signalId}`;
    case 'SignalDeliveryFailed':
      return `SignalDeliveryFailed ${event.signalId} to ${event.targetWorkflowId} ${briefError(event.error)}`;
    case 'SignalSent':
      return `SignalSent ${event.signalName} to ${event.targetWorkflowId} payload ${briefJson(event.payload)}`;
    case 'ChildWorkflowStarted':
      return `ChildWorkflowStarted ${event.workflowType} ${event.childId} (${event.childWorkflowId}) input ${briefJson(event.input)}`;
    case 'ChildWorkflowCompleted':
      return `ChildWorkflowCompleted ${event.childId} result ${briefJson(event.result)}`;
    case 'ChildWorkflowFailed':
      return `ChildWorkflowFailed ${event.childId} ${briefError(event.error)}`;
    case 'ChildWorkflowCancelled':
      return `ChildWorkflowCancelled ${event.childId}`;
    default:
      return `${event.type} ${briefJson(stripEnvelope(event))}`;
  }
}

function stripEnvelope(event: WorkflowEvent): JsonValue {
  const { seq: _seq, recordedAt: _recordedAt, workflowId: _workflowId, type: _type, ...rest } = event;
  return rest as JsonValue;
}

/**
 * A history as a timeline, one line per event, numbered by seq, with its time since the
 * history began (or, `byRun`, since its run began). Run ids are long and random, so each is
 * named `run1`, `run2` ... in start order. This is the one renderer of a timeline: the replay
 * checks' reports and `reprise show` both print it.
 */
export function timelineLines(history: readonly WorkflowEvent[], options: TimelineOptions = {}): string[] {
  if (history.length === 0) return ['  (empty history)'];
  const { mark, byRun = false } = options;
  const first = history[0] as WorkflowEvent;
  const aliases = runAliases(history);
  const rename = (text: string) => renameRuns(text, history);
  const took = options.durations ? durationsOf(history) : new Map<number, number>();
  const seqWidth = String((history[history.length - 1] as WorkflowEvent).seq).length;
  let origin = first.recordedAt;
  const times = history.map((event) => {
    if (byRun && event.type === 'WorkflowStarted') origin = event.recordedAt;
    return `+${briefDuration(event.recordedAt - origin)}`;
  });
  const timeWidth = Math.max(...times.map((time) => time.length));
  const lines: string[] = [];
  if (!byRun) {
    const runs = aliases.size === 1 ? 'its run named run1' : `its runs named run1 to run${aliases.size}`;
    lines.push(`  history of ${JSON.stringify(first.workflowId)}, ${runs}:`);
  }
  const noteLines = (note: string) =>
    rename(note)
      .split('\n')
      .map((line) => `${' '.repeat(seqWidth + timeWidth + 8)}${line}`);
  history.forEach((event, index) => {
    if (byRun && event.type === 'WorkflowStarted') {
      if (lines.length > 0) lines.push('');
      // The one place a run's full id is shown: every other line names it by its alias.
      lines.push(
        `${aliases.get(event.runId)} (run id ${event.runId}) started ${new Date(event.recordedAt).toISOString()}`,
      );
    }
    const marked = mark !== undefined && mark.seq === event.seq;
    const prefix = marked ? '>> ' : '   ';
    const number = `#${event.seq}`.padEnd(seqWidth + 1);
    const time = (times[index] as string).padEnd(timeWidth);
    const duration = took.get(event.seq);
    const suffix = duration === undefined ? '' : ` (took ${briefDuration(duration)})`;
    lines.push(`${prefix}${number}  ${time}  ${rename(describeEvent(event))}${suffix}`);
    if (marked) lines.push(...noteLines(`^ ${mark.note}`));
  });
  if (mark !== undefined && (mark.seq === undefined || !history.some((event) => event.seq === mark.seq))) {
    lines.push(`>> ${'#'.padEnd(seqWidth + 1)}  ${''.padEnd(timeWidth)}  (after the last recorded event)`);
    lines.push(...noteLines(`^ ${mark.note}`));
  }
  return lines;
}

/** Run ends that `durations` shows (a terminated or timed-out run shows none). */
const TIMED_RUN_ENDS: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Cancelled', 'ContinuedAsNew']);

/**
 * For each event that ends something, how long that took (ms), by the event's seq: read from
 * `timelineRuns`, the one reading of what began and ended when.
 */
function durationsOf(history: readonly WorkflowEvent[]): Map<number, number> {
  const took = new Map<number, number>();
  const ended = (endSeq: number | undefined, end: number | undefined, start: number) => {
    if (endSeq !== undefined && end !== undefined) took.set(endSeq, end - start);
  };
  for (const run of timelineRuns(history)) {
    for (const span of run.spans) {
      if (span.kind !== 'activity') ended(span.endSeq, span.end, span.start);
      else {
        // A failed attempt from its start; a completed or cancelled activity from its scheduling.
        for (const attempt of span.attempts ?? [])
          if (attempt.outcome === 'failed') ended(attempt.endSeq, attempt.end, attempt.start);
        if (span.outcome === 'completed' || span.outcome === 'cancelled')
          ended(span.endSeq, span.end, span.start);
      }
    }
    if (TIMED_RUN_ENDS.has(run.status)) ended(run.endSeq, run.end, run.start);
  }
  return took;
}

/** Replaces the run ids of `history` in `text` by the short names its timeline gives them. */
export function renameRuns(text: string, history: readonly WorkflowEvent[]): string {
  let renamed = text;
  for (const [runId, alias] of runAliases(history)) renamed = renamed.split(runId).join(alias);
  return renamed;
}

function runAliases(history: readonly WorkflowEvent[]): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const event of history) {
    if (event.type === 'WorkflowStarted' && !aliases.has(event.runId)) {
      aliases.set(event.runId, `run${aliases.size + 1}`);
    }
  }
  return aliases;
}
