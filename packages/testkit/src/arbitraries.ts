import {
  asRunId,
  asWorkflowId,
  type ErrorData,
  type EventBody,
  type EventBodyOf,
  envelopeEvents,
  type JsonObject,
  type JsonValue,
  OVERLAP_POLICIES,
  type OverlapPolicy,
  type ParentClosePolicy,
  type RetryPolicy,
  type RunId,
  type ScheduleFireCause,
  type ScheduleSkipReason,
  type ScheduleSpec,
  type SearchAttributes,
  type TerminalStatus,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStatus,
} from '@reprise/core';
import { CATCH_UP_POLICIES, firedWorkflowId, triggeredWorkflowId } from '@reprise/engine';
import { CATALOG_HISTORY_ID, scheduleHistoryId } from '@reprise/engine/internal';
import fc from 'fast-check';

/** Any JSON value a payload may hold, `__proto__` keys, unicode and deep nesting included. */
export const payloadArbitrary = (): fc.Arbitrary<JsonValue> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<JsonValue> },
    { weight: 1, arbitrary: fc.constantFrom<JsonValue>({}, [], '', [[[]]], { a: { b: { c: {} } } }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ unit: 'grapheme' }), fc.jsonValue({ maxDepth: 2 }))
        .map(([text, value]) =>
          JSON.parse(`{"__proto__": ${JSON.stringify(value)}, "text": ${JSON.stringify(text)}}`),
        ),
    },
  );

/** Errors as plain data. */
export const errorDataArbitrary = (): fc.Arbitrary<ErrorData> =>
  fc.record(
    {
      name: fc.constantFrom('Error', 'TypeError', 'PaymentDeclined', 'Timeout'),
      message: fc.string({ maxLength: 40 }),
      nonRetryable: fc.boolean(),
    },
    { requiredKeys: ['name', 'message'] },
  );

/** Retry policies within their domain. */
export const retryPolicyArbitrary = (): fc.Arbitrary<RetryPolicy> =>
  fc
    .record({
      initialInterval: fc.integer({ min: 1, max: 10_000 }),
      backoffCoefficient: fc.double({ min: 1, max: 4, noNaN: true }),
      spread: fc.integer({ min: 1, max: 1000 }),
      maximumAttempts: fc.integer({ min: 0, max: 10 }),
      nonRetryableErrorTypes: fc.subarray(['TypeError', 'PaymentDeclined', 'Timeout']),
    })
    .map(({ spread, ...policy }) => ({ ...policy, maximumInterval: policy.initialInterval * spread }));

/** What one activity attempt does in a generated run. */
export type AttemptOutcome =
  | { readonly kind: 'success'; readonly result: JsonValue; readonly latencyMs: number }
  | { readonly kind: 'failure'; readonly error: ErrorData; readonly latencyMs: number }
  | { readonly kind: 'timeout' };

/**
 * A script of attempt outcomes for one activity, consumed in attempt order; past its end every
 * attempt succeeds. Successful attempts return values of `result` (small JSON by default).
 */
export const activityOutcomeScriptArbitrary = (
  maxAttempts = 4,
  result: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>,
): fc.Arbitrary<AttemptOutcome[]> =>
  fc.array(
    fc.oneof(
      fc.record({
        kind: fc.constant('success' as const),
        result,
        latencyMs: fc.integer({ min: 0, max: 5000 }),
      }),
      fc.record({
        kind: fc.constant('failure' as const),
        error: errorDataArbitrary(),
        latencyMs: fc.integer({ min: 0, max: 5000 }),
      }),
      fc.record({ kind: fc.constant('timeout' as const) }),
    ),
    { maxLength: maxAttempts },
  );

const attemptArbitrary = () => fc.integer({ min: 1, max: 5 });
const reasonArbitrary = () => fc.option(fc.string({ maxLength: 10 }));
/** Epoch ms within the span generated histories are recorded in. */
const epochArbitrary = () => fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 });
const signalNameArbitrary = () => fc.constantFrom('approve', 'cancel-order');
const parentClosePolicyArbitrary = () =>
  fc.constantFrom<ParentClosePolicy>('terminate', 'requestCancel', 'abandon');

/** Search attributes as a start or a child start sets them. */
const searchAttributesArbitrary = (): fc.Arbitrary<SearchAttributes> =>
  fc.dictionary(
    fc.constantFrom('customer', 'region', 'priority', 'tags'),
    fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer({ min: -5, max: 100 }),
      fc.array(fc.constantFrom('vip', 'eu', 'b2b'), { maxLength: 3 }),
    ),
  );

/** Search attributes as an upsert sets them: `null` removes one. */
const upsertedAttributesArbitrary = (): fc.Arbitrary<SearchAttributes> =>
  fc.dictionary(fc.constantFrom('customer', 'region'), fc.option(fc.string({ maxLength: 8 })));

