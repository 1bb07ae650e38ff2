// The exported event arbitraries: together they generate every event variant of core, and
// everything they generate is well formed (valid events, outcomes after their commands, ...).
import { EVENT_TYPES, type EventType, OVERLAP_POLICIES, runSegment, type WorkflowEvent } from '@reprise/core';
import { encodeEventBatch } from '@reprise/core/internal';
import { foldScheduleHistory } from '@reprise/engine/internal';
import fc from 'fast-check';
import {
  historyArbitrary,
  runStepBodyArbitrary,
  scheduleCatalogArbitrary,
  scheduleHistoryArbitrary,
} from '../src/arbitraries.js';

/** Fixed, so that a variant missing from the samples is a failure on every run, not some. */
const seed = 20_240_601;

const typesIn = (events: readonly { readonly type: EventType }[][]): Set<EventType> =>
  new Set(events.flat().map((event) => event.type));

const TERMINAL_TYPES: ReadonlySet<EventType> = new Set([
  'WorkflowCompleted',
  'WorkflowFailed',
  'WorkflowCancelled',
  'WorkflowTerminated',
  'WorkflowTimedOut',
  'WorkflowContinuedAsNew',
]);

describe('coverage of the event union', () => {
  it("every one of core's event types appears in the histories the arbitraries generate", () => {
    const seen = typesIn([
      ...fc.sample(historyArbitrary(), { numRuns: 400, seed }).map((history) => history.events),
      ...fc.sample(scheduleHistoryArbitrary(), { numRuns: 200, seed }).map((history) => history.events),
      ...fc.sample(scheduleCatalogArbitrary(), { numRuns: 50, seed }).map((catalog) => catalog.events),
    ]);
    // A variant added to core without an arbitrary shows up here by name.
    expect(EVENT_TYPES.filter((type) => !seen.has(type))).toEqual([]);
  });

  it('runStepBodyArbitrary yields every event a run may hold between its start and its end', () => {
    const seen = typesIn([fc.sample(runStepBodyArbitrary(), { numRuns: 2000, seed })]);
    const inRun = EVENT_TYPES.filter(
      (type) => type !== 'WorkflowStarted' && !TERMINAL_TYPES.has(type) && !type.startsWith('Schedule'),
    );
    expect(inRun.filter((type) => !seen.has(type))).toEqual([]);
    expect([...seen].filter((type) => !inRun.includes(type))).toEqual([]);
  });
});

/** Ids opened and closed in one run segment: what a well-formed run keeps. */
function checkRunSegment(segment: readonly WorkflowEvent[]): void {
  const activities = new Map<string, { attempt: number; ended: boolean }>();
  const timers = new Map<string, 'pending' | 'fired' | 'cancelled'>();
  const children = new Map<string, { workflowId: string; ended: boolean }>();
  const scopes = new Set<string>();
  let cancelRequests = 0;
  let terminals = 0;
  const [start, ...rest] = segment;
  expect(start?.type).toBe('WorkflowStarted');
  for (const event of rest) {
    expect(terminals).toBe(0); // nothing after the terminal
    switch (event.type) {
      case 'WorkflowStarted':
        throw new Error('a second WorkflowStarted inside a run segment');
      case 'ActivityScheduled':
        expect(activities.has(event.activityId)).toBe(false);
        activities.set(event.activityId, { attempt: 0, ended: false });
        break;
      case 'ActivityCompleted':
      case 'ActivityFailed': {
        const activity = activities.get(event.activityId);
        expect(activity && !activity.ended).toBe(true);
        expect(event.attempt).toBe((activity?.attempt ?? 0) + 1);
        const retried = event.type === 'ActivityFailed' && event.retryAt !== undefined;
        activities.set(event.activityId, { attempt: event.attempt, ended: !retried });
        break;
      }
      case 'ActivityCancelled': {
        const activity = activities.get(event.activityId);
        expect(activity && !activity.ended).toBe(true);
        activities.set(event.activityId, { attempt: activity?.attempt ?? 0, ended: true });
        break;
      }
      case 'TimerStarted':
        expect(timers.has(event.timerId)).toBe(false);
        timers.set(event.timerId, 'pending');
        break;
      case 'TimerFired':
      case 'TimerCancelled':
        expect(timers.get(event.timerId)).toBe('pending');
        timers.set(event.timerId, event.type === 'TimerFired' ? 'fired' : 'cancelled');
        break;
      case 'WithTimeoutCompleted':
        // Its deadline timer ended first: fired when the scope timed out, cancelled otherwise.
        expect(timers.get(event.scopeId)).toBe(event.timedOut ? 'fired' : 'cancelled');
        expect(scopes.has(event.scopeId)).toBe(false);
        scopes.add(event.scopeId);
        break;
      case 'ChildWorkflowStarted':
        expect(children.has(event.childId)).toBe(false);
        children.set(event.childId, { workflowId: event.childWorkflowId, ended: false });
        break;
      case 'ChildWorkflowCompleted':
      case 'ChildWorkflowFailed':
      case 'ChildWorkflowCancelled': {
        const child = children.get(event.childId);
        expect(child).toEqual({ workflowId: event.childWorkflowId, ended: false });
        children.set(event.childId, { workflowId: event.childWorkflowId, ended: true });
        break;
      }
      case 'WorkflowCancelRequested':
        cancelRequests++;
        break;
      default:
        if (TERMINAL_TYPES.has(event.type)) terminals++;
        expect(event.type.startsWith('Schedule')).toBe(false);
    }
  }
  expect(cancelRequests).toBeLessThanOrEqual(1);
}

