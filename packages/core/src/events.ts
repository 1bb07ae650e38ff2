import type { ErrorData } from './error-data.js';
import type { RunId, WorkflowId } from './ids.js';
import type { JsonObject, JsonValue } from './payload.js';

/** Every event carries these: its place in the workflow's history and when it was recorded. */
export interface EventEnvelope {
  /** 1-based, contiguous per workflow id across all of its runs. */
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly recordedAt: number;
  /** The workflow whose history holds the event. */
  readonly workflowId: WorkflowId;
}

/** Search attribute values as stored: JSON, checked against the schema at the engine boundary. */
export type SearchAttributes = JsonObject;

/** How a child relates to its parent run when the parent closes first. */
export type ParentClosePolicy = 'terminate' | 'requestCancel' | 'abandon';

/** The parent side of a child workflow's link. */
export interface ParentLink {
  /** The parent workflow. */
  readonly workflowId: WorkflowId;
  /** The parent run that started the child; its outcome is reported to this run. */
  readonly runId: RunId;
  /** The child's ordinal in the parent's run: how the parent matches its outcome. */
  readonly childId: string;
  /** What happens to the child when that run closes first. */
  readonly parentClosePolicy: ParentClosePolicy;
}

/**
 * The trace a run belongs to, as an OpenTelemetry propagator writes it into a carrier
 * (`propagation.inject`): with the W3C propagator, `traceparent` and maybe `tracestate`. Plain
 * strings, so a run resumed by another process (after a crash, say) continues the same trace.
 */
export type TraceContext = Readonly<Record<string, string>>;

/** Where a reset or fork copied a run's history from. */
export interface ForkPoint {
  /** The source workflow. */
  readonly workflowId: WorkflowId;
  /** The source run, whose history was copied. */
  readonly runId: RunId;
  /** The last copied event's seq in that workflow's history. */
  readonly eventSeq: number;
  /** Why, as given to `reset`; absent for a fork. */
  readonly reason?: string;
}

/** What a run may hit: its whole-run deadline. */
export interface TimeoutDescription {
  /** Which deadline: `execution`, the run's `executionTimeout`. */
  readonly kind: 'execution';
  /** The deadline, in ms after the run started. */
  readonly afterMs: number;
}

/**
 * A schedule's timing: a cron expression (5 fields, or 6 with seconds first) read in `timezone`
 * (UTC by default), or a fixed interval in ms. Interval fires fall where
 * `(time - offset) % every === 0` counting from the epoch, so they do not depend on when the
 * schedule was created.
 */
export type ScheduleSpec =
  | { readonly cron: string; readonly timezone?: string }
  | { readonly every: number; readonly offset?: number };

/** What made a schedule fire: its spec, `trigger` (start one now) or `backfill`. */
export type ScheduleFireCause = 'spec' | 'trigger' | 'backfill';

/**
 * What a schedule's fire does while a workflow the schedule started is still open, named as
 * Temporal names its overlap policies. The engine's `schedules/overlap.ts` states what each does.
 */
export type OverlapPolicy =
  | 'skip'
  | 'bufferOne'
  | 'bufferAll'
  | 'cancelOther'
  | 'terminateOther'
  | 'allowAll';

/** Every overlap policy, for checking input and recorded events. */
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = [
  'skip',
  'bufferOne',
  'bufferAll',
  'cancelOther',
  'terminateOther',
  'allowAll',
];

/**
 * Why a schedule's fires were not taken: another run was open (`overlap`), they were missed
 * while the engine was down and the catch-up policy drops them (`catchUp`), or they are older
 * than the catch-up window (`catchUpWindow`).
 */
export type ScheduleSkipReason = 'overlap' | 'catchUp' | 'catchUpWindow';