/** Bodies that stand alone in a run (nothing before or after refers to them): signals in and out, search attribute upserts. */
const loneBodyArbitraries = (): fc.Arbitrary<EventBody>[] => [
  fc.record(
    {
      type: fc.constant('SignalReceived' as const),
      signalName: signalNameArbitrary(),
      payload: payloadArbitrary(),
      requestId: fc.string({ minLength: 1, maxLength: 8 }),
    },
    { requiredKeys: ['type', 'signalName', 'payload'] },
  ),
  fc.record({
    type: fc.constant('SignalSent' as const),
    targetWorkflowId: fc.constantFrom('peer-1', 'peer-2').map(asWorkflowId),
    signalName: signalNameArbitrary(),
    payload: payloadArbitrary(),
  }),
  fc.record({
    type: fc.constant('SearchAttributesUpdated' as const),
    searchAttributes: upsertedAttributesArbitrary(),
  }),
  fc.record({
    type: fc.constant('WorkflowForked' as const),
    toWorkflowId: fc.constantFrom('fork-1', 'fork-2').map(asWorkflowId),
    toRunId: fc.constantFrom('run-f1', 'run-f2').map(asRunId),
    fromEventSeq: fc.integer({ min: 1, max: 50 }),
  }),
  fc.record({ type: fc.constant('BuildChanged' as const), buildId: fc.constantFrom('build-a', 'build-b') }),
  fc.record({
    type: fc.constant('PatchMarker' as const),
    patchId: fc.constantFrom('new-step', 'fix-1'),
    deprecated: fc.boolean(),
  }),
];

/**
 * Any one body that may appear inside an open run (not a start, not a terminal), each field
 * drawn on its own: ids need not match anything earlier. `historyArbitrary` builds runs whose
 * bodies do match (see {@link runStepsArbitrary}).
 */
export const runStepBodyArbitrary = (): fc.Arbitrary<EventBody> => {
  const id = fc.integer({ min: 1, max: 20 }).map(String);
  const childWorkflowId = id.map((n) => asWorkflowId(`child-${n}`));
  return fc.oneof(
    fc.record({
      type: fc.constant('ActivityScheduled' as const),
      activityId: id,
      activityType: fc.constantFrom('charge', 'ship'),
      input: payloadArbitrary(),
    }),
    fc.record({
      type: fc.constant('ActivityCompleted' as const),
      activityId: id,
      attempt: attemptArbitrary(),
      result: payloadArbitrary(),
    }),
    fc.record(
      {
        type: fc.constant('ActivityFailed' as const),
        activityId: id,
        attempt: attemptArbitrary(),
        error: errorDataArbitrary(),
        retryAt: epochArbitrary(),
      },
      { requiredKeys: ['type', 'activityId', 'attempt', 'error'] },
    ),
    fc.record({ type: fc.constant('ActivityCancelled' as const), activityId: id, reason: reasonArbitrary() }),
    fc.record({
      type: fc.constant('TimerStarted' as const),
      timerId: id,
      fireAt: fc.integer({ min: 0, max: 1e12 }),
    }),
    fc.record({ type: fc.constant('TimerFired' as const), timerId: id }),
    fc.record({ type: fc.constant('TimerCancelled' as const), timerId: id }),
    fc.record({ type: fc.constant('WithTimeoutCompleted' as const), scopeId: id, timedOut: fc.boolean() }),
    fc.record({ type: fc.constant('SignalDelivered' as const), signalId: id }),
    fc.record({
      type: fc.constant('SignalDeliveryFailed' as const),
      signalId: id,
      targetWorkflowId: fc.constantFrom('peer-1', 'peer-2').map(asWorkflowId),
      error: errorDataArbitrary(),
    }),
    fc.record({ type: fc.constant('WorkflowPaused' as const), reason: reasonArbitrary() }),
    fc.record({ type: fc.constant('WorkflowResumed' as const), reason: reasonArbitrary() }),
    fc.record({
      type: fc.constant('UpdateAccepted' as const),
      updateId: id,
      updateName: updateNameArbitrary(),
      args: payloadArbitrary(),
    }),
    fc.oneof(
      fc.record({
        type: fc.constant('UpdateCompleted' as const),
        updateId: id,
        updateName: updateNameArbitrary(),
        result: payloadArbitrary(),
      }),
      fc.record({
        type: fc.constant('UpdateCompleted' as const),
        updateId: id,
        updateName: updateNameArbitrary(),
        error: errorDataArbitrary(),
      }),
    ),
    ...loneBodyArbitraries(),
    fc.record(
      {
        type: fc.constant('ChildWorkflowStarted' as const),
        childId: id,
        childWorkflowId,
        workflowType: fc.constantFrom('ship-order', 'refund'),
        input: payloadArbitrary(),
        parentClosePolicy: parentClosePolicyArbitrary(),
        searchAttributes: searchAttributesArbitrary(),
      },
      {
        requiredKeys: ['type', 'childId', 'childWorkflowId', 'workflowType', 'input', 'parentClosePolicy'],
      },
    ),
    fc.record({
      type: fc.constant('ChildWorkflowCompleted' as const),
      childId: id,
      childWorkflowId,
      result: payloadArbitrary(),
    }),
    fc.record({
      type: fc.constant('ChildWorkflowFailed' as const),
      childId: id,
      childWorkflowId,
      error: errorDataArbitrary(),
    }),
    fc.record({
      type: fc.constant('ChildWorkflowCancelled' as const),
      childId: id,
      childWorkflowId,
      reason: reasonArbitrary(),
    }),
    fc.record({ type: fc.constant('WorkflowCancelRequested' as const), reason: reasonArbitrary() }),
  );
};

