// formatTimeline numbers events by seq, names runs run1, run2 ... and marks the event a divergence is at (or the place after the last one).
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { briefDuration, formatTimeline } from '@reprise/testkit/internal';

const runA = asRunId('AAAAAAAAAAAAAAAAAAAAA');
const runB = asRunId('BBBBBBBBBBBBBBBBBBBBB');
const history = [
  ...envelopeEvents(asWorkflowId('w'), 0, 1000, [
    { type: 'WorkflowStarted', workflowType: 'loop', input: 1, runId: runA, parentRunId: null },
    { type: 'TimerStarted', timerId: 't1', fireAt: 61_000 },
  ]),
  ...envelopeEvents(asWorkflowId('w'), 2, 61_000, [
    { type: 'TimerFired', timerId: 't1' },
    { type: 'WorkflowContinuedAsNew', input: 2, parentRunId: runA },
    { type: 'WorkflowStarted', workflowType: 'loop', input: 2, runId: runB, parentRunId: runA },
  ]),
];

it('names runs by start order and marks the event', () => {
  const text = formatTimeline(history, { seq: 3, note: `replay: ${runA} asked for more` });
  expect(text.split('\n')).toEqual([
    '  history of "w", its runs named run1 to run2:',
    '   #1  +0ms  WorkflowStarted loop run1 input 1',
    '   #2  +0ms  TimerStarted t1',
    '>> #3  +1m   TimerFired t1',
    '             ^ replay: run1 asked for more',
    '   #4  +1m   WorkflowContinuedAsNew input 2',
    '   #5  +1m   WorkflowStarted loop run2 input 2 continuing run1',
  ]);
});

it('marks the place after the last event', () => {
  const text = formatTimeline(history.slice(0, 2), {
    seq: undefined,
    note: 'code asked for TimerStarted t2',
  });
  expect(text.split('\n').slice(-2)).toEqual([
    '>> #         (after the last recorded event)',
    '             ^ code asked for TimerStarted t2',
  ]);
});

it('writes durations short', () => {
  expect([0, 250, 1500, 120_000, 3_600_000 * 5, 86_400_000 * 9.5].map(briefDuration)).toEqual([
    '0ms',
    '250ms',
    '1.5s',
    '2m',
    '5h',
    '9.5d',
  ]);
});
