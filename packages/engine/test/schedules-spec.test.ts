// The pure parts of schedules: spec parsing and fire times, the catch-up plan, the overlap
// rules, and folding a schedule history into its state.
import { asWorkflowId, type EventBody, envelopeEvents, InvalidScheduleSpecError } from '@reprise/core';
import { fireTimes, foldScheduleHistory, normalizeSpec, scheduleHistoryId } from '@reprise/engine/internal';
import { dueSteps } from '../src/schedules/catch-up.js';
import { admitFire, nextForWaiting, OVERLAP_POLICIES, waitingOrder } from '../src/schedules/overlap.js';

const utc = (text: string) => Date.parse(text);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('specs', () => {
  it('intervals take durations, fall on multiples of the interval from the epoch, shifted by the offset', () => {
    expect(normalizeSpec({ every: '15m' })).toEqual({ every: 900_000 });
    expect(normalizeSpec({ every: '1h', offset: '90m' })).toEqual({ every: 3_600_000, offset: 1_800_000 });
    const times = fireTimes(normalizeSpec({ every: '1h', offset: '5m' }));
    expect(iso(times.after(utc('2026-01-01T10:05:00Z')))).toBe('2026-01-01T11:05:00.000Z');
    expect(iso(times.after(utc('2026-01-01T10:04:59.999Z')))).toBe('2026-01-01T10:05:00.000Z');
    expect(iso(times.atOrBefore(utc('2026-01-01T10:05:00Z')))).toBe('2026-01-01T10:05:00.000Z');
    expect(iso(times.atOrBefore(utc('2026-01-01T10:04:59Z')))).toBe('2026-01-01T09:05:00.000Z');
  });

  it('cron reads 5 fields, 6 with seconds, nicknames, and a time zone across a DST change', () => {
    const newYork = fireTimes(normalizeSpec({ cron: '30 9 * * 1-5', timezone: 'America/New_York' }));
    // Friday 6 March 2026 (EST, UTC-5), then Monday 9 March (EDT, UTC-4).
    expect(iso(newYork.after(utc('2026-03-06T00:00:00Z')))).toBe('2026-03-06T14:30:00.000Z');
    expect(iso(newYork.after(utc('2026-03-06T14:30:00Z')))).toBe('2026-03-09T13:30:00.000Z');
    expect(iso(newYork.atOrBefore(utc('2026-03-09T13:30:00Z')))).toBe('2026-03-09T13:30:00.000Z');
    const seconds = fireTimes(normalizeSpec({ cron: '*/10 * * * * *' }));
    expect(iso(seconds.after(utc('2026-01-01T00:00:05.500Z')))).toBe('2026-01-01T00:00:10.000Z');
    expect(iso(seconds.atOrBefore(utc('2026-01-01T00:00:19.999Z')))).toBe('2026-01-01T00:00:10.000Z');
    expect(iso(fireTimes(normalizeSpec({ cron: '@daily' })).after(utc('2026-01-01T12:00:00Z')))).toBe(
      '2026-01-02T00:00:00.000Z',
    );
  });

  it.each([
    [{ cron: '* * * * * ?' }, 'cron'],
    [{ cron: 42 }, 'cron'],
    [{ cron: '* * * * *', timezone: '' }, 'timezone'],
    [{ every: '1m', offset: -1 }, 'offset'],
    [{}, 'spec'],
    [null, 'spec'],
  ])('refuses %j (%s)', (spec, field) => {
    expect(() => normalizeSpec(spec)).toThrow(InvalidScheduleSpecError);
    try {
      normalizeSpec(spec);
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_schedule_spec', field });
    }
  });
});

describe('the catch-up plan', () => {
  const minute = 60_000;
  const times = fireTimes({ every: minute });
  const plan = (cursor: number, now: number, catchUp: 'all' | 'one' | 'skip', catchUpWindow = 1e12) =>
    [...dueSteps(times, cursor, now, { catchUp, catchUpWindow })].map((step) =>
      step.kind === 'fire' ? step.fireAt / minute : [step.from / minute, step.upTo / minute, step.reason],
    );

  it('nothing is due before the next fire; a fire on time (within a second) is taken under every policy', () => {
    for (const policy of ['all', 'one', 'skip'] as const) {
      expect(plan(0, minute - 1, policy)).toEqual([]);
      expect(plan(0, minute + 1000, policy)).toEqual([1]);
    }
  });

  it('missed fires (over a second late) follow the policy', () => {
    const now = 5 * minute + 30_000; // fires 1 ... 5 missed
    expect(plan(0, now, 'all')).toEqual([1, 2, 3, 4, 5]);
    expect(plan(0, now, 'one')).toEqual([[1, 4, 'catchUp'], 5]);
    expect(plan(0, now, 'skip')).toEqual([[1, 5, 'catchUp']]);
    expect(plan(0, minute + 1001, 'skip')).toEqual([[1, 1, 'catchUp']]);
    expect(plan(0, minute + 1001, 'one')).toEqual([1]);
  });

  it('fires older than the window are passed over first; a fire within a second is on time', () => {
    const now = 5 * minute + 500;
    expect(plan(0, now, 'all', 2.5 * minute)).toEqual([[1, 2, 'catchUpWindow'], 3, 4, 5]);
    expect(plan(0, now, 'one', 2.5 * minute)).toEqual([[1, 2, 'catchUpWindow'], [3, 3, 'catchUp'], 4, 5]);
    expect(plan(0, now, 'skip', 2.5 * minute)).toEqual([[1, 2, 'catchUpWindow'], [3, 4, 'catchUp'], 5]);
    expect(plan(0, now, 'all', 0)).toEqual([[1, 5, 'catchUpWindow']]);
  });

  it('is lazy: a year of missed fires under one costs a few steps', () => {
    const year = 365 * 24 * 60;
    expect(plan(0, year * minute + 10_000, 'one')).toEqual([[1, year - 1, 'catchUp'], year]);
  });
});