/**
 * One thing a run's code does, from its command to its end (or still open), before it has an
 * id: ids are ordinals in the order the commands are issued, which is known only once the
 * lifecycles are interleaved.
 */
interface StepLifecycle {
  /**
   * The counter its id is an ordinal of, as workflow code counts: activities, timers (timers and
   * withTimeout scopes share one), children; `none` for a lone event.
   */
  readonly counter: 'activity' | 'timer' | 'child' | 'none';
  /** How many events it has (the same for every ordinal). */
  readonly length: number;
  readonly bodies: (ordinal: number) => EventBody[];
}

const lifecycle = (counter: StepLifecycle['counter'], bodies: (ordinal: number) => EventBody[]) => ({
  counter,
  length: bodies(0).length,
  bodies,
});

/** An activity: scheduled, attempts that fail and are retried, then an end or still open. */
const activityLifecycle = (runId: RunId): fc.Arbitrary<StepLifecycle> =>
  fc
    .record({
      activityType: fc.constantFrom('charge', 'ship'),
      input: payloadArbitrary(),
      retried: fc.array(fc.tuple(errorDataArbitrary(), epochArbitrary()), { maxLength: 2 }),
      end: fc.oneof(
        fc.record({ kind: fc.constant('completed' as const), result: payloadArbitrary() }),
        fc.record({ kind: fc.constant('failed' as const), error: errorDataArbitrary() }),
        fc.record({ kind: fc.constant('cancelled' as const), reason: reasonArbitrary() }),
        fc.record({ kind: fc.constant('running' as const) }),
        fc.record({ kind: fc.constant('notStarted' as const) }),
      ),
    })
    .map(({ activityType, input, retried, end }) =>
      lifecycle('activity', (ordinal) => {
        const activityId = `${runId}.${ordinal}`;
        const bodies: EventBody[] = [{ type: 'ActivityScheduled', activityId, activityType, input }];
        if (end.kind === 'notStarted') return bodies;
        retried.forEach(([error, retryAt], index) => {
          bodies.push({ type: 'ActivityFailed', activityId, attempt: index + 1, error, retryAt });
        });
        const attempt = retried.length + 1;
        if (end.kind === 'completed')
          bodies.push({ type: 'ActivityCompleted', activityId, attempt, result: end.result });
        if (end.kind === 'failed')
          bodies.push({ type: 'ActivityFailed', activityId, attempt, error: end.error });
        if (end.kind === 'cancelled')
          bodies.push({ type: 'ActivityCancelled', activityId, reason: end.reason });
        return bodies;
      }),
    );

/** A timer: started, then fired, cancelled or still pending. */
const timerLifecycle = (): fc.Arbitrary<StepLifecycle> =>
  fc
    .tuple(fc.integer({ min: 0, max: 1e12 }), fc.constantFrom('fired', 'cancelled', 'pending'))
    .map(([fireAt, end]) =>
      lifecycle('timer', (ordinal) => {
        const timerId = `t${ordinal}`;
        const bodies: EventBody[] = [{ type: 'TimerStarted', timerId, fireAt }];
        if (end === 'fired') bodies.push({ type: 'TimerFired', timerId });
        if (end === 'cancelled') bodies.push({ type: 'TimerCancelled', timerId });
        return bodies;
      }),
    );

/**
 * A `withTimeout` scope, recorded as workflow code records it: its deadline timer, then either
 * the timer fires and the scope completes timed out, or the scope's work ends first, cancelling
 * the timer; or it is still open.
 */
const withTimeoutLifecycle = (): fc.Arbitrary<StepLifecycle> =>
  fc
    .tuple(fc.integer({ min: 0, max: 1e12 }), fc.constantFrom('timedOut', 'finished', 'open'))
    .map(([fireAt, end]) =>
      lifecycle('timer', (ordinal) => {
        const scopeId = `w${ordinal}`;
        const bodies: EventBody[] = [{ type: 'TimerStarted', timerId: scopeId, fireAt }];
        if (end === 'timedOut') {
          bodies.push(
            { type: 'TimerFired', timerId: scopeId },
            { type: 'WithTimeoutCompleted', scopeId, timedOut: true },
          );
        }
        if (end === 'finished') {
          bodies.push(
            { type: 'TimerCancelled', timerId: scopeId },
            { type: 'WithTimeoutCompleted', scopeId, timedOut: false },
          );
        }
        return bodies;
      }),
    );

