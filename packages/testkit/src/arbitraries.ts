import {
  asRunId,
  asWorkflowId,
  type ErrorData,
  type EventBody,
  envelopeEvents,
  type JsonValue,
  type RetryPolicy,
  type RunId,
  type TerminalStatus,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStatus,
} from '@reprise/core';
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

/** Bodies that may appear inside an open run (not starts, not terminals). */
export const runStepBodyArbitrary = (): fc.Arbitrary<EventBody> => {
  const id = fc.integer({ min: 1, max: 20 }).map(String);
  return fc.oneof(
    fc.record({
      type: fc.constant('ActivityScheduled' as const),
      activityId: id,
      activityType: fc.constantFrom('charge', 'ship'),
      input: payloadArbitrary(),
    }),
    fc.record({
      type: fc.constant('ActivityStarted' as const),
      activityId: id,
      attempt: fc.integer({ min: 1, max: 5 }),
    }),
    fc.record({
      type: fc.constant('ActivityCompleted' as const),
      activityId: id,
      attempt: fc.integer({ min: 1, max: 5 }),
      result: payloadArbitrary(),
    }),
    fc.record({
      type: fc.constant('ActivityFailed' as const),
      activityId: id,
      attempt: fc.integer({ min: 1, max: 5 }),
      error: errorDataArbitrary(),
    }),
    fc.record({
      type: fc.constant('TimerStarted' as const),
      timerId: id,
      fireAt: fc.integer({ min: 0, max: 1e12 }),
    }),
    fc.record({ type: fc.constant('TimerFired' as const), timerId: id }),
    fc.record({ type: fc.constant('TimerCancelled' as const), timerId: id }),
    fc.record({
      type: fc.constant('SignalReceived' as const),
      signalName: fc.constantFrom('approve', 'cancel-order'),
      payload: payloadArbitrary(),
    }),
    fc.record({
      type: fc.constant('SearchAttributesUpdated' as const),
      searchAttributes: fc.dictionary(
        fc.constantFrom('customer', 'region'),
        fc.option(fc.string({ maxLength: 8 })),
      ),
    }),
  );
};

const terminalArbitrary = (runId: RunId): fc.Arbitrary<EventBody> =>
  fc.oneof(
    fc.record({ type: fc.constant('WorkflowCompleted' as const), result: payloadArbitrary() }),
    fc.record({ type: fc.constant('WorkflowFailed' as const), error: errorDataArbitrary() }),
    fc.record({
      type: fc.constant('WorkflowCancelled' as const),
      reason: fc.option(fc.string({ maxLength: 10 })),
    }),
    fc.record({
      type: fc.constant('WorkflowTimedOut' as const),
      timeout: fc.record({
        kind: fc.constant('execution' as const),
        afterMs: fc.integer({ min: 1, max: 1e9 }),
      }),
    }),
    fc.record({
      type: fc.constant('WorkflowContinuedAsNew' as const),
      input: payloadArbitrary(),
      parentRunId: fc.constant(runId),
    }),
  );

/** One run as generated: its id, how it ended (absent: still open) and its events' bodies. */
export interface GeneratedRun {
  readonly runId: RunId;
  readonly terminal: TerminalStatus | undefined;
  readonly bodies: readonly EventBody[];
}

/** A well-formed history and what the generator knows about it, independently of any projection. */
export interface GeneratedHistory {
  readonly workflowId: WorkflowId;
  readonly events: WorkflowEvent[];
  readonly runs: readonly GeneratedRun[];
  /** The status of the latest run. */
  readonly expectedStatus: WorkflowStatus;
}

/**
 * Well-formed histories: one or more runs, each a WorkflowStarted, steps, and a terminal event;
 * the last run may be open. A run after a ContinuedAsNew names it as `parentRunId`.
 */
export const historyArbitrary = (
  options: { readonly maxRuns?: number; readonly maxSteps?: number; readonly workflowId?: string } = {},
): fc.Arbitrary<GeneratedHistory> => {
  const maxRuns = options.maxRuns ?? 3;
  const maxSteps = options.maxSteps ?? 6;
  const runArbitrary = (index: number) =>
    fc.record({
      steps: fc.array(runStepBodyArbitrary(), { maxLength: maxSteps }),
      closes: fc.boolean(),
      terminal: terminalArbitrary(asRunId(`run-${index}`)),
      workflowType: fc.constantFrom('order', 'invoice'),
      input: payloadArbitrary(),
    });
  return fc
    .tuple(
      fc
        .integer({ min: 1, max: maxRuns })
        .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => runArbitrary(i)))),
      fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
      options.workflowId ? fc.constant(options.workflowId) : fc.string({ minLength: 1, maxLength: 12 }),
    )
    .map(([generatedRuns, startTime, rawWorkflowId]) => {
      const workflowId = asWorkflowId(rawWorkflowId);
      const runs: GeneratedRun[] = [];
      let previous: { runId: RunId; terminal: EventBody } | undefined;
      generatedRuns.forEach((run, index) => {
        const runId = asRunId(`run-${index}`);
        const isLast = index === generatedRuns.length - 1;
        const closes = !isLast || run.closes;
        const started: EventBody = {
          type: 'WorkflowStarted',
          workflowType: run.workflowType,
          input: run.input,
          runId,
          parentRunId: previous?.terminal.type === 'WorkflowContinuedAsNew' ? previous.runId : null,
        };
        const bodies = [started, ...run.steps, ...(closes ? [run.terminal] : [])];
        runs.push({ runId, terminal: closes ? terminalStatusOf(run.terminal) : undefined, bodies });
        previous = { runId, terminal: run.terminal };
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

function terminalStatusOf(body: EventBody): TerminalStatus {
  switch (body.type) {
    case 'WorkflowCompleted':
      return 'Completed';
    case 'WorkflowFailed':
      return 'Failed';
    case 'WorkflowCancelled':
      return 'Cancelled';
    case 'WorkflowTimedOut':
      return 'TimedOut';
    case 'WorkflowContinuedAsNew':
      return 'ContinuedAsNew';
    default:
      throw new Error(`not a terminal body: ${body.type}`);
  }
}
