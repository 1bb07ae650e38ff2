// Each overlap policy on the virtual clock: a schedule firing every minute whose runs take
// longer than a minute.
import type { WorkflowSummary } from '@reprise/core';
import { createTestEngine, DEFAULT_TEST_START } from '@reprise/testkit';
import { at, firedAt, quick, scheduleHistory, sleeper, startedBy, tidy } from './schedules-helpers.js';

const T0 = DEFAULT_TEST_START;
const m = (minutes: number, seconds = 0) => at(T0, minutes, seconds);
const idAt = (time: number) => `s@${new Date(time).toISOString()}`;
const starts = (runs: WorkflowSummary[]) => runs.map((run) => [run.workflowId, run.startedAt, run.status]);

async function scheduleEveryMinute(overlap: string, workflowType: string, input: number) {
  const env = await createTestEngine({ workflows: [quick, sleeper, tidy] });
  await env.engine.schedules.create({
    scheduleId: 's',
    spec: { every: '1m' },
    workflowType,
    input,
    overlap: overlap as never,
  });
  return env;
}

async function skippedRanges(env: Awaited<ReturnType<typeof createTestEngine>>) {
  return (await scheduleHistory(env.engine.store, 's')).flatMap((event) =>
    event.type === 'ScheduleFiresSkipped' ? [[event.from, event.upTo, event.reason]] : [],
  );
}