/** A child workflow: started, then completed, failed, cancelled or still running. */
const childLifecycle = (runId: RunId): fc.Arbitrary<StepLifecycle> =>
  fc
    .record(
      {
        workflowType: fc.constantFrom('ship-order', 'refund'),
        input: payloadArbitrary(),
        parentClosePolicy: parentClosePolicyArbitrary(),
        searchAttributes: searchAttributesArbitrary(),
        end: fc.oneof(
          fc.record({ kind: fc.constant('completed' as const), result: payloadArbitrary() }),
          fc.record({ kind: fc.constant('failed' as const), error: errorDataArbitrary() }),
          fc.record({ kind: fc.constant('cancelled' as const), reason: reasonArbitrary() }),
          fc.record({ kind: fc.constant('running' as const) }),
        ),
      },
      { requiredKeys: ['workflowType', 'input', 'parentClosePolicy', 'end'] },
    )
    .map(({ end, ...start }) =>
      lifecycle('child', (ordinal) => {
        const childId = `c${ordinal}`;
        const childWorkflowId = asWorkflowId(`${runId}/${childId}`);
        const bodies: EventBody[] = [{ type: 'ChildWorkflowStarted', childId, childWorkflowId, ...start }];
        if (end.kind === 'completed')
          bodies.push({ type: 'ChildWorkflowCompleted', childId, childWorkflowId, result: end.result });
        if (end.kind === 'failed')
          bodies.push({ type: 'ChildWorkflowFailed', childId, childWorkflowId, error: end.error });
        if (end.kind === 'cancelled')
          bodies.push({ type: 'ChildWorkflowCancelled', childId, childWorkflowId, reason: end.reason });
        return bodies;
      }),
    );

const updateNameArbitrary = (): fc.Arbitrary<string> => fc.constantFrom('add', 'approve');

/** An update: accepted, then completed with a result or an error, or still running its handler. */
const updateLifecycle = (): fc.Arbitrary<StepLifecycle> =>
  fc
    .record({
      updateName: updateNameArbitrary(),
      args: payloadArbitrary(),
      end: fc.oneof(
        fc.record({ kind: fc.constant('completed' as const), result: payloadArbitrary() }),
        fc.record({ kind: fc.constant('failed' as const), error: errorDataArbitrary() }),
        fc.record({ kind: fc.constant('running' as const) }),
      ),
    })
    .map(({ updateName, args, end }) =>
      lifecycle('none', (ordinal) => {
        const updateId = `u${ordinal}`;
        const bodies: EventBody[] = [{ type: 'UpdateAccepted', updateId, updateName, args }];
        if (end.kind === 'completed')
          bodies.push({ type: 'UpdateCompleted', updateId, updateName, result: end.result });
        if (end.kind === 'failed')
          bodies.push({ type: 'UpdateCompleted', updateId, updateName, error: end.error });
        return bodies;
      }),
    );

/** A signal sent with its ordinal, then delivered, refused (no open target), or on its way. */
const sentSignalLifecycle = (): fc.Arbitrary<StepLifecycle> =>
  fc
    .record({
      targetWorkflowId: fc.constantFrom('peer-1', 'peer-2').map(asWorkflowId),
      signalName: signalNameArbitrary(),
      payload: payloadArbitrary(),
      end: fc.oneof(
        fc.constant({ kind: 'delivered' as const }),
        fc.record({ kind: fc.constant('failed' as const), error: errorDataArbitrary() }),
        fc.constant({ kind: 'pending' as const }),
      ),
    })
    .map(({ end, ...sent }) =>
      lifecycle('none', (ordinal) => {
        const signalId = `s${ordinal}`;
        const bodies: EventBody[] = [{ type: 'SignalSent', ...sent, signalId }];
        if (end.kind === 'delivered') bodies.push({ type: 'SignalDelivered', signalId });
        if (end.kind === 'failed') {
          bodies.push({
            type: 'SignalDeliveryFailed',
            signalId,
            targetWorkflowId: sent.targetWorkflowId,
            error: end.error,
          });
        }
        return bodies;
      }),
    );

/** Events that stand alone: signals in and out, search attribute upserts. */
const loneLifecycle = (): fc.Arbitrary<StepLifecycle> =>
  fc.oneof(...loneBodyArbitraries()).map((body: EventBody) => lifecycle('none', () => [body]));

/**
 * The steps of one run (`runId`), at most `maxSteps` events: activities, timers, withTimeout
 * scopes, children, signals and upserts, interleaved as concurrent code interleaves them, each
 * consistent (an outcome follows its command, at most one end each, retried failures carry
 * `retryAt`), with ids as workflow code makes them; at most one WorkflowCancelRequested, and at most one WorkflowPaused with its WorkflowResumed.
 * Anything may still be open when the steps end.
 */
