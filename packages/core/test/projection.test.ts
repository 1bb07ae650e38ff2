import { projectEvents, projectHistory } from '@reprise/core';
import { leavesProjection, movesOnlyHistoryLength, stepBacklog } from '@reprise/core/internal';
import { historyArbitrary } from '@reprise/testkit';
import fc from 'fast-check';

/**
 * A generated history cut in two: the projection of its first part, and the batch of one to four
 * events that follows it.
 */
const cutHistory = (maxRuns: number, maxSteps: number) =>
  fc
    .tuple(historyArbitrary({ maxRuns, maxSteps }), fc.nat(), fc.integer({ min: 1, max: 4 }))
    .map(([generated, cut, size]) => {
      const history = generated.events;
      const from = cut % history.length;
      return { before: projectHistory(history.slice(0, from)), batch: history.slice(from, from + size) };
    });

describe('movesOnlyHistoryLength', () => {
  it('a batch it passes changes a projection in nothing but historyLength', () => {
    fc.assert(
      fc.property(cutHistory(3, 8), ({ before, batch }) => {
        const after = projectEvents(before, batch);
        const lastSeq = (batch.at(-1) as (typeof batch)[number]).seq;
        const unchanged =
          after.timers.size === before.timers.size &&
          [...after.timers].every(([timerId, fireAt]) => before.timers.get(timerId) === fireAt) &&
          JSON.stringify(after.summary) ===
            JSON.stringify(before.summary && { ...before.summary, historyLength: lastSeq });
        // A batch the predicate stops may change the projection or not; one it passes must not.
        return !movesOnlyHistoryLength(batch) || unchanged;
      }),
      { numRuns: 400 },
    );
  });

  it('stops every batch that starts, closes, upserts attributes, touches a timer or the backlog', () => {
    const at = { workflowId: 'w' as never, seq: 2, recordedAt: 1 };
    expect(
      movesOnlyHistoryLength([
        { ...at, type: 'WorkflowForked', toWorkflowId: 'f' as never, toRunId: 'r' as never, fromEventSeq: 1 },
      ]),
    ).toBe(true);
    for (const event of [
      { ...at, type: 'ActivityScheduled', activityId: '1', activityType: 'a', input: null },
      { ...at, type: 'SignalReceived', signalName: 'go', payload: null },
      { ...at, type: 'BuildChanged', buildId: 'b2' },
      { ...at, type: 'TimerStarted', timerId: 't', fireAt: 5 },
      { ...at, type: 'TimerFired', timerId: 't' },
      { ...at, type: 'WorkflowCompleted', result: null },
      { ...at, type: 'SearchAttributesUpdated', searchAttributes: {} },
    ] as const) {
      expect(movesOnlyHistoryLength([event as never])).toBe(false);
    }
  });
});

describe('leavesProjection', () => {
  it('a batch it passes changes a projection in nothing but historyLength', () => {
    let passed = 0;
    fc.assert(
      fc.property(cutHistory(2, 10), ({ before, batch }) => {
        if (!leavesProjection(before, batch)) return true;
        passed++;
        const after = projectEvents(before, batch);
        const lastSeq = (batch.at(-1) as (typeof batch)[number]).seq;
        return (
          after.timers.size === before.timers.size &&
          [...after.timers].every(([timerId, fireAt]) => before.timers.get(timerId) === fireAt) &&
          JSON.stringify(after.summary) ===
            JSON.stringify(before.summary && { ...before.summary, historyLength: lastSeq })
        );
      }),
      { numRuns: 600 },
    );
    // Not vacuous: the generator's steps complete and schedule activities often enough.
    expect(passed).toBeGreaterThan(10);
  });
});

describe('stepBacklog', () => {
  it('gives the backlog projectEvents gives when nothing else changes, or leaves the batch to it', () => {
    let passed = 0;
    let moved = 0;
    fc.assert(
      fc.property(cutHistory(2, 10), ({ before, batch }) => {
        const backlog = before.summary?.status === 'Running' ? before.summary.backlog : undefined;
        if (backlog === undefined) return;
        const copyBefore = JSON.stringify(backlog);
        const next = stepBacklog(backlog, batch);
        expect(JSON.stringify(backlog)).toBe(copyBefore);
        if (next === undefined) return;
        passed++;
        if (next !== backlog) moved++;
        const after = projectEvents(before, batch);
        expect(after.timers).toBe(before.timers);
        const historyLength = before.summary?.historyLength;
        expect(after.summary && { ...after.summary, historyLength }).toEqual({
          ...before.summary,
          backlog: next,
        });
        // The backlog object is kept when it ends as it began, as projectEvents keeps it.
        expect(next === backlog).toBe(after.summary?.backlog === backlog);
      }),
      { numRuns: 600 },
    );
    // Not vacuous: steps that move the backlog and steps that leave it are both met.
    expect(moved).toBeGreaterThan(10);
    expect(passed - moved).toBeGreaterThan(10);
  });
});

describe('projectEvents keeps no object of its events', () => {
  const objectsIn = (value: unknown, into = new Set<object>()): Set<object> => {
    if (typeof value !== 'object' || value === null || into.has(value)) return into;
    into.add(value);
    for (const item of value instanceof Map ? value.values() : Object.values(value)) objectsIn(item, into);
    return into;
  };

  it('shares no object with the events, and projects them as it projects JSON copies of them', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 3, maxSteps: 8 }), fc.nat(), (generated, cut) => {
        const history = generated.events;
        const from = cut % history.length;
        const before = projectHistory(history.slice(0, from));
        const batch = history.slice(from);
        const after = projectEvents(before, batch);
        const fromEvents = objectsIn(batch);
        for (const object of objectsIn(after.summary)) expect(fromEvents.has(object)).toBe(false);
        const copied = projectEvents(before, JSON.parse(JSON.stringify(batch)));
        expect(after.summary).toEqual(copied.summary);
        expect([...after.timers]).toEqual([...copied.timers]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('projectEvents and the pending timers', () => {
  it('keeps the previous timers object when their content is unchanged, and never changes it', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 3, maxSteps: 8 }), fc.nat(), fc.nat(), (generated, a, b) => {
        const history = generated.events;
        const [from, to] = [a % (history.length + 1), b % (history.length + 1)].sort((x, y) => x - y) as [
          number,
          number,
        ];
        const before = projectHistory(history.slice(0, from));
        const timersBefore = [...before.timers];
        const after = projectEvents(before, history.slice(from, to));
        expect([...before.timers]).toEqual(timersBefore);
        expect([...after.timers]).toEqual([...projectHistory(history.slice(0, to)).timers]);
        const same =
          after.timers.size === before.timers.size &&
          [...after.timers].every(([timerId, fireAt]) => before.timers.get(timerId) === fireAt);
        if (same && after.timers.size === 0) expect(after.timers).toBe(before.timers);
      }),
      { numRuns: 500 },
    );
  });
});