describe('overlap policies', () => {
  it('skip (default): fires while a run is open are passed over and recorded as skipped', async () => {
    const env = await scheduleEveryMinute('skip', 'sleeper', 150_000); // runs 2.5 min
    await env.advance('380s');
    expect(starts(await startedBy(env.engine.store, 's'))).toEqual([
      [idAt(m(1)), m(1), 'Completed'],
      [idAt(m(4)), m(4), 'Running'],
    ]);
    expect(await skippedRanges(env)).toEqual([
      [m(2), m(2), 'overlap'],
      [m(3), m(3), 'overlap'],
      [m(5), m(5), 'overlap'],
      [m(6), m(6), 'overlap'],
    ]);
    // A trigger follows the policy too.
    expect(await env.engine.schedules.trigger('s')).toEqual({ outcome: 'skipped' });
    await env.close();
  });

  it('bufferOne: one fire waits for the open run to close; others meanwhile are passed over', async () => {
    const env = await scheduleEveryMinute('bufferOne', 'sleeper', 130_000); // runs 2 min 10 s
    await env.advance('390s');
    expect(starts(await startedBy(env.engine.store, 's'))).toEqual([
      [idAt(m(1)), m(1), 'Completed'],
      [idAt(m(2)), m(3, 10), 'Completed'], // started when the first closed
      [idAt(m(4)), m(5, 20), 'Running'],
    ]);
    expect(await firedAt(env.engine.store, 's')).toEqual([m(1), m(2), m(4), m(6)]);
    expect(await skippedRanges(env)).toEqual([
      [m(3), m(3), 'overlap'],
      [m(5), m(5), 'overlap'],
    ]);
    const described = await env.engine.schedules.describe('s');
    expect(described.waiting).toEqual([{ fireAt: m(6), workflowId: idAt(m(6)) }]);
    expect(described.openWorkflows).toEqual([idAt(m(4))]);
    expect(described.recentActions.at(-1)).toMatchObject({ kind: 'fired', fireAt: m(6), status: 'Waiting' });
    await env.close();
  });

  it('bufferAll: every fire waits its turn; they run one after another, none dropped', async () => {
    const env = await scheduleEveryMinute('bufferAll', 'sleeper', 130_000);
    await env.advance('390s');
    await env.engine.schedules.pause('s');
    expect((await env.engine.schedules.describe('s')).waiting.map((fire) => fire.fireAt)).toEqual([
      m(4),
      m(5),
      m(6),
    ]);
    await env.advance('20m');
    const runs = await startedBy(env.engine.store, 's');
    expect(runs.map((run) => run.workflowId)).toEqual([1, 2, 3, 4, 5, 6].map((k) => idAt(m(k))));
    expect(runs.every((run) => run.status === 'Completed')).toBe(true);
    for (let k = 1; k < runs.length; k++) {
      expect(runs[k]?.startedAt).toBe(runs[k - 1]?.closedAt); // back to back, never together
    }
    expect(await skippedRanges(env)).toEqual([]);
    await env.close();
  });

  it('cancelOther: the open run is asked to cancel; the fire starts once it has closed', async () => {
    const env = await scheduleEveryMinute('cancelOther', 'tidy', 600_000); // tidies 30 s on cancel
    await env.advance('225s');
    expect(starts(await startedBy(env.engine.store, 's'))).toEqual([
      [idAt(m(1)), m(1), 'Cancelled'],
      [idAt(m(2)), m(2, 30), 'Cancelled'], // after the first had tidied up and closed
      [idAt(m(3)), m(3, 30), 'Running'],
    ]);
    const first = await env.engine.getHandle(idAt(m(1))).history();
    expect(first.map((event) => event.type)).toContain('WorkflowCancelRequested');
    await env.close();
  });

  it('cancelOther: fires while the cancelled run tidies up are passed over (one waits)', async () => {
    const env = await createTestEngine({ workflows: [tidy] });
    await env.engine.schedules.create({
      scheduleId: 's',
      spec: { every: '20s' },
      workflowType: 'tidy',
      input: 600_000,
      overlap: 'cancelOther',
    });
    await env.advance('75s');
    // 0:20 starts; 0:40 cancels it and waits (tidy until 1:10); 1:00 is passed over; 1:10 starts 0:40.
    expect(await firedAt(env.engine.store, 's')).toEqual([T0 + 20_000, T0 + 40_000]);
    expect((await startedBy(env.engine.store, 's')).map((run) => [run.startedAt, run.status])).toEqual([
      [T0 + 20_000, 'Cancelled'],
      [T0 + 70_000, 'Running'],
    ]);
    expect(await skippedRanges(env)).toEqual([[T0 + 60_000, T0 + 60_000, 'overlap']]);
    await env.close();
  });

  it('terminateOther: the open run is ended at once, without its clean-up, and the fire starts', async () => {
    const env = await scheduleEveryMinute('terminateOther', 'tidy', 600_000);
    await env.advance('210s');
    expect(starts(await startedBy(env.engine.store, 's'))).toEqual([
      [idAt(m(1)), m(1), 'Terminated'],
      [idAt(m(2)), m(2), 'Terminated'],
      [idAt(m(3)), m(3), 'Running'],
    ]);
    const first = await env.engine.getHandle(idAt(m(1))).history();
    expect(first.at(-1)).toMatchObject({
      type: 'WorkflowTerminated',
      reason: 'schedule s: overlap terminateOther',
      recordedAt: m(2),
    });
    expect(first.map((event) => event.type)).not.toContain('WorkflowCancelRequested');
    await env.close();
  });

  it('allowAll: every fire starts at its time, runs open together', async () => {
    const env = await scheduleEveryMinute('allowAll', 'sleeper', 150_000);
    await env.advance('4m');
    expect(starts(await startedBy(env.engine.store, 's'))).toEqual([
      [idAt(m(1)), m(1), 'Completed'],
      [idAt(m(2)), m(2), 'Running'],
      [idAt(m(3)), m(3), 'Running'],
      [idAt(m(4)), m(4), 'Running'],
    ]);
    expect((await env.engine.schedules.describe('s')).openWorkflows).toHaveLength(3);
    await env.close();
  });

  it('an update of the policy applies to fires already waiting', async () => {
    const env = await scheduleEveryMinute('bufferAll', 'sleeper', 600_000);
    await env.advance('210s');
    expect((await env.engine.schedules.describe('s')).waiting).toHaveLength(2);
    await env.engine.schedules.update('s', { overlap: 'allowAll' });
    // The waiting fires start at once under the new policy, and so do new fires.
    await env.advance('1m');
    expect((await startedBy(env.engine.store, 's')).map((run) => run.startedAt)).toEqual([
      m(1),
      m(3, 30),
      m(3, 30),
      m(4),
    ]);
    await env.close();
  });
});