export const runStepsArbitrary = (runId: RunId, maxSteps = 6): fc.Arbitrary<EventBody[]> =>
  fc
    .record({
      lifecycles: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: activityLifecycle(runId) },
          { weight: 2, arbitrary: timerLifecycle() },
          { weight: 1, arbitrary: withTimeoutLifecycle() },
          { weight: 2, arbitrary: childLifecycle(runId) },
          { weight: 3, arbitrary: loneLifecycle() },
          { weight: 1, arbitrary: updateLifecycle() },
          { weight: 1, arbitrary: sentSignalLifecycle() },
        ),
        { maxLength: maxSteps },
      ),
      turns: fc.array(fc.nat(), { minLength: 1, maxLength: 2 * maxSteps + 1 }),
      cancelRequest: fc.option(fc.tuple(reasonArbitrary(), fc.nat())),
      pause: fc.option(fc.tuple(reasonArbitrary(), fc.nat())),
    })
    .map(({ lifecycles, turns, cancelRequest, pause }) => {
      // Whole lifecycles only, as many as fit: a cut one would end where its code cannot stop.
      let budget = (cancelRequest ? maxSteps - 1 : maxSteps) - (pause && maxSteps >= 3 ? 2 : 0);
      const kept = lifecycles.filter((step) => {
        if (step.length > budget) return false;
        budget -= step.length;
        return true;
      });
      const steps = interleave(kept, turns);
      if (cancelRequest && maxSteps > 0) {
        const [reason, at] = cancelRequest;
        steps.splice(at % (steps.length + 1), 0, { type: 'WorkflowCancelRequested', reason });
      }
      if (pause && maxSteps >= 3) {
        // A pause and its resume, with nothing held between them.
        const [reason, at] = pause;
        steps.splice(
          at % (steps.length + 1),
          0,
          { type: 'WorkflowPaused', reason },
          { type: 'WorkflowResumed', reason: null },
        );
      }
      return steps;
    });

/**
 * Merges lifecycles keeping each one's order; `turns` picks which goes next, used in turn. Each
 * lifecycle gets its ordinal when its first event is issued, as workflow code counts.
 */
function interleave(lifecycles: readonly StepLifecycle[], turns: readonly number[]): EventBody[] {
  const counters = { activity: 0, timer: 0, child: 0, none: 0 };
  const open = lifecycles.map((step) => ({ step, bodies: undefined as EventBody[] | undefined, next: 0 }));
  const merged: EventBody[] = [];
  for (let turn = 0; open.length > 0; turn++) {
    const index = (turns[turn % turns.length] as number) % open.length;
    const current = open[index] as (typeof open)[number];
    current.bodies ??= current.step.bodies(++counters[current.step.counter]);
    merged.push(current.bodies[current.next++] as EventBody);
    if (current.next === current.bodies.length) open.splice(index, 1);
  }
  return merged;
}

const terminalArbitrary = (runId: RunId): fc.Arbitrary<EventBody> =>
  fc.oneof(
    fc.record({ type: fc.constant('WorkflowCompleted' as const), result: payloadArbitrary() }),
    fc.record({ type: fc.constant('WorkflowFailed' as const), error: errorDataArbitrary() }),
    fc.record({ type: fc.constant('WorkflowCancelled' as const), reason: reasonArbitrary() }),
    fc.record({ type: fc.constant('WorkflowTerminated' as const), reason: reasonArbitrary() }),
    fc.record({
      type: fc.constant('WorkflowTimedOut' as const),
      timeout: fc.record({
        kind: fc.constant('execution' as const),
        afterMs: fc.integer({ min: 1, max: 1e9 }),
      }),
    }),
    fc.record(
      {
        type: fc.constant('WorkflowContinuedAsNew' as const),
        input: payloadArbitrary(),
        workflowType: fc.constantFrom('order', 'invoice'),
        parentRunId: fc.constant(runId),
      },
      { requiredKeys: ['type', 'input', 'parentRunId'] },
    ),
  );

/** One run as generated: its id, how it ended (absent: still open) and its events' bodies. */
export interface GeneratedRun {
  /** The run's id. */
  readonly runId: RunId;
  /** The status its terminal event records; `undefined` for a run still open. */
  readonly terminal: TerminalStatus | undefined;
  /** The bodies of the run's events, its WorkflowStarted first. */
  readonly bodies: readonly EventBody[];
}

/** A well-formed history and what the generator knows about it, independently of any projection. */
export interface GeneratedHistory {
  /** The workflow the history belongs to. */
  readonly workflowId: WorkflowId;
  /** The history: every run's events in envelopes, seqs from 1. */
  readonly events: WorkflowEvent[];
  /** The runs, oldest first. */
  readonly runs: readonly GeneratedRun[];
  /** The status of the latest run. */
  readonly expectedStatus: WorkflowStatus;
}

/**
 * Well-formed histories: one or more runs, each a WorkflowStarted, steps (see
 * {@link runStepsArbitrary}, at most `maxSteps` events), and a terminal event; the last run may
 * be open. A run may be a child (a parent link), have search attributes and an execution
 * timeout (which a TimedOut terminal reports). A run after a ContinuedAsNew names it as
 * `parentRunId`, has the workflow type it asked for, and keeps its parent link and timeout, as
 * the engine starts successors.
 */
