// timelineRuns: a history as runs of spans (activities with their attempts, timers, children) and
// points (signals, updates), with the continue-as-new links, as the web UI draws them.
import { asRunId, asWorkflowId, type EventBody, envelopeEvents, type WorkflowEvent } from '@reprise/core';
import { timelineRuns } from '@reprise/core/internal';
import fc from 'fast-check';

const runA = asRunId('AAAAAAAAAAAAAAAAAAAAA');
const runB = asRunId('BBBBBBBBBBBBBBBBBBBBB');
const id = asWorkflowId('w');
const child = asWorkflowId('w-child');

/** Events at given times: `[time, body]` pairs, seqs from 1. */
function at(...steps: [number, EventBody][]): WorkflowEvent[] {
  return steps.flatMap(([time, body], index) => envelopeEvents(id, index, time, [body]));
}

const history = at(
  [0, { type: 'WorkflowStarted', workflowType: 'loop', input: 1, runId: runA, parentRunId: null }],
  [0, { type: 'ActivityScheduled', activityType: 'charge', activityId: 'a1', input: 1 }],
  [0, { type: 'TimerStarted', timerId: 't1', fireAt: 60_000 }],
  [
    1500,
    {
      type: 'ActivityFailed',
      activityId: 'a1',
      attempt: 1,
      error: { name: 'Error', message: 'busy' },
      retryAt: 2000,
    },
  ],
  [2250, { type: 'ActivityCompleted', activityId: 'a1', attempt: 2, result: 'ok' }],
  [3000, { type: 'SignalReceived', signalName: 'go', payload: null }],
  [
    3000,
    {
      type: 'ChildWorkflowStarted',
      childId: 'c1',
      childWorkflowId: child,
      workflowType: 'sub',
      input: null,
      parentClosePolicy: 'terminate',
    },
  ],
  [4000, { type: 'UpdateAccepted', updateId: 'u1', updateName: 'bump', args: 1 }],
  [
    4000,
    { type: 'UpdateCompleted', updateId: 'u1', updateName: 'bump', error: { name: 'Error', message: 'no' } },
  ],
  [
    5000,
    {
      type: 'ChildWorkflowFailed',
      childId: 'c1',
      childWorkflowId: child,
      error: { name: 'E', message: 'x' },
    },
  ],
  [60_000, { type: 'TimerFired', timerId: 't1' }],
  [60_000, { type: 'WorkflowContinuedAsNew', input: 2, parentRunId: runA }],
  [60_000, { type: 'WorkflowStarted', workflowType: 'loop', input: 2, runId: runB, parentRunId: runA }],
  [60_500, { type: 'ActivityScheduled', activityType: 'charge', activityId: 'a1', input: 2 }],
);

it('lays out each run: activities with attempts and backoff, timers, children, points, continue-as-new links', () => {
  const [first, second] = timelineRuns(history);
  expect(first).toMatchObject({
    runId: runA,
    alias: 'run1',
    start: 0,
    end: 60_000,
    endSeq: 12,
    status: 'ContinuedAsNew',
    previousRunId: null,
    nextRunId: runB,
  });
  expect(first?.spans).toEqual([
    {
      kind: 'activity',
      id: 'a1',
      name: 'charge',
      startSeq: 2,
      start: 0,
      end: 2250,
      endSeq: 5,
      outcome: 'completed',
      attempts: [
        {
          attempt: 1,
          start: 0,
          end: 1500,
          endSeq: 4,
          outcome: 'failed',
          error: { name: 'Error', message: 'busy' },
          retryAt: 2000,
        },
        // The second attempt starts when it was due: 1500 to 2000 is the backoff.
        { attempt: 2, start: 2000, end: 2250, endSeq: 5, outcome: 'completed' },
      ],
    },
    {
      kind: 'timer',
      id: 't1',
      name: 't1',
      startSeq: 3,
      start: 0,
      end: 60_000,
      endSeq: 11,
      outcome: 'fired',
      fireAt: 60_000,
    },
    {
      kind: 'child',
      id: 'c1',
      name: 'sub',
      startSeq: 7,
      start: 3000,
      end: 5000,
      endSeq: 10,
      outcome: 'failed',
      childWorkflowId: child,
    },
  ]);
  expect(first?.points).toEqual([
    { kind: 'signal', name: 'go', seq: 6, at: 3000 },
    { kind: 'updateAccepted', name: 'bump', seq: 8, at: 4000 },
    { kind: 'updateCompleted', name: 'bump', seq: 9, at: 4000, failed: true },
  ]);
  // The same activity id in the next run is that run's own, still open.
  expect(second).toMatchObject({ runId: runB, alias: 'run2', status: 'Running', previousRunId: runA });
  expect(second?.end).toBeUndefined();
  expect(second?.spans).toEqual([
    {
      kind: 'activity',
      id: 'a1',
      name: 'charge',
      startSeq: 14,
      start: 60_500,
      outcome: 'open',
      attempts: [{ attempt: 1, start: 60_500, outcome: 'open' }],
    },
  ]);
});

it('every attempt of an activity retried n times is there, in order, each failed one ending before the next begins', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ runs: fc.integer({ min: 0, max: 5000 }), backoff: fc.integer({ min: 0, max: 5000 }) }),
        {
          maxLength: 8,
        },
      ),
      fc.constantFrom('completed', 'failed', 'open'),
      (failures, last) => {
        const steps: [number, EventBody][] = [
          [0, { type: 'WorkflowStarted', workflowType: 'w', input: null, runId: runA, parentRunId: null }],
          [0, { type: 'ActivityScheduled', activityType: 'x', activityId: 'a', input: null }],
        ];
        let now = 0;
        failures.forEach(({ runs, backoff }, index) => {
          now += runs;
          steps.push([
            now,
            {
              type: 'ActivityFailed',
              activityId: 'a',
              attempt: index + 1,
              error: { name: 'E', message: `${index}` },
              retryAt: now + backoff,
            },
          ]);
          now += backoff;
        });
        const attempt = failures.length + 1;
        if (last === 'completed')
          steps.push([now + 1, { type: 'ActivityCompleted', activityId: 'a', attempt, result: null }]);
        if (last === 'failed')
          steps.push([
            now + 1,
            { type: 'ActivityFailed', activityId: 'a', attempt, error: { name: 'E', message: 'final' } },
          ]);
        const [run] = timelineRuns(at(...steps));
        const span = run?.spans[0];
        expect(span?.outcome).toBe(last);
        const attempts = span?.attempts ?? [];
        expect(attempts.map((a) => a.attempt)).toEqual(Array.from({ length: attempt }, (_, i) => i + 1));
        expect(attempts.map((a) => a.outcome)).toEqual([...failures.map(() => 'failed'), last]);
        attempts.forEach((a, i) => {
          const next = attempts[i + 1];
          if (next) {
            expect(a.end).toBeLessThanOrEqual(next.start);
            expect(a.retryAt).toBe(next.start);
          }
          if (a.end !== undefined) expect(a.end).toBeGreaterThanOrEqual(a.start);
        });
        expect(span?.end === undefined).toBe(last === 'open');
      },
    ),
  );
});
