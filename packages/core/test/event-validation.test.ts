// The event checks a store runs before an append: a ScheduleTriggered's own overlap policy (the
// one a trigger or backfill gave) must be one of the policies, or the batch is refused.
import {
  asWorkflowId,
  type EventBodyOf,
  envelopeEvents,
  InvalidEventError,
  OVERLAP_POLICIES,
} from '@reprise/core';
import { encodeEventBatch } from '@reprise/core/internal';

const id = asWorkflowId('schedule:s');
const T0 = Date.UTC(2026, 0, 1);

const triggered = (extra: Record<string, unknown> = {}): EventBodyOf<'ScheduleTriggered'> =>
  ({
    type: 'ScheduleTriggered',
    scheduleId: 's',
    fireAt: T0,
    startedWorkflowId: asWorkflowId('s@2026-01-01T00:00:00.000Z#1'),
    cause: 'trigger',
    ...extra,
  }) as EventBodyOf<'ScheduleTriggered'>;

const check = (body: EventBodyOf<'ScheduleTriggered'>) =>
  encodeEventBatch(envelopeEvents(id, 0, T0, [body]), { workflowId: id, expectedSeq: 0 });

describe('ScheduleTriggered.overlap', () => {
  it('may be absent (the fire follows the schedule’s policy)', () => {
    expect(() => check(triggered())).not.toThrow();
  });

  it.each(OVERLAP_POLICIES)('may be %s', (policy) => {
    const [text] = check(triggered({ overlap: policy }));
    expect(JSON.parse(text as string)).toMatchObject({ overlap: policy });
  });

  it.each([['ignore'], [''], ['BufferAll'], [3], [null]])(
    'is refused as %p with an InvalidEventError naming the field and the value',
    (value) => {
      let thrown: unknown;
      try {
        check(triggered({ overlap: value }));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidEventError);
      expect((thrown as InvalidEventError).code).toBe('invalid_event');
      expect((thrown as Error).message).toContain(`ScheduleTriggered.overlap is ${JSON.stringify(value)}`);
      expect((thrown as Error).message).toContain("'cancelOther'");
    },
  );
});

// A run's recorded trace context (what an OpenTelemetry propagator injected): string fields only.
const started = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'WorkflowStarted',
    workflowType: 'order',
    input: null,
    runId: 'r1',
    parentRunId: null,
    ...extra,
  }) as EventBodyOf<'WorkflowStarted'>;

const checkStarted = (body: EventBodyOf<'WorkflowStarted'>) =>
  encodeEventBatch(envelopeEvents(asWorkflowId('w'), 0, T0, [body]), {
    workflowId: asWorkflowId('w'),
    expectedSeq: 0,
  });

describe('WorkflowStarted.traceContext', () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('may be absent, or a carrier of strings, kept as written', () => {
    expect(() => checkStarted(started())).not.toThrow();
    const carrier = { traceparent, tracestate: 'vendor=1' };
    const [text] = checkStarted(started({ traceContext: carrier }));
    expect(JSON.parse(text as string).traceContext).toEqual(carrier);
  });

  it.each([['00-abc'], [null], [[traceparent]], [{ traceparent: 7 }], [{ traceparent, tracestate: null }]])(
    'is refused as %p with an InvalidEventError naming the field',
    (value) => {
      expect(() => checkStarted(started({ traceContext: value }))).toThrow(InvalidEventError);
      expect(() => checkStarted(started({ traceContext: value }))).toThrow(
        /WorkflowStarted\.traceContext is/,
      );
    },
  );
});
