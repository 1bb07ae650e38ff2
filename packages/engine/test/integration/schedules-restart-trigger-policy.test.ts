// Window: a restart (on the real LMDB store) while a fire that a trigger gave its own overlap
// policy still waits: recovery must decide it by that policy and in the place it had, ahead of
// the older fires waiting under the schedule's policy, not as a fire of the schedule's own.
import { openLmdbStore } from '@reprise/store-lmdb';
import { createTestEngine, DEFAULT_TEST_START } from '@reprise/testkit';
import { tempDirs } from '@reprise/testkit/internal';
import { at, scheduleHistory, startedBy, tidy } from '../schedules-helpers.js';

const T0 = DEFAULT_TEST_START;
const m = (minutes: number, seconds = 0) => at(T0, minutes, seconds);
const idAt = (time: number) => `s@${new Date(time).toISOString()}`;
const triggerId = (time: number, seq: number) => `${idAt(time)}#${seq}`;
/** After ScheduleCreated and the three spec fires, the next record's seq. */
const NEXT_SEQ = 5;

const dirs = tempDirs('schedule-restart-trigger-policy');
afterAll(() => dirs.removeAll());

/** An engine on the LMDB store in `dir`, its virtual clock at `startAt`. */
const engineOn = (dir: string, startAt = T0) =>
  createTestEngine({ workflows: [tidy], store: openLmdbStore({ path: dir }), startAt });

const firesOf = async (env: Awaited<ReturnType<typeof engineOn>>) =>
  (await scheduleHistory(env.engine.store, 's')).flatMap((event) =>
    event.type === 'ScheduleTriggered' ? [event] : [],
  );

describe('a fire waiting under its own overlap policy survives a restart', () => {
  it('a cancelOther trigger still starts when the run it cancelled closes, before the older waiting fires', async () => {
    const dir = dirs.make();
    const first = await engineOn(dir);
    await first.engine.schedules.create({
      scheduleId: 's',
      spec: { every: '1m' },
      workflowType: 'tidy', // sleeps its input; when cancelled, tidies up for 30 s, then ends
      input: 600_000,
      overlap: 'bufferAll',
    });
    await first.advance('210s'); // 1:00 runs; 2:00 and 3:00 wait behind it
    expect(await first.engine.schedules.trigger('s', { overlap: 'cancelOther' })).toEqual({
      outcome: 'waiting',
      workflowId: triggerId(m(3, 30), NEXT_SEQ),
    });
    const before = await first.engine.schedules.describe('s');
    expect(before.openWorkflows).toEqual([idAt(m(1))]);
    expect(before.waiting.map((fire) => fire.workflowId)).toEqual([
      triggerId(m(3, 30), NEXT_SEQ),
      idAt(m(2)),
      idAt(m(3)),
    ]);
    // The fire records the policy it was given; the spec's fires record none.
    expect((await firesOf(first)).map((fire) => fire.overlap)).toEqual([
      undefined,
      undefined,
      undefined,
      'cancelOther',
    ]);
    await first.close(); // 1:00 was asked to cancel and is still tidying up (until 4:00)

    const second = await engineOn(dir, m(3, 30));
    const after = await second.engine.schedules.describe('s');
    expect(after.openWorkflows).toEqual(before.openWorkflows);
    expect(after.waiting).toEqual(before.waiting);
    await second.engine.schedules.pause('s');
    await second.advance('40m');
    const runs = await startedBy(second.engine.store, 's');
    expect(runs.map((run) => [run.workflowId, run.startedAt, run.status])).toEqual([
      [idAt(m(1)), m(1), 'Cancelled'],
      // bufferAll: each waits until no run of the schedule is open, the trigger's first.
      [idAt(m(2)), m(14), 'Completed'],
      [idAt(m(3)), m(24), 'Completed'],
      // cancelOther: starts as soon as the run it cancelled closes (its clean-up ends at 4:00).
      [triggerId(m(3, 30), NEXT_SEQ), m(4), 'Completed'],
    ]);
    for (const run of runs) {
      const history = await second.engine.getHandle(run.workflowId).history();
      expect(history.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
    }
    // Asked to cancel again by the recovered fire, the run records the request once.
    const cancelled = await second.engine.getHandle(idAt(m(1))).history();
    expect(cancelled.filter((event) => event.type === 'WorkflowCancelRequested')).toHaveLength(1);
    await second.close();
  });

  it('a fire given no policy of its own records no overlap field', async () => {
    const dir = dirs.make();
    const env = await engineOn(dir);
    await env.engine.schedules.create({
      scheduleId: 's',
      spec: { every: '1m' },
      workflowType: 'tidy',
      input: 1_000,
      overlap: 'allowAll',
    });
    await env.advance('90s'); // the spec's fire of 1:00
    await env.engine.schedules.trigger('s');
    await env.engine.schedules.backfill('s', { from: m(-2), to: m(-1) });
    await env.engine.schedules.trigger('s', { overlap: 'bufferAll' });
    await env.engine.schedules.backfill('s', { from: m(-1), to: m(0), overlap: 'allowAll' });
    const fires = await firesOf(env);
    expect(fires.map((fire) => [fire.cause ?? 'spec', fire.overlap])).toEqual([
      ['spec', undefined],
      ['trigger', undefined],
      ['backfill', undefined],
      ['trigger', 'bufferAll'],
      ['backfill', 'allowAll'],
    ]);
    for (const fire of fires.slice(0, 3)) expect(Object.hasOwn(fire, 'overlap')).toBe(false);
    await env.close();
  });
});
