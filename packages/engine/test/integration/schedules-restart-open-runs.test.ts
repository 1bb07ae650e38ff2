// Window: a restart (on the real LMDB store) while runs a schedule started long ago — by allowAll
// triggers or backfills — are still open, and fires wait behind many newer ones that started:
// recovery must count every such run for the overlap policy and start every such fire, once.
import { openLmdbStore } from '@reprise/store-lmdb';
import { createTestEngine, DEFAULT_TEST_START } from '@reprise/testkit';
import { tempDirs } from '@reprise/testkit/internal';
import { at, quick, sleeper, startedBy } from '../schedules-helpers.js';

const T0 = DEFAULT_TEST_START;
const m = (minutes: number, seconds = 0) => at(T0, minutes, seconds);
const idAt = (id: string, time: number) => `${id}@${new Date(time).toISOString()}`;
const workflows = [quick, sleeper];
/** More newer started fires than recovery used to look back past (it looked past eight). */
const NEWER_STARTED = 9;

const dirs = tempDirs('schedule-restart-open-runs');
afterAll(() => dirs.removeAll());

/** An engine on the LMDB store in `dir`, its virtual clock at `startAt`. */
const engineOn = (dir: string, startAt = T0) =>
  createTestEngine({ workflows, store: openLmdbStore({ path: dir }), startAt });

describe('after a restart, recovery finds every run and fire the schedule still owes', () => {
  it('a run started by an old allowAll trigger, still open, still counts for the overlap policy', async () => {
    const dir = dirs.make();
    const first = await engineOn(dir);
    await first.engine.schedules.create({
      scheduleId: 'k',
      spec: { every: '1h' },
      workflowType: 'sleeper',
      input: 1_800_000, // 30 min
    });
    const old = await first.engine.schedules.trigger('k', { overlap: 'allowAll' });
    expect(old).toMatchObject({ outcome: 'started' });
    const oldId = (old as { workflowId: string }).workflowId;
    // Newer fires that started and closed at once.
    await first.engine.schedules.update('k', { workflowType: 'quick' });
    for (let k = 0; k < NEWER_STARTED; k++) {
      expect(await first.engine.schedules.trigger('k', { overlap: 'allowAll' })).toMatchObject({
        outcome: 'started',
      });
    }
    await first.idle();
    expect((await first.engine.schedules.describe('k')).openWorkflows).toEqual([oldId]);
    await first.close();

    const second = await engineOn(dir, m(1));
    expect((await second.engine.schedules.describe('k')).openWorkflows).toEqual([oldId]);
    expect(await second.engine.schedules.trigger('k')).toEqual({ outcome: 'skipped' }); // skip: a run is open
    await second.advance('29m'); // the old run closes at 30:00
    expect(await second.engine.getHandle(oldId).describe()).toMatchObject({ status: 'Completed' });
    expect((await second.engine.schedules.describe('k')).openWorkflows).toEqual([]);
    expect(await second.engine.schedules.trigger('k')).toMatchObject({ outcome: 'started' });
    await second.close();
  });

  it('fires waiting under bufferAll behind many newer started fires survive it and start once each', async () => {
    const dir = dirs.make();
    const first = await engineOn(dir);
    await first.engine.schedules.create({
      scheduleId: 'q',
      spec: { every: '1m' },
      workflowType: 'sleeper',
      input: 600_000, // 10 min
      overlap: 'bufferAll',
    });
    await first.advance('210s'); // 1:00 runs; 2:00 and 3:00 wait
    const triggered: string[] = [];
    for (let k = 0; k < NEWER_STARTED; k++) {
      const result = await first.engine.schedules.trigger('q', { overlap: 'allowAll' });
      expect(result).toMatchObject({ outcome: 'started' });
      triggered.push((result as { workflowId: string }).workflowId);
    }
    const before = await first.engine.schedules.describe('q');
    expect(before.openWorkflows).toEqual([idAt('q', m(1)), ...triggered]);
    expect(before.waiting.map((fire) => fire.workflowId)).toEqual([idAt('q', m(2)), idAt('q', m(3))]);
    await first.close();

    const second = await engineOn(dir, m(3, 30));
    const after = await second.engine.schedules.describe('q');
    expect(after.openWorkflows).toEqual(before.openWorkflows);
    expect(after.waiting).toEqual(before.waiting);
    await second.engine.schedules.pause('q');
    await second.advance('30m');
    const runs = await startedBy(second.engine.store, 'q');
    const expected = [
      [idAt('q', m(1)), m(1), 'Completed'],
      // bufferAll: each waits until no run of the schedule is open (the triggers close at 13:30).
      [idAt('q', m(2)), m(13, 30), 'Completed'],
      [idAt('q', m(3)), m(23, 30), 'Completed'],
      ...triggered.map((workflowId) => [workflowId, m(3, 30), 'Completed']),
    ];
    expect(runs.map((run) => [run.workflowId, run.startedAt, run.status])).toEqual(
      expected.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)), // as startedBy sorts
    );
    for (const run of runs) {
      const history = await second.engine.getHandle(run.workflowId).history();
      expect(history.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
    }
    await second.close();
  });
});