/** The body of each event variant, without its envelope. */
export type EventBody =
  | {
      readonly type: 'WorkflowStarted';
      readonly workflowType: string;
      readonly input: JsonValue;
      readonly runId: RunId;
      /** The run this one continues (continue-as-new), or null for a fresh start. */
      readonly parentRunId: RunId | null;
      /** Set when this workflow is a child of another run. */
      readonly parent?: ParentLink;
      readonly searchAttributes?: SearchAttributes;
      /** Milliseconds from this start until the run times out. */
      readonly executionTimeout?: number;
      /**
       * Set when this run was made by `handle.reset` or `engine.fork`: the run whose history up
       * to `eventSeq` (included) this run's events after its WorkflowStarted copy.
       */
      readonly forkedFrom?: ForkPoint;
      /** The build id of the engine that started the run (`Engine.create({ buildId })`). */
      readonly buildId?: string;
      /**
       * The trace context of the span that started the run (the client's start, or the parent
       * run's span for a child); each segment of the run's life in a process is a span under it.
       */
      readonly traceContext?: TraceContext;
      /**
       * Set when the code's first step was recorded with this start and asked for nothing (it
       * waits for a signal, say): the run has nothing to do until something arrives. Without it,
       * the first step is recorded by the commands after the start, or has yet to run (a child's,
       * a successor's or a reset's start is recorded before its code runs).
       */
      readonly firstStepQuiet?: true;
    }
  | { readonly type: 'WorkflowCompleted'; readonly result: JsonValue }
  | { readonly type: 'WorkflowFailed'; readonly error: ErrorData }
  | { readonly type: 'WorkflowCancelled'; readonly reason: string | null }
  /**
   * The run was paused (`handle.pause`): from here its code sees nothing that arrives (fired
   * timers, activity results, signals, updates, cancel requests are recorded and held) and no
   * new activity attempt starts, until WorkflowResumed.
   */
  | { readonly type: 'WorkflowPaused'; readonly reason: string | null }
  /** The run was resumed (`handle.resume`): what was held is applied, in the order it was recorded. */
  | { readonly type: 'WorkflowResumed'; readonly reason: string | null }
  /** `engine.fork` made a new workflow from this history up to `fromEventSeq`; the code does not see it. */
  | {
      readonly type: 'WorkflowForked';
      readonly toWorkflowId: WorkflowId;
      readonly toRunId: RunId;
      readonly fromEventSeq: number;
    }
  /** Cancellation was asked for; the code sees it and decides how to end. */
  | { readonly type: 'WorkflowCancelRequested'; readonly reason: string | null }
  | { readonly type: 'WorkflowTimedOut'; readonly timeout: TimeoutDescription }
  /** The run was ended from outside (`handle.terminate`): no clean-up code ran. */
  | { readonly type: 'WorkflowTerminated'; readonly reason: string | null }
  | {
      readonly type: 'WorkflowContinuedAsNew';
      readonly input: JsonValue;
      readonly workflowType?: string;
      /** The run that continued: a ContinuedAsNew counts as terminal only for this run. */
      readonly parentRunId: RunId;
    }
  | { readonly type: 'SearchAttributesUpdated'; readonly searchAttributes: SearchAttributes }
  | {
      readonly type: 'ActivityScheduled';
      readonly activityId: string;
      readonly activityType: string;
      readonly input: JsonValue;
    }
  | {
      readonly type: 'ActivityCompleted';
      readonly activityId: string;
      readonly attempt: number;
      readonly result: JsonValue;
    }
  | {
      readonly type: 'ActivityFailed';
      readonly activityId: string;
      readonly attempt: number;
      readonly error: ErrorData;
      /** When the next attempt is due; absent when this failure is final. */
      readonly retryAt?: number;
    }
  | { readonly type: 'ActivityCancelled'; readonly activityId: string; readonly reason: string | null }
  | { readonly type: 'TimerStarted'; readonly timerId: string; readonly fireAt: number }
  | { readonly type: 'TimerFired'; readonly timerId: string }
  | { readonly type: 'TimerCancelled'; readonly timerId: string }
  | { readonly type: 'WithTimeoutCompleted'; readonly scopeId: string; readonly timedOut: boolean }
  /**
   * The code took a patch's new branch (`ctx.patched`) or declared it the only one
   * (`ctx.deprecatePatch`): recorded once per run and patch id, at the first such call.
   */
  | { readonly type: 'PatchMarker'; readonly patchId: string; readonly deprecated: boolean }
  /**
   * From here on the run is carried on by another build than the one last recorded (its
   * WorkflowStarted's, or the last BuildChanged): recorded with the first step that build
   * records, so a restart on the same build costs nothing. Not an input: replay skips it.
   */
  | { readonly type: 'BuildChanged'; readonly buildId: string }
  | {
      readonly type: 'SignalReceived';
      readonly signalName: string;
      readonly payload: JsonValue;
      /** Makes a signal idempotent: a second signal with the same id is not recorded. */
      readonly requestId?: string;
    }
  | {
      /** An update passed its validator and was taken by the run; its handler runs from here. */
      readonly type: 'UpdateAccepted';
      /** The caller's id (or one the engine made): a second update with it is not accepted again. */
      readonly updateId: string;
      readonly updateName: string;
      readonly args: JsonValue;
    }
  | {
      /** The update's handler returned (`result`) or threw (`error`); recorded as its command. */
      readonly type: 'UpdateCompleted';
      readonly updateId: string;
      readonly updateName: string;
      readonly result?: JsonValue;
      readonly error?: ErrorData;
    }
  | {
      readonly type: 'SignalSent';
      readonly targetWorkflowId: WorkflowId;
      readonly signalName: string;
      readonly payload: JsonValue;
      /**
       * The signal's ordinal in its run (`s<n>`): its delivery's outcome (SignalDelivered or
       * SignalDeliveryFailed) names it. Absent in histories recorded before outcomes were: such a
       * signal counts as sent once recorded.
       */
      readonly signalId?: string;
    }
  /** A signal the run sent was recorded by its target. */
  | { readonly type: 'SignalDelivered'; readonly signalId: string }
  /** A signal the run sent found no open run to take it (closed or unknown target). */
  | {
      readonly type: 'SignalDeliveryFailed';
      readonly signalId: string;
      readonly targetWorkflowId: WorkflowId;
      readonly error: ErrorData;
    }
  | {
      readonly type: 'ChildWorkflowStarted';
      readonly childId: string;
      readonly childWorkflowId: WorkflowId;
      readonly workflowType: string;
      readonly input: JsonValue;
      readonly parentClosePolicy: ParentClosePolicy;
      /** The child's search attributes, set on its WorkflowStarted. */
      readonly searchAttributes?: SearchAttributes;
    }
  | {
      readonly type: 'ChildWorkflowCompleted';
      readonly childId: string;
      readonly childWorkflowId: WorkflowId;
      readonly result: JsonValue;
    }
  | {
      readonly type: 'ChildWorkflowFailed';
      readonly childId: string;
      readonly childWorkflowId: WorkflowId;
      readonly error: ErrorData;
    }
  | {
      readonly type: 'ChildWorkflowCancelled';
      readonly childId: string;
      readonly childWorkflowId: WorkflowId;
      readonly reason: string | null;
    }
  | {
      readonly type: 'ScheduleCreated';
      readonly scheduleId: string;
      readonly spec: ScheduleSpec;
      readonly workflowType: string;
      readonly input: JsonValue;
      readonly options: JsonObject;
    }
  | {
      readonly type: 'ScheduleUpdated';
      readonly scheduleId: string;
      readonly changes: JsonObject;
    }
  | { readonly type: 'SchedulePaused'; readonly scheduleId: string; readonly note: string | null }
  | { readonly type: 'ScheduleResumed'; readonly scheduleId: string; readonly note: string | null }
  | { readonly type: 'ScheduleDeleted'; readonly scheduleId: string }
  | {
      readonly type: 'ScheduleTriggered';
      readonly scheduleId: string;
      /** The nominal fire time; with the schedule id it derives the started workflow's id. */
      readonly fireAt: number;
      readonly startedWorkflowId: WorkflowId;
      /** What made it fire; absent means `spec`. */
      readonly cause?: ScheduleFireCause;
      /**
       * The overlap policy a trigger or backfill gave this fire, which decides it instead of the
       * schedule's; absent when it gave none.
       */
      readonly overlap?: OverlapPolicy;
    }
  | {
      /** Every nominal fire of the schedule's spec in [from, upTo] was passed over. */
      readonly type: 'ScheduleFiresSkipped';
      readonly scheduleId: string;
      readonly from: number;
      readonly upTo: number;
      readonly reason: ScheduleSkipReason;
    }
  /** The schedules catalog (a history of its own) lists this schedule id from now on. */
  | { readonly type: 'ScheduleListed'; readonly scheduleId: string }
  /** The schedules catalog no longer lists this schedule id. */
  | { readonly type: 'ScheduleUnlisted'; readonly scheduleId: string };

