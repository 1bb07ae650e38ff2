import type { ErrorData } from './error-data.js';
import type { WorkflowEvent } from './events.js';
import type { RunId, WorkflowId } from './ids.js';
import { terminalOutcomeOfEvent, type WorkflowStatus } from './run-segment.js';

/**
 * How a span ended: `open` while it has not (an activity waiting for its result or its retry, a
 * timer not fired, a child not closed), `fired` for a timer that fired.
 */
export type TimelineSpanOutcome = 'open' | 'completed' | 'failed' | 'cancelled' | 'fired';

/**
 * One attempt of an activity. The first starts when the activity is scheduled, each later one
 * when it was due (the failure before it says when: `retryAt`); histories record no attempt
 * start, so the time between a failure and the next attempt's start is the backoff.
 */
export interface TimelineAttempt {
  /** 1-based. */
  readonly attempt: number;
  /** When it started (or was due), epoch ms. */
  readonly start: number;
  /** When it ended, epoch ms; absent while it runs or waits to start. */
  readonly end?: number;
  /** The seq of the event that ended it. */
  readonly endSeq?: number;
  readonly outcome: Exclude<TimelineSpanOutcome, 'fired'>;
  /** Why it failed. */
  readonly error?: ErrorData;
  /** For a failed attempt that will be retried: when the next one is due. */
  readonly retryAt?: number;
}

/** Something a run waited on, from when it began to when it ended: an activity, a timer or a child. */
export interface TimelineSpan {
  readonly kind: 'activity' | 'timer' | 'child';
  /** The activity id, timer id or child id, unique in its run. */
  readonly id: string;
  /** What to call it: the activity type, the timer id, the child's workflow type. */
  readonly name: string;
  /** The seq of the event that began it (ActivityScheduled, TimerStarted, ChildWorkflowStarted). */
  readonly startSeq: number;
  /** When it began, epoch ms. */
  readonly start: number;
  /** When it ended, epoch ms; absent while open. */
  readonly end?: number;
  /** The seq of the event that ended it. */
  readonly endSeq?: number;
  readonly outcome: TimelineSpanOutcome;
  /** An activity's attempts, in order. */
  readonly attempts?: readonly TimelineAttempt[];
  /** A timer's fire time, epoch ms. */
  readonly fireAt?: number;
  /** A child's workflow id. */
  readonly childWorkflowId?: WorkflowId;
}

/** Something that happened at one instant of a run and took no time: a signal, an update, a pause... */
export interface TimelinePoint {
  readonly kind:
    | 'signal'
    | 'signalSent'
    | 'updateAccepted'
    | 'updateCompleted'
    | 'cancelRequested'
    | 'paused'
    | 'resumed';
  /** The signal's or update's name; the reason of a cancel request, pause or resume (or empty). */
  readonly name: string;
  readonly seq: number;
  /** When it was recorded, epoch ms. */
  readonly at: number;
  /** An update that the handler failed. */
  readonly failed?: true;
}

