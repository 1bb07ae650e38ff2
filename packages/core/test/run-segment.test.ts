import {
  asRunId,
  asWorkflowId,
  envelopeEvents,
  runSegment,
  statusFromEvents,
  terminalOutcomeFromHistory,
  type WorkflowEvent,
} from '@reprise/core';
import { historyArbitrary } from '@reprise/testkit';
import fc from 'fast-check';

const workflowId = asWorkflowId('checkout-1');
const oldRun = asRunId('run-old');
const newRun = asRunId('run-new');

describe('terminalOutcomeFromHistory', () => {
  // The seed's own test: a ContinuedAsNew counts only for the run it continued.
  it('is scoped to the requested run segment', () => {
    const events = envelopeEvents(workflowId, 0, 1000, [
      {
        type: 'WorkflowStarted',
        workflowType: 'checkout',
        input: { label: 'first' },
        runId: oldRun,
        parentRunId: null,
      },
      { type: 'WorkflowContinuedAsNew', input: { label: 'next' }, parentRunId: oldRun },
      {
        type: 'WorkflowStarted',
        workflowType: 'checkout',
        input: { label: 'next' },
        runId: newRun,
        parentRunId: oldRun,
      },
      { type: 'WorkflowCompleted', result: { label: 'done' } },
    ]);
    expect(terminalOutcomeFromHistory(events, oldRun)).toEqual({
      status: 'ContinuedAsNew',
      input: { label: 'next' },
      parentRunId: oldRun,
    });
    expect(terminalOutcomeFromHistory(events, newRun)).toEqual({
      status: 'Completed',
      result: { label: 'done' },
    });
    expect(statusFromEvents(events)).toBe('Completed');
    expect(runSegment(events, oldRun).map((event) => event.seq)).toEqual([1, 2]);
    expect(runSegment(events, newRun).map((event) => event.seq)).toEqual([3, 4]);
  });

  it('is undefined while the run is open, for an unknown run, and for an empty history', () => {
    const events = envelopeEvents(workflowId, 0, 1000, [
      { type: 'WorkflowStarted', workflowType: 'checkout', input: null, runId: oldRun, parentRunId: null },
      { type: 'TimerStarted', timerId: '1', fireAt: 2000 },
    ]);
    expect(terminalOutcomeFromHistory(events, oldRun)).toBeUndefined();
    expect(terminalOutcomeFromHistory(events, asRunId('nope'))).toBeUndefined();
    expect(terminalOutcomeFromHistory([], oldRun)).toBeUndefined();
    expect(statusFromEvents(events)).toBe('Running');
    expect(statusFromEvents([])).toBeUndefined();
    expect(runSegment(events, asRunId('nope'))).toEqual([]);
  });

  it('ignores a ContinuedAsNew that names another run', () => {
    const events = envelopeEvents(workflowId, 0, 1000, [
      { type: 'WorkflowStarted', workflowType: 'checkout', input: null, runId: newRun, parentRunId: null },
      { type: 'WorkflowContinuedAsNew', input: 1, parentRunId: oldRun },
    ]);
    expect(terminalOutcomeFromHistory(events, newRun)).toBeUndefined();
    expect(statusFromEvents(events)).toBe('Running');
  });

  it('a history with no WorkflowStarted (a schedule history) has no status', () => {
    const events = envelopeEvents(workflowId, 0, 1000, [{ type: 'ScheduleDeleted', scheduleId: 's' }]);
    expect(statusFromEvents(events)).toBeUndefined();
  });
});

describe('properties over well-formed histories', () => {
  it('the status is that of the latest run, as the generator built it', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 4, maxSteps: 8 }), (generated) => {
        expect(statusFromEvents(generated.events)).toBe(generated.expectedStatus);
      }),
      { numRuns: 300 },
    );
  });

  it("each run's terminal outcome is found in its own segment and nowhere else", () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 4, maxSteps: 8 }), (generated) => {
        for (const run of generated.runs) {
          expect(terminalOutcomeFromHistory(generated.events, run.runId)?.status).toBe(run.terminal);
          const segment = runSegment(generated.events, run.runId);
          expect(segment.length).toBe(run.bodies.length);
          expect(segment[0]).toMatchObject({ type: 'WorkflowStarted', runId: run.runId });
          // The outcome read from the segment alone equals the one read from the whole history.
          expect(terminalOutcomeFromHistory(segment, run.runId)).toEqual(
            terminalOutcomeFromHistory(generated.events, run.runId),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('segments partition the history: concatenated in run order they give it back', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 4 }), (generated) => {
        const joined: WorkflowEvent[] = generated.runs.flatMap((run) => [
          ...runSegment(generated.events, run.runId),
        ]);
        expect(joined).toEqual(generated.events);
      }),
      { numRuns: 200 },
    );
  });
});