export const historyArbitrary = (
  options: { readonly maxRuns?: number; readonly maxSteps?: number; readonly workflowId?: string } = {},
): fc.Arbitrary<GeneratedHistory> => {
  const maxRuns = options.maxRuns ?? 3;
  const maxSteps = options.maxSteps ?? 6;
  const runArbitrary = (index: number) =>
    fc.record({
      steps: runStepsArbitrary(asRunId(`run-${index}`), maxSteps),
      closes: fc.boolean(),
      terminal: terminalArbitrary(asRunId(`run-${index}`)),
      workflowType: fc.constantFrom('order', 'invoice'),
      input: payloadArbitrary(),
      start: fc.record(
        {
          parent: fc.record({
            workflowId: fc.constantFrom('parent-1', 'parent-2').map(asWorkflowId),
            runId: fc.constantFrom('parent-run-1', 'parent-run-2').map(asRunId),
            childId: fc.integer({ min: 1, max: 3 }).map((n) => `c${n}`),
            parentClosePolicy: parentClosePolicyArbitrary(),
          }),
          searchAttributes: searchAttributesArbitrary(),
          executionTimeout: fc.integer({ min: 1, max: 1e9 }),
        },
        { requiredKeys: [] },
      ),
    });
  return fc
    .tuple(
      fc
        .integer({ min: 1, max: maxRuns })
        .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => runArbitrary(i)))),
      epochArbitrary(),
      options.workflowId ? fc.constant(options.workflowId) : fc.string({ minLength: 1, maxLength: 12 }),
    )
    .map(([generatedRuns, startTime, rawWorkflowId]) => {
      const workflowId = asWorkflowId(rawWorkflowId);
      const runs: GeneratedRun[] = [];
      const timeouts = chainTimeouts(generatedRuns);
      let previous: { started: EventBodyOf<'WorkflowStarted'>; terminal: EventBody } | undefined;
      generatedRuns.forEach((run, index) => {
        const runId = asRunId(`run-${index}`);
        const isLast = index === generatedRuns.length - 1;
        const closes = !isLast || run.closes;
        const continued = previous?.terminal.type === 'WorkflowContinuedAsNew' ? previous : undefined;
        const continuedAs = continued?.terminal as EventBodyOf<'WorkflowContinuedAsNew'> | undefined;
        // A successor keeps its predecessor's parent link (and timeout); a fresh start has its own.
        const parent = continued ? continued.started.parent : run.start.parent;
        const executionTimeout = timeouts[index];
        const terminal: EventBody =
          run.terminal.type === 'WorkflowTimedOut'
            ? { ...run.terminal, timeout: { kind: 'execution', afterMs: executionTimeout as number } }
            : run.terminal;
        const started: EventBodyOf<'WorkflowStarted'> = {
          type: 'WorkflowStarted',
          // A successor runs the type its predecessor asked for, by default its own.
          workflowType: continued
            ? (continuedAs?.workflowType ?? continued.started.workflowType)
            : run.workflowType,
          input: continuedAs ? continuedAs.input : run.input,
          runId,
          parentRunId: continuedAs ? continuedAs.parentRunId : null,
          ...(parent ? { parent } : {}),
          ...(run.start.searchAttributes ? { searchAttributes: run.start.searchAttributes } : {}),
          ...(executionTimeout === undefined ? {} : { executionTimeout }),
        };
        const bodies = [started, ...run.steps, ...(closes ? [terminal] : [])];
        runs.push({ runId, terminal: closes ? terminalStatusOf(terminal) : undefined, bodies });
        previous = { started, terminal };
      });
      const events: WorkflowEvent[] = [];
      for (const run of runs) {
        for (const body of run.bodies) {
          events.push(...envelopeEvents(workflowId, events.length, startTime + events.length * 1000, [body]));
        }
      }
      const last = runs[runs.length - 1] as GeneratedRun;
      return { workflowId, events, runs, expectedStatus: last.terminal ?? 'Running' };
    });
};

/**
 * The execution timeout of each run. Runs linked by continue-as-new share one, as the engine
 * carries it to successors: the first run's own, or else, when a run of the chain times out, the
 * one its TimedOut terminal reports (so that terminal had a timeout to hit).
 */
function chainTimeouts(
  runs: readonly {
    readonly terminal: EventBody;
    readonly start: { readonly executionTimeout?: number };
  }[],
): (number | undefined)[] {
  const timeouts: (number | undefined)[] = [];
  for (let first = 0; first < runs.length; ) {
    let last = first;
    while (last < runs.length - 1 && runs[last]?.terminal.type === 'WorkflowContinuedAsNew') last++;
    const chain = runs.slice(first, last + 1);
    const timedOut = chain.find((run) => run.terminal.type === 'WorkflowTimedOut')?.terminal;
    const timeout =
      chain[0]?.start.executionTimeout ??
      (timedOut?.type === 'WorkflowTimedOut' ? timedOut.timeout.afterMs : undefined);
    for (let index = first; index <= last; index++) timeouts.push(timeout);
    first = last + 1;
  }
  return timeouts;
}

