// A trigger or backfill that gives its own overlap policy "starts one now" as Temporal's does: it
// is decided by that policy against the runs open now, never queued behind fires waiting under
// the schedule's own policy. The setting: a bufferAll schedule with one run open (fired at 1:00,
// sleeping ten minutes, tidying up for 30 s when cancelled) and the fires of 2:00 and 3:00 waiting.
import { createTestEngine, DEFAULT_TEST_START } from '@reprise/testkit';
import { at, scheduleHistory, startedBy, tidy } from './schedules-helpers.js';

const T0 = DEFAULT_TEST_START;
const m = (minutes: number, seconds = 0) => at(T0, minutes, seconds);
const idAt = (time: number) => `s@${new Date(time).toISOString()}`;
const triggerId = (seq: number) => `s@${new Date(m(3, 30)).toISOString()}#${seq}`;
/** After ScheduleCreated and the three spec fires, the next record's seq. */
const NEXT_SEQ = 5;

async function bufferAllWithTwoWaiting() {
  const env = await createTestEngine({ workflows: [tidy] });
  await env.engine.schedules.create({
    scheduleId: 's',
    spec: { every: '1m' },
    workflowType: 'tidy',
    input: 600_000,
    overlap: 'bufferAll',
  });
  await env.advance('210s');
  const described = await env.engine.schedules.describe('s');
  expect(described.openWorkflows).toEqual([idAt(m(1))]);
  expect(described.waiting.map((fire) => fire.workflowId)).toEqual([idAt(m(2)), idAt(m(3))]);
  return env;
}

async function openAndWaiting(env: Awaited<ReturnType<typeof bufferAllWithTwoWaiting>>) {
  const { openWorkflows, waiting } = await env.engine.schedules.describe('s');
  return { open: openWorkflows, waiting: waiting.map((fire) => fire.workflowId) };
}

async function statusOf(env: Awaited<ReturnType<typeof bufferAllWithTwoWaiting>>, workflowId: string) {
  return (await env.engine.getHandle(workflowId).describe()).status;
}

describe('a trigger with its own overlap policy, while fires wait under the schedule’s', () => {
  it('allowAll starts at once, beside the open run; the waiting fires keep their turn', async () => {
    const env = await bufferAllWithTwoWaiting();
    expect(await env.engine.schedules.trigger('s', { overlap: 'allowAll' })).toEqual({
      outcome: 'started',
      workflowId: triggerId(NEXT_SEQ),
    });
    expect(await openAndWaiting(env)).toEqual({
      open: [idAt(m(1)), triggerId(NEXT_SEQ)],
      waiting: [idAt(m(2)), idAt(m(3))],
    });
    await env.close();
  });

  it('terminateOther ends the open run and starts at once; the waiting fires wait for it', async () => {
    const env = await bufferAllWithTwoWaiting();
    expect(await env.engine.schedules.trigger('s', { overlap: 'terminateOther' })).toEqual({
      outcome: 'started',
      workflowId: triggerId(NEXT_SEQ),
    });
    await env.idle();
    expect(await statusOf(env, idAt(m(1)))).toBe('Terminated');
    expect(await openAndWaiting(env)).toEqual({
      open: [triggerId(NEXT_SEQ)],
      waiting: [idAt(m(2)), idAt(m(3))],
    });
    await env.close();
  });

  it('cancelOther asks the open run to cancel and starts as soon as it closes, ahead of the waiting fires', async () => {
    const env = await bufferAllWithTwoWaiting();
    expect(await env.engine.schedules.trigger('s', { overlap: 'cancelOther' })).toEqual({
      outcome: 'waiting',
      workflowId: triggerId(NEXT_SEQ),
    });
    expect((await openAndWaiting(env)).waiting).toEqual([triggerId(NEXT_SEQ), idAt(m(2)), idAt(m(3))]);
    // While it waits for the run it asked to cancel, another cancelOther is passed over, as
    // under the schedule's own cancelOther.
    expect(await env.engine.schedules.trigger('s', { overlap: 'cancelOther' })).toEqual({
      outcome: 'skipped',
    });
    await env.advance('30s'); // the cancelled run tidies up, then closes at 4:00
    expect(await statusOf(env, idAt(m(1)))).toBe('Cancelled');
    expect(await openAndWaiting(env)).toEqual({
      open: [triggerId(NEXT_SEQ)],
      waiting: [idAt(m(2)), idAt(m(3)), idAt(m(4))],
    });
    await env.close();
  });

  it('skip is passed over while a run is open; bufferOne is passed over while fires wait; bufferAll waits last', async () => {
    const env = await bufferAllWithTwoWaiting();
    expect(await env.engine.schedules.trigger('s', { overlap: 'skip' })).toEqual({ outcome: 'skipped' });
    expect(await env.engine.schedules.trigger('s', { overlap: 'bufferOne' })).toEqual({ outcome: 'skipped' });
    const buffered = await env.engine.schedules.trigger('s', { overlap: 'bufferAll' });
    expect(buffered).toEqual({ outcome: 'waiting', workflowId: triggerId(NEXT_SEQ) });
    expect(await openAndWaiting(env)).toEqual({
      open: [idAt(m(1))],
      waiting: [idAt(m(2)), idAt(m(3)), triggerId(NEXT_SEQ)],
    });
    await env.close();
  });

  it('every recorded fire starts its workflow once, in the order the policies say', async () => {
    const env = await bufferAllWithTwoWaiting();
    await env.engine.schedules.trigger('s', { overlap: 'cancelOther' });
    await env.engine.schedules.pause('s');
    await env.advance('40m');
    const runs = await startedBy(env.engine.store, 's');
    expect(runs.map((run) => [run.workflowId, run.startedAt, run.status])).toEqual([
      [idAt(m(1)), m(1), 'Cancelled'],
      [idAt(m(2)), m(14), 'Completed'],
      [idAt(m(3)), m(24), 'Completed'],
      [triggerId(NEXT_SEQ), m(4), 'Completed'],
    ]);
    for (const run of runs) {
      const history = await env.engine.getHandle(run.workflowId).history();
      expect(history.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
    }
    const fired = (await scheduleHistory(env.engine.store, 's')).filter(
      (e) => e.type === 'ScheduleTriggered',
    );
    expect(fired).toHaveLength(4);
    await env.close();
  });
});

describe('a backfill with its own overlap policy, while fires wait under the schedule’s', () => {
  it('allowAll starts every fire of the range at once', async () => {
    const env = await bufferAllWithTwoWaiting();
    const result = await env.engine.schedules.backfill('s', { from: m(-5), to: m(0), overlap: 'allowAll' });
    expect(result).toEqual({ started: 5, waiting: 0, skipped: 0, alreadyStarted: 0 });
    expect(await openAndWaiting(env)).toEqual({
      open: [idAt(m(1)), ...[-5, -4, -3, -2, -1].map((k) => idAt(m(k)))],
      waiting: [idAt(m(2)), idAt(m(3))],
    });
    await env.close();
  });

  it('skip passes every fire of the range over while a run is open', async () => {
    const env = await bufferAllWithTwoWaiting();
    const result = await env.engine.schedules.backfill('s', { from: m(-5), to: m(0), overlap: 'skip' });
    expect(result).toEqual({ started: 0, waiting: 0, skipped: 5, alreadyStarted: 0 });
    await env.close();
  });
});