describe('overlap rules', () => {
  it('admit: skip needs nothing open or waiting; bufferOne and cancelOther let one wait', () => {
    const table = OVERLAP_POLICIES.map((policy) => [
      policy,
      admitFire(policy, 0, 0),
      admitFire(policy, 1, 0),
      admitFire(policy, 1, 1),
    ]);
    expect(table).toEqual([
      ['skip', 'take', 'skip', 'skip'],
      ['bufferOne', 'take', 'take', 'skip'],
      ['bufferAll', 'take', 'take', 'take'],
      ['cancelOther', 'take', 'take', 'skip'],
      ['terminateOther', 'take', 'take', 'take'],
      ['allowAll', 'take', 'take', 'take'],
    ]);
  });

  it('a waiting fire starts when nothing is open, or makes room as its policy says', () => {
    expect(
      OVERLAP_POLICIES.map((policy) => [policy, nextForWaiting(policy, 0), nextForWaiting(policy, 1)]),
    ).toEqual([
      ['skip', 'start', 'wait'],
      ['bufferOne', 'start', 'wait'],
      ['bufferAll', 'start', 'wait'],
      ['cancelOther', 'start', 'cancel'],
      ['terminateOther', 'start', 'terminate'],
      ['allowAll', 'start', 'start'],
    ]);
  });

  it('after a restart, fires whose own policy acts on the open runs wait first, each group in recorded order', () => {
    const recorded = [
      { name: 'spec 1' },
      { name: 'bufferAll trigger', overlap: 'bufferAll' as const },
      { name: 'cancelOther trigger', overlap: 'cancelOther' as const },
      { name: 'spec 2' },
      { name: 'terminateOther backfill', overlap: 'terminateOther' as const },
    ];
    const names = (open: number) => waitingOrder(recorded, open).map((fire) => fire.name);
    expect(names(1)).toEqual([
      'cancelOther trigger',
      'terminateOther backfill',
      'spec 1',
      'bufferAll trigger',
      'spec 2',
    ]);
    // Nothing open: every fire with a policy of its own would start at once, as when it was taken.
    expect(names(0)).toEqual([
      'bufferAll trigger',
      'cancelOther trigger',
      'terminateOther backfill',
      'spec 1',
      'spec 2',
    ]);
  });
});

describe('folding a schedule history', () => {
  const id = scheduleHistoryId('f');
  const history = (bodies: EventBody[], at = 1000) => envelopeEvents(id, 0, at, bodies);
  const created: EventBody = {
    type: 'ScheduleCreated',
    scheduleId: 'f',
    spec: { every: 60_000 },
    workflowType: 'w',
    input: null,
    options: { overlap: 'bufferAll', catchUp: 'all', catchUpWindow: 3_600_000 },
  };

  it('no ScheduleCreated, no schedule; the latest lifetime counts', () => {
    expect(foldScheduleHistory([])).toBeUndefined();
    const events = history([
      created,
      { type: 'ScheduleDeleted', scheduleId: 'f' },
      { ...created, workflowType: 'v' } as EventBody,
    ]);
    expect(foldScheduleHistory(events)).toMatchObject({ deleted: false, definition: { workflowType: 'v' } });
  });

  it('the cursor follows spec fires and skips, not triggers or backfills; updates and resumes move it to their time', () => {
    const fired = (fireAt: number, cause?: 'trigger' | 'backfill'): EventBody => ({
      type: 'ScheduleTriggered',
      scheduleId: 'f',
      fireAt,
      startedWorkflowId: asWorkflowId(`f@${fireAt}`),
      ...(cause ? { cause } : {}),
    });
    const state = foldScheduleHistory(
      history([
        created,
        fired(60_000),
        { type: 'ScheduleFiresSkipped', scheduleId: 'f', from: 120_000, upTo: 180_000, reason: 'overlap' },
        fired(900_000, 'trigger'),
        fired(30_000, 'backfill'),
        { type: 'ScheduleUpdated', scheduleId: 'f', changes: { input: 2, searchAttributes: null } },
      ]),
    );
    expect(state).toMatchObject({
      cursor: 180_000,
      definition: { overlap: 'bufferAll', catchUp: 'all', catchUpWindow: 3_600_000, input: 2 },
    });
    expect(state?.fired.map((event) => event.fireAt)).toEqual([60_000, 900_000, 30_000]);
    expect(state?.recent.map((action) => action.kind)).toEqual(['fired', 'skipped', 'fired', 'fired']);
    const paused = [
      ...history([created]),
      ...envelopeEvents(id, 1, 5_000_000, [
        { type: 'SchedulePaused', scheduleId: 'f', note: 'x' },
        { type: 'ScheduleResumed', scheduleId: 'f', note: null },
      ]),
    ];
    expect(foldScheduleHistory(paused)).toMatchObject({ paused: false, cursor: 5_000_000, note: null });
  });
});