/** A schedule's timing in its stored form (intervals in ms, an offset below the interval). */
const scheduleSpecArbitrary = (): fc.Arbitrary<ScheduleSpec> =>
  fc.oneof(
    fc
      .tuple(fc.integer({ min: 1000, max: 86_400_000 }), fc.option(fc.nat()))
      .map(([every, offset]): ScheduleSpec => {
        const within = offset === null ? 0 : offset % every;
        return within === 0 ? { every } : { every, offset: within };
      }),
    fc.record(
      {
        cron: fc.constantFrom('*/5 * * * *', '0 9 * * 1-5', '@daily', '30 0 */2 * * *'),
        timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
      },
      { requiredKeys: ['cron'] },
    ),
  );

/** The schedule fields `ScheduleCreated.options` records, and `ScheduleUpdated.changes` may change. */
const scheduleOptionFields = {
  overlap: fc.constantFrom(...OVERLAP_POLICIES),
  catchUp: fc.constantFrom(...CATCH_UP_POLICIES),
  catchUpWindow: fc.integer({ min: 1000, max: 365 * 86_400_000 }),
};

/** What one step of a schedule's lifetime does, before it has a time and a seq. */
type ScheduleStep =
  | { readonly kind: 'update'; readonly changes: JsonObject }
  | { readonly kind: 'pauseOrResume'; readonly note: string | null }
  | {
      readonly kind: 'fire';
      readonly cause: ScheduleFireCause;
      readonly lateBy: number;
      /** The policy a trigger or backfill gave; ignored for a spec fire, which never has one. */
      readonly overlap: OverlapPolicy | null;
    }
  | {
      readonly kind: 'skip';
      readonly reason: ScheduleSkipReason;
      readonly lateBy: number;
      readonly span: number;
    };

const scheduleStepArbitrary = (): fc.Arbitrary<ScheduleStep> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('update' as const),
      changes: fc
        .record(
          {
            spec: scheduleSpecArbitrary() as unknown as fc.Arbitrary<JsonObject>,
            workflowType: fc.constantFrom('order', 'invoice'),
            input: payloadArbitrary(),
            searchAttributes: fc.option(searchAttributesArbitrary()),
            ...scheduleOptionFields,
          },
          { requiredKeys: [] },
        )
        // The engine records an update only when it changes something.
        .filter((changes) => Object.keys(changes).length > 0),
    }),
    fc.record({ kind: fc.constant('pauseOrResume' as const), note: reasonArbitrary() }),
    fc.record({
      kind: fc.constant('fire' as const),
      cause: fc.constantFrom<ScheduleFireCause>('spec', 'trigger', 'backfill'),
      lateBy: fc.integer({ min: 0, max: 3_600_000 }),
      overlap: fc.option(fc.constantFrom(...OVERLAP_POLICIES), { freq: 2 }),
    }),
    fc.record({
      kind: fc.constant('skip' as const),
      reason: fc.constantFrom<ScheduleSkipReason>('overlap', 'catchUp', 'catchUpWindow'),
      lateBy: fc.integer({ min: 0, max: 3_600_000 }),
      span: fc.integer({ min: 0, max: 86_400_000 }),
    }),
  );

/** A well-formed schedule history and what the generator knows about its latest lifetime. */
export interface GeneratedScheduleHistory {
  /** The schedule's id. */
  readonly scheduleId: string;
  /** The history's id, as the engine names a schedule's history. */
  readonly workflowId: WorkflowId;
  /** The history: Schedule* events in envelopes, seqs from 1. */
  readonly events: WorkflowEvent[];
  /** How many times the schedule was created (each create after a delete starts a lifetime). */
  readonly lifetimes: number;
  /** Whether the latest lifetime ended with ScheduleDeleted. */
  readonly deleted: boolean;
  /** Whether the latest lifetime is paused. */
  readonly paused: boolean;
}

/**
 * Well-formed schedule histories, as the engine keeps them (a history of their own, no
 * WorkflowStarted): lifetimes, each a ScheduleCreated (maybe created paused), then updates,
 * pauses and resumes in turn, fires (ScheduleTriggered naming the workflow the engine would
 * start; a trigger's or backfill's sometimes with its own overlap policy) and skipped ranges, closed by ScheduleDeleted; only the latest lifetime may be open.
 */
