/**
 * Telemetry: the engine's OpenTelemetry spans and metrics, through `@opentelemetry/api` only (a
 * peer dependency: spans and metrics go to whatever providers the app registers, and to no-ops
 * when it registers none).
 *
 * Spans. A client's `engine.start` is a span (`start <type>`), whose context is recorded in the
 * run's WorkflowStarted (`traceContext`, as the registered propagator injects it); a child's
 * WorkflowStarted records its parent run's span instead, a continue-as-new successor its
 * predecessor's recorded context, a reset or fork run its source run's. Each segment of a run's
 * life in a process (from its start, or from its recovery after a crash or in another process,
 * to its close) is one span named `workflow <type>`, parented to the recorded context: a run
 * resumed after a crash continues the same trace. Eviction, hibernation and actor restarts keep
 * the segment's span (it is kept here, by workflow id, not on the run; only while a tracer or
 * meter provider is registered). Each activity attempt is one span (`activity <type>`) under
 * its run's segment span, active while the activity's code runs. Replay starts no span: a
 * replayed step runs no attempt, and a segment opens once per process.
 *
 * Metrics, on the meter `@reprise/engine` (the meter provider must be registered before
 * `Engine.create`): see the table in the package README.
 */
import {
  type Attributes,
  type Context,
  type Counter,
  createNoopMeter,
  type Histogram,
  isSpanContextValid,
  metrics,
  type ObservableResult,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Clock } from '@reprise/actors';
import type {
  EventBody,
  EventOf,
  EventStore,
  RunId,
  TerminalOutcome,
  TraceContext,
  WorkflowId,
} from '@reprise/core';

/** The instrumentation scope of the engine's tracer and meter. */
export const INSTRUMENTATION_SCOPE = '@reprise/engine';

/** Where a run's residency is, as the gauges count it. */
export type ResidencyKind = 'resident' | 'hibernated' | 'suspended';

/** What telemetry reads from the engine. */
export interface TelemetryPort {
  readonly clock: Clock;
  /** Every open run of this process with its workflow type and residency (for the gauges). */
  residencies(): Iterable<readonly [workflowType: string, residency: ResidencyKind]>;
}

/** An activity attempt as telemetry knows it (the executor's `ActivityTask`). */
export interface AttemptTask {
  readonly workflowId: WorkflowId;
  readonly runId: RunId;
  readonly activityId: string;
  readonly activityType: string;
  readonly attempt: number;
  /** When the activity was scheduled. */
  readonly scheduledAt: number;
  /** When this attempt was due, if not at once (a retry's time). */
  readonly notBefore?: number;
}

/** A run as telemetry knows it. */
type RunRef = { readonly workflowId: WorkflowId; readonly runId: RunId };

/**
 * The open segment of a run in this process, kept only when a tracer or meter provider is
 * registered: about 120 bytes a run, against about 2 KB for a hibernated run in all.
 */
class Segment {
  constructor(
    readonly runId: RunId,
    /** Engine clock time of the run's WorkflowStarted: the run's duration counts from it. */
    readonly startedAt: number,
    readonly workflowType: string,
    /** Undefined when no tracer provider is registered (nothing to parent to). */
    readonly span: Span | undefined,
  ) {}
}

/** A client's start in progress: its span, and the context its run records. */
export interface StartTrace {
  readonly traceContext?: TraceContext;
  /** Ends the start's span (with an error status when `error` is given); absent when nothing is traced. */
  readonly end?: (error?: unknown) => void;
}

/** An activity attempt in progress: its span, the context its code runs in, when it started. */
export interface AttemptTrace {
  /** Undefined when no tracer provider is registered. */
  readonly span: Span | undefined;
  readonly context: Context;
  readonly startedAt: number;
}

/** How a segment ended without a terminal event: the process let go of the run. */
export type SegmentInterruption = 'shutdown' | 'quarantined' | 'not started';

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/** The provider the API's proxy delegates to while the app has registered none. */
const NO_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether the app registered a tracer provider (it may do so after `Engine.create`). With none,
 * no span is made at all: a no-op span still costs a span, a context and attributes on every
 * start and attempt. A provider from another copy of the API counts as registered.
 */
function tracerRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_TRACER_PROVIDER;
}