/** An event as it is stored: its body in its envelope. */
export type WorkflowEvent = EventBody extends infer Body
  ? Body extends EventBody
    ? Body & EventEnvelope
    : never
  : never;

/** The tag of every event variant. */
export type EventType = EventBody['type'];

/** The event variant with the given tag. */
export type EventOf<T extends EventType> = Extract<WorkflowEvent, { readonly type: T }>;

/** The event body variant with the given tag. */
export type EventBodyOf<T extends EventType> = Extract<EventBody, { readonly type: T }>;

/**
 * Puts bodies into envelopes: seqs `afterSeq + 1, + 2, ...`, all recorded at `recordedAt`.
 * This is how an append's batch is made.
 */
export function envelopeEvents(
  workflowId: WorkflowId,
  afterSeq: number,
  recordedAt: number,
  bodies: readonly EventBody[],
): WorkflowEvent[] {
  // An indexed loop into an array made at its length, not map(): no callback closure per append.
  const events = new Array<WorkflowEvent>(bodies.length);
  for (let index = 0; index < bodies.length; index++) {
    // Object.assign, not a spread: over bodies of many shapes a spread kept taking V8's slow
    // path (7% of the CPU of a busy engine in profiles); the fields come out in the same order.
    const event = Object.assign({}, bodies[index]) as Record<string, unknown>;
    event.seq = afterSeq + index + 1;
    event.recordedAt = recordedAt;
    event.workflowId = workflowId;
    events[index] = event as unknown as WorkflowEvent;
  }
  return events;
}