export const scheduleHistoryArbitrary = (
  options: { readonly maxLifetimes?: number; readonly maxSteps?: number } = {},
): fc.Arbitrary<GeneratedScheduleHistory> => {
  const lifetimeArbitrary = fc.record(
    {
      spec: scheduleSpecArbitrary(),
      workflowType: fc.constantFrom('order', 'invoice'),
      input: payloadArbitrary(),
      options: fc.record(
        { ...scheduleOptionFields, searchAttributes: searchAttributesArbitrary() },
        { requiredKeys: ['overlap', 'catchUp', 'catchUpWindow'] },
      ),
      createdPaused: fc.option(reasonArbitrary()),
      steps: fc.array(scheduleStepArbitrary(), { maxLength: options.maxSteps ?? 6 }),
      deleted: fc.boolean(),
    },
    { requiredKeys: ['spec', 'workflowType', 'input', 'options', 'createdPaused', 'steps', 'deleted'] },
  );
  return fc
    .record({
      scheduleId: fc.constantFrom('nightly', 'hourly-report', 'sync'),
      lifetimes: fc.array(lifetimeArbitrary, { minLength: 1, maxLength: options.maxLifetimes ?? 2 }),
      startTime: epochArbitrary(),
    })
    .map(({ scheduleId, lifetimes, startTime }) => {
      const workflowId = scheduleHistoryId(scheduleId);
      const events: WorkflowEvent[] = [];
      const record = (body: EventBody): WorkflowEvent => {
        const [event] = envelopeEvents(workflowId, events.length, startTime + events.length * 60_000, [body]);
        events.push(event as WorkflowEvent);
        return event as WorkflowEvent;
      };
      let paused = false;
      let deleted = false;
      lifetimes.forEach((lifetime, index) => {
        const { spec, workflowType, input, options: recorded, createdPaused, steps } = lifetime;
        record({ type: 'ScheduleCreated', scheduleId, spec, workflowType, input, options: recorded });
        paused = createdPaused !== null;
        if (createdPaused !== null) record({ type: 'SchedulePaused', scheduleId, note: createdPaused });
        for (const step of steps) {
          const now = startTime + events.length * 60_000;
          switch (step.kind) {
            case 'update':
              record({ type: 'ScheduleUpdated', scheduleId, changes: step.changes });
              break;
            case 'pauseOrResume':
              record({ type: paused ? 'ScheduleResumed' : 'SchedulePaused', scheduleId, note: step.note });
              paused = !paused;
              break;
            case 'fire': {
              // A trigger fires now and names its workflow by its own seq; a spec fire or a
              // backfill fires at a nominal time at or before now, and is named by it.
              const fireAt = step.cause === 'trigger' ? now : now - step.lateBy;
              const startedWorkflowId =
                step.cause === 'trigger'
                  ? triggeredWorkflowId(scheduleId, fireAt, events.length + 1)
                  : firedWorkflowId(scheduleId, fireAt);
              record({
                type: 'ScheduleTriggered',
                scheduleId,
                fireAt,
                startedWorkflowId,
                ...(step.cause === 'spec' ? {} : { cause: step.cause }),
                // Only a trigger or backfill may give a fire its own overlap policy.
                ...(step.cause === 'spec' || step.overlap === null ? {} : { overlap: step.overlap }),
              });
              break;
            }
            case 'skip': {
              const upTo = now - step.lateBy;
              record({
                type: 'ScheduleFiresSkipped',
                scheduleId,
                from: upTo - step.span,
                upTo,
                reason: step.reason,
              });
              break;
            }
          }
        }
        // Only the latest lifetime may still be open: a create needs the one before deleted.
        deleted = lifetime.deleted || index < lifetimes.length - 1;
        if (deleted) record({ type: 'ScheduleDeleted', scheduleId });
      });
      return { scheduleId, workflowId, events, lifetimes: lifetimes.length, deleted, paused };
    });
};

/** A generated schedules catalog and the ids it lists at its end. */
export interface GeneratedScheduleCatalog {
  /** The history's id, as the engine names the catalog. */
  readonly workflowId: WorkflowId;
  /** The catalog's history: ScheduleListed and ScheduleUnlisted events, seqs from 1. */
  readonly events: WorkflowEvent[];
  /** The schedule ids listed at the end, sorted. */
  readonly listed: readonly string[];
}

/**
 * Well-formed schedules catalogs, as the engine keeps them: a history of ScheduleListed and
 * ScheduleUnlisted, where an id is listed only while unlisted and unlisted only while listed
 * (the engine writes nothing for a change that changes nothing).
 */
export const scheduleCatalogArbitrary = (): fc.Arbitrary<GeneratedScheduleCatalog> =>
  fc
    .tuple(
      fc.array(fc.constantFrom('nightly', 'hourly-report', 'sync', 'weekly'), {
        minLength: 1,
        maxLength: 12,
      }),
      epochArbitrary(),
    )
    .map(([changed, startTime]) => {
      const listed = new Set<string>();
      const bodies: EventBody[] = changed.map((scheduleId) => {
        const wasListed = listed.has(scheduleId);
        if (wasListed) listed.delete(scheduleId);
        else listed.add(scheduleId);
        return { type: wasListed ? 'ScheduleUnlisted' : 'ScheduleListed', scheduleId };
      });
      const events = bodies.flatMap((body, index) =>
        envelopeEvents(CATALOG_HISTORY_ID, index, startTime + index * 1000, [body]),
      );
      return { workflowId: CATALOG_HISTORY_ID, events, listed: [...listed].sort() };
    });

function terminalStatusOf(body: EventBody): TerminalStatus {
  switch (body.type) {
    case 'WorkflowCompleted':
      return 'Completed';
    case 'WorkflowFailed':
      return 'Failed';
    case 'WorkflowCancelled':
      return 'Cancelled';
    case 'WorkflowTerminated':
      return 'Terminated';
    case 'WorkflowTimedOut':
      return 'TimedOut';
    case 'WorkflowContinuedAsNew':
      return 'ContinuedAsNew';
    default:
      throw new Error(`not a terminal body: ${body.type}`);
  }
}