/** A start's trace when nothing is traced: no span to end, so the start waits on nothing more. */
const UNTRACED_START: StartTrace = Object.freeze({});

/** An attempt neither traced nor metered: its start time is never read, so every such attempt shares one. */
const UNOBSERVED_ATTEMPT: AttemptTrace = Object.freeze({
  span: undefined,
  context: ROOT_CONTEXT,
  startedAt: 0,
});

/** The carrier the registered propagator writes for `span`, or undefined when it writes nothing. */
function inject(span: Span): TraceContext | undefined {
  if (!isSpanContextValid(span.spanContext())) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** The message of an error status. */
const errorMessage = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

export class Telemetry {
  readonly #segments = new Map<WorkflowId, Segment>();
  /** Whether the app registered a meter provider (before `Engine.create`). */
  readonly #metered: boolean;
  readonly #runsStarted: Counter;
  readonly #runsClosed: Counter;
  readonly #runDuration: Histogram;
  readonly #attempts: Counter;
  readonly #failures: Counter;
  readonly #scheduleToStart: Histogram;
  readonly #activityDuration: Histogram;
  readonly #appendDuration: Histogram;
  /** Stops the gauges' callbacks (at shutdown). */
  readonly #removeGauges: () => void;

  constructor(private readonly port: TelemetryPort) {
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
    this.#metered = meter !== createNoopMeter();
    this.#runsStarted = meter.createCounter('reprise.runs.started', {
      description: 'Runs started (a client start, a child, a continue-as-new successor, a reset or fork).',
      unit: '{run}',
    });
    this.#runsClosed = meter.createCounter('reprise.runs.closed', {
      description: 'Runs closed, by the terminal event this process recorded.',
      unit: '{run}',
    });
    this.#runDuration = meter.createHistogram('reprise.run.duration', {
      description: 'From a run’s WorkflowStarted to its terminal event.',
      unit: 's',
    });
    this.#attempts = meter.createCounter('reprise.activity.attempts', {
      description: 'Activity attempts started.',
      unit: '{attempt}',
    });
    this.#failures = meter.createCounter('reprise.activity.failures', {
      description: 'Activity attempts that failed (retried or final).',
      unit: '{attempt}',
    });
    this.#scheduleToStart = meter.createHistogram('reprise.activity.schedule_to_start', {
      description: 'From the time an attempt was due (scheduled, or its retry time) to its start.',
      unit: 's',
    });
    this.#activityDuration = meter.createHistogram('reprise.activity.duration', {
      description: 'One activity attempt, from its start to its end.',
      unit: 's',
    });
    this.#appendDuration = meter.createHistogram('reprise.store.append.duration', {
      description: 'One append to the event store, until it is durable.',
      unit: 's',
    });
    const resident = meter.createObservableGauge('reprise.runs.resident', {
      description: 'Open runs whose actor and interpreter are in memory.',
      unit: '{run}',
    });
    const hibernated = meter.createObservableGauge('reprise.runs.hibernated', {
      description: 'Open runs whose actor is kept with its interpreter let go (hibernateAfter).',
      unit: '{run}',
    });
    const observe = (kind: ResidencyKind) => (result: ObservableResult) => {
      const counts = new Map<string, number>();
      for (const [workflowType, residency] of this.port.residencies()) {
        if (residency === kind) counts.set(workflowType, (counts.get(workflowType) ?? 0) + 1);
      }
      for (const [workflowType, count] of counts)
        result.observe(count, { 'reprise.workflow_type': workflowType });
    };
    const observeResident = observe('resident');
    const observeHibernated = observe('hibernated');
    resident.addCallback(observeResident);
    hibernated.addCallback(observeHibernated);
    this.#removeGauges = () => {
      resident.removeCallback(observeResident);
      hibernated.removeCallback(observeHibernated);
    };
  }

  /** The tracer of the app's registered provider (a no-op one when none is). */
  #tracer() {
    return trace.getTracer(INSTRUMENTATION_SCOPE);
  }

  /**
   * A client's start (`engine.start`): a span under the caller's active context, whose context
   * the run records in its WorkflowStarted.
   */
  clientStart(workflowType: string, workflowId: WorkflowId): StartTrace {
    if (!tracerRegistered()) return UNTRACED_START;
    const span = this.#tracer().startSpan(`start ${workflowType}`, {
      kind: SpanKind.INTERNAL,
      attributes: { 'reprise.workflow_id': workflowId, 'reprise.workflow_type': workflowType },
    });
    const traceContext = inject(span);
    return {
      ...(traceContext ? { traceContext } : {}),
      end: (error) => {
        if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        span.end();
      },
    };
  }

  /** What a child's WorkflowStarted records: its parent run's segment span, if it has one. */
  childTraceContext(parent: RunRef): TraceContext | undefined {
    const segment = this.#segment(parent);
    return segment?.span && inject(segment.span);
  }

  /**
   * A run's segment begins in this process (just started, or recovered): its span opens, under
   * the trace context its WorkflowStarted recorded. A run whose segment is open here already (a
   * type supervisor restarted, the run re-entered) keeps it: one span per segment.
   */
  segmentOpened(started: EventOf<'WorkflowStarted'>, resumed: boolean): void {
    const open = this.#segments.get(started.workflowId);
    if (open?.runId === started.runId) return;
    open?.span?.end();
    this.#segments.delete(started.workflowId);
    // With neither provider registered, an open run costs nothing here.
    if (!this.#metered && !tracerRegistered()) return;
    const parent = started.traceContext
      ? propagation.extract(ROOT_CONTEXT, started.traceContext)
      : ROOT_CONTEXT;
    const span = this.#tracer().startSpan(
      `workflow ${started.workflowType}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'reprise.workflow_id': started.workflowId,
          'reprise.run_id': started.runId,
          'reprise.workflow_type': started.workflowType,
          'reprise.resumed': resumed,
          ...(started.parentRunId ? { 'reprise.parent_run_id': started.parentRunId } : {}),
          ...(started.parent ? { 'reprise.parent_workflow_id': started.parent.workflowId } : {}),
        },
      },
      parent,
    );
    const traced = isSpanContextValid(span.spanContext());
    if (!traced && !this.#metered) return;
    this.#segments.set(
      started.workflowId,
      new Segment(started.runId, started.recordedAt, started.workflowType, traced ? span : undefined),
    );
  }

  /**
   * A run's segment ends here: closed (`closed.recordedAt` set when this process recorded the
   * terminal event: then it counts in the metrics), or let go (shutdown, quarantine, a start
   * that was never recorded). Its span ends with the outcome; a failure sets the error status.
   */
  segmentEnded(
    run: RunRef,
    end: { readonly outcome: TerminalOutcome; readonly recordedAt?: number } | SegmentInterruption,
  ): void {
    const segment = this.#segment(run);
    if (!segment) return;
    this.#segments.delete(run.workflowId);
    const span = segment.span;
    if (typeof end === 'string') {
      span?.setAttribute('reprise.outcome', end);
      if (end !== 'shutdown') span?.setStatus({ code: SpanStatusCode.ERROR, message: end });
      span?.end();
      return;
    }
    const { outcome } = end;
    span?.setAttribute('reprise.outcome', outcome.status);
    const failure = segmentFailure(outcome);
    if (failure !== undefined) span?.setStatus({ code: SpanStatusCode.ERROR, message: failure });
    span?.end();
    if (end.recordedAt === undefined) return;
    const attributes = { 'reprise.workflow_type': segment.workflowType, 'reprise.status': outcome.status };
    this.#runsClosed.add(1, attributes);
    this.#runDuration.record(seconds(end.recordedAt - segment.startedAt), attributes);
  }

  /**
   * A run's segment that never was: its start was undone before anything of it was recorded
   * (a start as a new id that met a history, see `Starter`). Its span is let go unended, so no
   * exporter ever sees it, and it counts nowhere.
   */
  segmentDiscarded(run: RunRef): void {
    if (this.#segment(run)) this.#segments.delete(run.workflowId);
  }

  /** The context of a run's segment span: where its activity attempts' spans go. */
  segmentContext(run: RunRef): Context {
    const span = this.#segment(run)?.span;
    return span ? trace.setSpan(ROOT_CONTEXT, span) : ROOT_CONTEXT;
  }

  #segment(run: RunRef): Segment | undefined {
    const segment = this.#segments.get(run.workflowId);
    return segment?.runId === run.runId ? segment : undefined;
  }

  /** A run's WorkflowStarted was recorded: it counts as started. */
  runStarted(workflowType: string): void {
    if (this.#metered) this.#runsStarted.add(1, { 'reprise.workflow_type': workflowType });
  }

  /**
   * An activity attempt starts: its span (named after the activity, with its attempt number)
   * under its run's segment span; it counts, and so does the time it waited to start.
   */
  attemptStarted(task: AttemptTask): AttemptTrace {
    if (!this.#metered && !tracerRegistered()) return UNOBSERVED_ATTEMPT;
    const startedAt = this.port.clock.now();
    if (this.#metered) {
      const attributes = { 'reprise.activity_type': task.activityType };
      this.#attempts.add(1, attributes);
      this.#scheduleToStart.record(seconds(startedAt - (task.notBefore ?? task.scheduledAt)), attributes);
    }
    if (!tracerRegistered()) return { span: undefined, context: ROOT_CONTEXT, startedAt };
    const parent = this.segmentContext(task);
    const span = this.#tracer().startSpan(
      `activity ${task.activityType}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          attempt: task.attempt,
          'reprise.workflow_id': task.workflowId,
          'reprise.run_id': task.runId,
          'reprise.activity_id': task.activityId,
          'reprise.activity_type': task.activityType,
        },
      },
      parent,
    );
    return { span, context: trace.setSpan(parent, span), startedAt };
  }

  /** An attempt ends with its outcome; a failure sets the error status with its message. */
  attemptEnded(attempt: AttemptTrace, task: AttemptTask, outcome: EventBody | 'cancelled'): void {
    const { span } = attempt;
    const result =
      outcome === 'cancelled'
        ? 'cancelled'
        : outcome.type === 'ActivityFailed'
          ? outcome.retryAt === undefined
            ? 'failed'
            : 'retrying'
          : 'completed';
    if (span) {
      span.setAttribute('reprise.outcome', result);
      if (outcome !== 'cancelled' && outcome.type === 'ActivityFailed') {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: `${outcome.error.name}: ${outcome.error.message}`,
        });
      }
      span.end();
    }
    if (!this.#metered) return;
    const attributes: Attributes = { 'reprise.activity_type': task.activityType, 'reprise.outcome': result };
    this.#activityDuration.record(seconds(this.port.clock.now() - attempt.startedAt), attributes);
    if (result === 'failed' || result === 'retrying') this.#failures.add(1, attributes);
  }

  /**
   * The store, its appends timed (`reprise.store.append.duration`, wall time: an append's
   * latency is the disk's, not the engine clock's). Every other call goes to the store itself.
   */
  timeAppends<S extends EventStore>(store: S): S {
    // Unmetered, the store is used as it is: a wrapper would cost a frame on every append.
    if (!this.#metered) return store;
    const histogram = this.#appendDuration;
    const append: EventStore['append'] = async (workflowId, events, options) => {
      const began = performance.now();
      try {
        return await store.append(workflowId, events, options);
      } finally {
        histogram.record((performance.now() - began) / 1000);
      }
    };
    // The store's own methods, bound to it (a store may keep private fields), once per method.
    const bound = new Map<PropertyKey, { readonly of: unknown; readonly method: unknown }>();
    return new Proxy(store, {
      get(target, property) {
        if (property === 'append') return append;
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const known = bound.get(property);
        if (known?.of === value) return known.method;
        const method = value.bind(target);
        bound.set(property, { of: value, method });
        return method;
      },
    });
  }

  /** The engine shuts down: open segments' spans end (`shutdown`), the gauges stop observing. */
  shutdown(): void {
    for (const [workflowId, segment] of [...this.#segments]) {
      this.segmentEnded({ workflowId, runId: segment.runId }, 'shutdown');
    }
    this.#removeGauges();
  }
}

/** The error status message of a run's outcome, or undefined when it did not fail. */
function segmentFailure(outcome: TerminalOutcome): string | undefined {
  switch (outcome.status) {
    case 'Failed':
      return `${outcome.error.name}: ${outcome.error.message}`;
    case 'TimedOut':
      return `timed out after ${outcome.timeout.afterMs} ms`;
    case 'Terminated':
      return `terminated${outcome.reason === null ? '' : `: ${outcome.reason}`}`;
    default:
      return undefined;
  }
}
