// The backlog of an open run (what recovery needs to know to leave a run that only waits
// unreplayed) is derived event by event, so it must not depend on how the events were batched,
// and it must count what is outstanding.
import {
  asRunId,
  asWorkflowId,
  type EventBody,
  projectEvents,
  projectHistory,
  type WorkflowEvent,
  type WorkflowSummary,
} from '@reprise/core';
import { replayAtStart } from '@reprise/core/internal';
import { historyArbitrary } from '@reprise/testkit';
import fc from 'fast-check';

const workflowId = asWorkflowId('w');
const runId = asRunId('r1');

function history(...bodies: EventBody[]): WorkflowEvent[] {
  return bodies.map(
    (body, index) => ({ ...body, workflowId, seq: index + 1, recordedAt: 1000 + index }) as WorkflowEvent,
  );
}

const started: EventBody = {
  type: 'WorkflowStarted',
  workflowType: 'order',
  input: null,
  runId,
  parentRunId: null,
  buildId: 'b1',
};
/** A client's start recorded with the code's first step, which asked for nothing. */
const quietStart = { ...started, firstStepQuiet: true } as EventBody;
const scheduled = (activityId: string): EventBody => ({
  type: 'ActivityScheduled',
  activityId,
  activityType: 'charge',
  input: null,
});

const backlogOf = (...bodies: EventBody[]) => projectHistory(history(...bodies)).summary?.backlog;

describe('the backlog of an open run', () => {
  it('is the same however the history is cut into appends', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 3, maxSteps: 10 }), fc.array(fc.nat()), (generated, cuts) => {
        const events = generated.events;
        const bounds = [...new Set(cuts.map((cut) => cut % events.length))].sort((a, b) => a - b);
        let projection = projectEvents(projectHistory([]), []);
        let from = 0;
        for (const bound of [...bounds, events.length]) {
          projection = projectEvents(projection, events.slice(from, bound));
          from = bound;
        }
        expect(projection.summary).toEqual(projectHistory(events).summary);
      }),
      { numRuns: 300 },
    );
  });

  it('is present while the run is open and gone once it closes', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 2, maxSteps: 6 }), (generated) => {
        const summary = projectHistory(generated.events).summary as WorkflowSummary;
        expect(summary.backlog !== undefined).toBe(summary.status === 'Running');
      }),
      { numRuns: 200 },
    );
  });

  it('counts activities until they end: completed, failed for good, or cancelled', () => {
    expect(backlogOf(quietStart)).toEqual({ activities: 0, children: 0, signals: 0 });
    expect(backlogOf(started, scheduled('1'))).toEqual({ activities: 1, children: 0, signals: 0 });
    const retried: EventBody = {
      type: 'ActivityFailed',
      activityId: '1',
      attempt: 1,
      error: { name: 'Error', message: 'busy' },
      retryAt: 5000,
    };
    expect(backlogOf(started, scheduled('1'), retried)).toEqual({
      activities: 1,
      children: 0,
      signals: 0,
      input: true,
    });
    const { retryAt: _, ...final } = retried as EventBody & { retryAt: number };
    expect(backlogOf(started, scheduled('1'), retried, final as EventBody)?.activities).toBe(0);
    expect(
      backlogOf(started, scheduled('1'), scheduled('2'), {
        type: 'ActivityCompleted',
        activityId: '1',
        attempt: 1,
        result: null,
      }),
    ).toEqual({ activities: 1, children: 0, signals: 0, input: true });
    expect(
      backlogOf(started, scheduled('1'), { type: 'ActivityCancelled', activityId: '1', reason: null }),
    ).toEqual({ activities: 0, children: 0, signals: 0 });
  });

  it('counts children until their outcome, and signals sent until their delivery outcome', () => {
    const child: EventBody = {
      type: 'ChildWorkflowStarted',
      childId: 'c1',
      childWorkflowId: asWorkflowId('kid'),
      workflowType: 'item',
      input: null,
      parentClosePolicy: 'terminate',
    };
    const sent: EventBody = {
      type: 'SignalSent',
      targetWorkflowId: asWorkflowId('other'),
      signalName: 'go',
      payload: null,
      signalId: 's1',
    };
    const { signalId: _, ...legacy } = sent as EventBody & { signalId: string };
    expect(backlogOf(started, child, sent, legacy as EventBody)).toEqual({
      activities: 0,
      children: 1,
      signals: 1,
    });
    expect(
      backlogOf(
        started,
        child,
        sent,
        { type: 'SignalDelivered', signalId: 's1' },
        { type: 'ChildWorkflowCompleted', childId: 'c1', childWorkflowId: asWorkflowId('kid'), result: 1 },
      ),
    ).toEqual({ activities: 0, children: 0, signals: 0, input: true });
  });

  it('says an input came last until a command follows it; notes change nothing but the build', () => {
    const signal: EventBody = { type: 'SignalReceived', signalName: 'go', payload: null };
    const timer: EventBody = { type: 'TimerStarted', timerId: 't1', fireAt: 9000 };
    const note: EventBody = { type: 'BuildChanged', buildId: 'b2' };
    expect(backlogOf(started, signal)?.input).toBe(true);
    expect(backlogOf(started, signal, timer)?.input).toBeUndefined();
    expect(backlogOf(started, timer, note)).toEqual({ activities: 0, children: 0, signals: 0, build: 'b2' });
    expect(backlogOf(started, signal, note, timer)).toEqual({
      activities: 0,
      children: 0,
      signals: 0,
      build: 'b2',
    });
    expect(backlogOf(started, timer, { type: 'WorkflowCancelRequested', reason: null })?.input).toBe(true);
    expect(backlogOf(started, { type: 'WorkflowCompleted', result: null })).toBeUndefined();
  });

  it('says the code may not have taken its start until a command follows it, unless its first step was quiet', () => {
    const timer: EventBody = { type: 'TimerStarted', timerId: 't1', fireAt: 9000 };
    const successor: EventBody = { ...started, parentRunId: asRunId('r0') } as EventBody;
    for (const start of [started, successor]) {
      expect(backlogOf(start)?.input).toBe(true);
      expect(backlogOf(start, timer)?.input).toBeUndefined();
    }
    expect(backlogOf(quietStart)?.input).toBeUndefined();
  });

  it('keeps the same object when an append leaves it as it was (the stored row stays as it was)', () => {
    const events = history(
      started,
      scheduled('1'),
      { type: 'ActivityCompleted', activityId: '1', attempt: 1, result: null },
      scheduled('2'),
    );
    const before = projectHistory(events.slice(0, 2));
    const after = projectEvents(before, events.slice(2));
    expect(after.summary?.backlog).toBe(before.summary?.backlog);
  });
});