/** One run of a history laid out on a time axis: what it waited on, and what arrived. */
export interface TimelineRun {
  readonly runId: RunId;
  /** `run1`, `run2` ... in start order, as `timelineLines` names runs. */
  readonly alias: string;
  readonly workflowType: string;
  /** The seq of its WorkflowStarted. */
  readonly startSeq: number;
  /** When it started, epoch ms. */
  readonly start: number;
  /** When it closed, epoch ms (its terminal event); absent while open. */
  readonly end?: number;
  /** The seq of its terminal event. */
  readonly endSeq?: number;
  /** `Running` until its terminal event, then how it ended. */
  readonly status: WorkflowStatus;
  /** The run it continues (continue-as-new), or null. */
  readonly previousRunId: RunId | null;
  /** The run that continues it, when the history holds that run's start. */
  readonly nextRunId?: RunId;
  /** Activities, timers and children, in the order they began. */
  readonly spans: readonly TimelineSpan[];
  /** Signals, updates, cancel requests, pauses and resumes, in order. */
  readonly points: readonly TimelinePoint[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type SpanDraft = Mutable<Omit<TimelineSpan, 'attempts'>> & { attempts?: Mutable<TimelineAttempt>[] };
type RunDraft = Mutable<Omit<TimelineRun, 'spans' | 'points'>> & {
  spans: SpanDraft[];
  points: TimelinePoint[];
  open: Map<string, SpanDraft>;
};

/**
 * A history as runs of spans on a time axis: each activity with its attempts (failed ones with
 * their error, the backoff before the next), each timer from its start to its fire, each child
 * from its start to its close, each signal, update, cancel request, pause and resume as a point,
 * and the continue-as-new links between runs. The one reading of what began and ended when:
 * `timelineLines` takes its durations from it, and the web UI draws its bars from it.
 */
export function timelineRuns(history: readonly WorkflowEvent[]): TimelineRun[] {
  const runs: RunDraft[] = [];
  let run: RunDraft | undefined;
  for (const event of history) {
    if (event.type === 'WorkflowStarted') {
      if (run && run.runId === event.parentRunId) run.nextRunId = event.runId;
      run = {
        runId: event.runId,
        alias: `run${runs.length + 1}`,
        workflowType: event.workflowType,
        startSeq: event.seq,
        start: event.recordedAt,
        status: 'Running',
        previousRunId: event.parentRunId,
        spans: [],
        points: [],
        open: new Map(),
      };
      runs.push(run);
      continue;
    }
    if (!run) continue;
    applyEvent(run, event);
  }
  return runs.map(({ open: _open, spans, ...rest }) => ({
    ...rest,
    spans: spans.map(({ attempts, ...span }) => (attempts ? { ...span, attempts: [...attempts] } : span)),
  }));
}

function applyEvent(run: RunDraft, event: WorkflowEvent): void {
  const terminal = terminalOutcomeOfEvent(event, run.runId);
  if (terminal) {
    // The latest terminal event of a segment wins, as `terminalOutcomeFromHistory` reads it.
    run.status = terminal.status;
    run.end = event.recordedAt;
    run.endSeq = event.seq;
    return;
  }
  const begin = (span: SpanDraft) => {
    run.spans.push(span);
    run.open.set(`${span.kind}:${span.id}`, span);
  };
  const finish = (key: string, outcome: TimelineSpanOutcome): SpanDraft | undefined => {
    const span = run.open.get(key);
    if (!span) return undefined;
    run.open.delete(key);
    span.end = event.recordedAt;
    span.endSeq = event.seq;
    span.outcome = outcome;
    return span;
  };
  const point = (kind: TimelinePoint['kind'], name: string, failed = false) =>
    run.points.push({
      kind,
      name,
      seq: event.seq,
      at: event.recordedAt,
      ...(failed ? { failed: true } : {}),
    });
  switch (event.type) {
    case 'ActivityScheduled':
      begin({
        kind: 'activity',
        id: event.activityId,
        name: event.activityType,
        startSeq: event.seq,
        start: event.recordedAt,
        outcome: 'open',
        attempts: [{ attempt: 1, start: event.recordedAt, outcome: 'open' }],
      });
      break;
    case 'ActivityFailed': {
      const key = `activity:${event.activityId}`;
      const span = run.open.get(key);
      if (!span) break;
      const attempt = span.attempts?.find((a) => a.attempt === event.attempt && a.outcome === 'open');
      if (attempt) {
        attempt.end = event.recordedAt;
        attempt.endSeq = event.seq;
        attempt.outcome = 'failed';
        attempt.error = event.error;
        if (event.retryAt !== undefined) attempt.retryAt = event.retryAt;
      }
      if (event.retryAt === undefined) finish(key, 'failed');
      else span.attempts?.push({ attempt: event.attempt + 1, start: event.retryAt, outcome: 'open' });
      break;
    }
    case 'ActivityCompleted':
    case 'ActivityCancelled': {
      const outcome = event.type === 'ActivityCompleted' ? 'completed' : 'cancelled';
      const span = finish(`activity:${event.activityId}`, outcome);
      const attempt = span?.attempts?.findLast((a) => a.outcome === 'open');
      if (attempt) {
        attempt.end = event.recordedAt;
        attempt.endSeq = event.seq;
        attempt.outcome = outcome;
      }
      break;
    }
    case 'TimerStarted':
      begin({
        kind: 'timer',
        id: event.timerId,
        name: event.timerId,
        startSeq: event.seq,
        start: event.recordedAt,
        outcome: 'open',
        fireAt: event.fireAt,
      });
      break;
    case 'TimerFired':
      finish(`timer:${event.timerId}`, 'fired');
      break;
    case 'TimerCancelled':
      finish(`timer:${event.timerId}`, 'cancelled');
      break;
    case 'ChildWorkflowStarted':
      begin({
        kind: 'child',
        id: event.childId,
        name: event.workflowType,
        startSeq: event.seq,
        start: event.recordedAt,
        outcome: 'open',
        childWorkflowId: event.childWorkflowId,
      });
      break;
    case 'ChildWorkflowCompleted':
      finish(`child:${event.childId}`, 'completed');
      break;
    case 'ChildWorkflowFailed':
      finish(`child:${event.childId}`, 'failed');
      break;
    case 'ChildWorkflowCancelled':
      finish(`child:${event.childId}`, 'cancelled');
      break;
    case 'SignalReceived':
      point('signal', event.signalName);
      break;
    case 'SignalSent':
      point('signalSent', event.signalName);
      break;
    case 'UpdateAccepted':
      point('updateAccepted', event.updateName);
      break;
    case 'UpdateCompleted':
      point('updateCompleted', event.updateName, event.error !== undefined);
      break;
    case 'WorkflowCancelRequested':
      point('cancelRequested', event.reason ?? '');
      break;
    case 'WorkflowPaused':
      point('paused', event.reason ?? '');
      break;
    case 'WorkflowResumed':
      point('resumed', event.reason ?? '');
      break;
    default:
      break;
  }
}
