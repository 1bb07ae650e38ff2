// timelineLines by run (a header naming each run's full id, times from its start) and with durations (attempts, activities, timers, children, runs).
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { timelineLines } from '@reprise/core/internal';

const runA = asRunId('AAAAAAAAAAAAAAAAAAAAA');
const runB = asRunId('BBBBBBBBBBBBBBBBBBBBB');
const id = asWorkflowId('w');
const history = [
  ...envelopeEvents(id, 0, 0, [
    { type: 'WorkflowStarted', workflowType: 'loop', input: 1, runId: runA, parentRunId: null },
    { type: 'ActivityScheduled', activityType: 'charge', activityId: `${runA}.1`, input: 1 },
    { type: 'TimerStarted', timerId: 't1', fireAt: 60_000 },
  ]),
  ...envelopeEvents(id, 3, 1500, [
    {
      type: 'ActivityFailed',
      activityId: `${runA}.1`,
      attempt: 1,
      error: { name: 'Error', message: 'busy' },
      retryAt: 2000,
    },
  ]),
  ...envelopeEvents(id, 4, 2250, [
    { type: 'ActivityCompleted', activityId: `${runA}.1`, attempt: 2, result: 'ok' },
  ]),
  ...envelopeEvents(id, 5, 60_000, [
    { type: 'TimerFired', timerId: 't1' },
    { type: 'WorkflowContinuedAsNew', input: 2, parentRunId: runA },
    { type: 'WorkflowStarted', workflowType: 'loop', input: 2, runId: runB, parentRunId: runA },
  ]),
  ...envelopeEvents(id, 8, 61_000, [{ type: 'WorkflowCompleted', result: 2 }]),
];

it('by run, with durations: a header per run, times from its start, how long each thing took', () => {
  expect(timelineLines(history, { byRun: true, durations: true })).toEqual([
    'run1 (run id AAAAAAAAAAAAAAAAAAAAA) started 1970-01-01T00:00:00.000Z',
    '   #1  +0ms    WorkflowStarted loop run1 input 1',
    '   #2  +0ms    ActivityScheduled charge (activity run1.1) input 1',
    '   #3  +0ms    TimerStarted t1',
    '   #4  +1.5s   ActivityFailed run1.1 attempt 1 Error: "busy", will retry in 500ms (took 1.5s)',
    // The whole activity, from its scheduling; the second attempt ran from 2 s (its retryAt).
    '   #5  +2.25s  ActivityCompleted run1.1 attempt 2 result "ok" (took 2.25s)',
    '   #6  +1m     TimerFired t1 (took 1m)',
    '   #7  +1m     WorkflowContinuedAsNew input 2 (took 1m)',
    '',
    'run2 (run id BBBBBBBBBBBBBBBBBBBBB) started 1970-01-01T00:01:00.000Z',
    '   #8  +0ms    WorkflowStarted loop run2 input 2 continuing run1',
    '   #9  +1s     WorkflowCompleted result 2 (took 1s)',
  ]);
});

it('by default: one list from the first event, no durations', () => {
  expect(timelineLines(history).slice(0, 2)).toEqual([
    '  history of "w", its runs named run1 to run2:',
    '   #1  +0ms    WorkflowStarted loop run1 input 1',
  ]);
  expect(timelineLines(history).at(-1)).toBe('   #9  +1.02m  WorkflowCompleted result 2');
});