describe('well-formed workflow histories', () => {
  it('pass the stores’ event checks as one batch, and every run segment is consistent', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 4, maxSteps: 10 }), (generated) => {
        expect(() =>
          encodeEventBatch(generated.events, { workflowId: generated.workflowId, expectedSeq: 0 }),
        ).not.toThrow();
        for (const run of generated.runs) checkRunSegment(runSegment(generated.events, run.runId));
      }),
      { numRuns: 300 },
    );
  });

  it('a successor continues its predecessor: parentRunId, the type asked for, input, parent link and timeout', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 4 }), (generated) => {
        const starts = generated.events.filter((event) => event.type === 'WorkflowStarted');
        for (const [index, run] of generated.runs.entries()) {
          const terminal = run.bodies.at(-1);
          const next = starts[index + 1];
          if (!next || terminal?.type !== 'WorkflowContinuedAsNew') {
            if (next) expect(next.parentRunId).toBeNull();
            continue;
          }
          const started = starts[index] as (typeof starts)[number];
          expect(terminal.parentRunId).toBe(run.runId);
          expect(next).toMatchObject({
            parentRunId: run.runId,
            workflowType: terminal.workflowType ?? started.workflowType,
            input: terminal.input,
          });
          expect(next.parent).toEqual(started.parent);
          expect(next.executionTimeout).toEqual(started.executionTimeout);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a TimedOut terminal reports the execution timeout its run started with', () => {
    fc.assert(
      fc.property(historyArbitrary({ maxRuns: 4 }), (generated) => {
        for (const run of generated.runs) {
          const terminal = run.bodies.at(-1);
          const start = run.bodies[0];
          if (terminal?.type !== 'WorkflowTimedOut' || start?.type !== 'WorkflowStarted') continue;
          expect(terminal.timeout.afterMs).toBe(start.executionTimeout);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('well-formed schedule histories', () => {
  it("pass the stores' event checks, and the engine's fold agrees with what the generator built", () => {
    fc.assert(
      fc.property(scheduleHistoryArbitrary({ maxLifetimes: 3 }), (generated) => {
        expect(() =>
          encodeEventBatch(generated.events, { workflowId: generated.workflowId, expectedSeq: 0 }),
        ).not.toThrow();
        const record = foldScheduleHistory(generated.events);
        expect(record).toMatchObject({
          scheduleId: generated.scheduleId,
          deleted: generated.deleted,
          paused: generated.paused,
        });
        expect(generated.events.filter((event) => event.type === 'ScheduleCreated')).toHaveLength(
          generated.lifetimes,
        );
        // Pauses and resumes alternate, and nothing but a new create follows a delete.
        let paused = false;
        let open = false;
        for (const event of generated.events) {
          expect(event.type.startsWith('Schedule')).toBe(true);
          if (event.type === 'ScheduleCreated') {
            expect(open).toBe(false);
            open = true;
            paused = false;
            continue;
          }
          expect(open).toBe(true);
          if (event.type === 'SchedulePaused') expect(paused).toBe(false);
          if (event.type === 'ScheduleResumed') expect(paused).toBe(true);
          if (event.type === 'SchedulePaused' || event.type === 'ScheduleResumed') paused = !paused;
          if (event.type === 'ScheduleDeleted') open = false;
          if (event.type === 'ScheduleFiresSkipped') expect(event.from).toBeLessThanOrEqual(event.upTo);
          if (event.type === 'ScheduleTriggered') {
            expect(event.fireAt).toBeLessThanOrEqual(event.recordedAt);
            // Only a trigger or backfill gives a fire its own overlap policy.
            if (event.cause === undefined) expect(Object.hasOwn(event, 'overlap')).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fires of triggers and backfills come with and without an overlap policy of their own', () => {
    const fires = fc
      .sample(scheduleHistoryArbitrary(), { numRuns: 200, seed })
      .flatMap((history) => history.events)
      .flatMap((event) => (event.type === 'ScheduleTriggered' && event.cause ? [event] : []));
    const policies = new Set(fires.map((fire) => fire.overlap));
    expect(policies.has(undefined)).toBe(true);
    expect([...OVERLAP_POLICIES].filter((policy) => !policies.has(policy))).toEqual([]);
  });

  it('a catalog lists an id only while unlisted and unlists it only while listed', () => {
    fc.assert(
      fc.property(scheduleCatalogArbitrary(), (generated) => {
        expect(() =>
          encodeEventBatch(generated.events, { workflowId: generated.workflowId, expectedSeq: 0 }),
        ).not.toThrow();
        const listed = new Set<string>();
        for (const event of generated.events) {
          if (event.type !== 'ScheduleListed' && event.type !== 'ScheduleUnlisted')
            throw new Error(`${event.type} in a catalog`);
          expect(listed.has(event.scheduleId)).toBe(event.type === 'ScheduleUnlisted');
          if (event.type === 'ScheduleListed') listed.add(event.scheduleId);
          else listed.delete(event.scheduleId);
        }
        expect([...listed].sort()).toEqual(generated.listed);
      }),
      { numRuns: 200 },
    );
  });
});