describe('replayAtStart', () => {
  const summaryOf = (...bodies: EventBody[]) => projectHistory(history(...bodies)).summary as WorkflowSummary;
  const timer: EventBody = { type: 'TimerStarted', timerId: 't1', fireAt: 9000 };

  it('leaves a run that only waits, and replays one with work or an input its code may not have taken', () => {
    expect(replayAtStart(summaryOf(quietStart), 'b1')).toBe(false);
    expect(replayAtStart(summaryOf(started), 'b1')).toBe(true);
    expect(replayAtStart(summaryOf(started, timer), 'b1')).toBe(false);
    expect(replayAtStart(summaryOf(started, scheduled('1')), 'b1')).toBe(true);
    expect(
      replayAtStart(
        summaryOf(started, timer, { type: 'SignalReceived', signalName: 'go', payload: null }),
        'b1',
      ),
    ).toBe(true);
  });

  it('replays a run whose latest step another build recorded, and a row without a backlog', () => {
    expect(replayAtStart(summaryOf(quietStart), 'b2')).toBe(true);
    expect(replayAtStart(summaryOf(started, timer), 'b2')).toBe(true);
    const carriedOn = summaryOf(started, timer, { type: 'BuildChanged', buildId: 'b2' }, timer);
    expect(replayAtStart(carriedOn, 'b2')).toBe(false);
    expect(replayAtStart(carriedOn, 'b1')).toBe(true);
    const { backlog: _, ...old } = summaryOf(started, timer);
    expect(replayAtStart(old as WorkflowSummary, 'b1')).toBe(true);
  });
});
