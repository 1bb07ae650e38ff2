// Schedules are durable: their state is the Schedule* events in the store, and a restart
// resumes each one where it was, starting the fires that were recorded but never started.
import { InMemoryStore, type WorkflowId, type WorkflowStore } from '@reprise/core';
import { CATALOG_HISTORY_ID, scheduleHistoryId } from '@reprise/engine/internal';
import { createTestEngine, DEFAULT_TEST_START } from '@reprise/testkit';
import { reopenable } from './helpers.js';
import { at, firedAt, quick, scheduleHistory, sleeper, startedBy } from './schedules-helpers.js';

const T0 = DEFAULT_TEST_START;
const m = (minutes: number, seconds = 0) => at(T0, minutes, seconds);
const idAt = (id: string, time: number) => `${id}@${new Date(time).toISOString()}`;
const workflows = [quick, sleeper];

/** A store on `data` whose appends to workflow ids that `fails` picks throw, as if the process died there. */
function failingAppends(data: InMemoryStore, fails: (workflowId: WorkflowId) => boolean): WorkflowStore {
  return new Proxy(data, {
    get(target, property, receiver) {
      if (property === 'close') return async () => undefined;
      if (property === 'append') {
        return (workflowId: WorkflowId, ...rest: unknown[]) =>
          fails(workflowId)
            ? Promise.reject(new Error('simulated crash'))
            : (target.append as (...args: unknown[]) => unknown).call(target, workflowId, ...rest);
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const quiet = { warn: () => undefined };

describe('a restart resumes every schedule', () => {
  it('definitions, pauses, updates and recent actions come back as they were', async () => {
    const { open } = reopenable();
    const first = await createTestEngine({ workflows, store: open() });
    await first.engine.schedules.create({
      scheduleId: 'a',
      spec: { every: '1m' },
      workflowType: 'quick',
      input: 7,
    });
    await first.engine.schedules.create({
      scheduleId: 'b',
      spec: { cron: '30 9 * * 1-5', timezone: 'America/New_York' },
      workflowType: 'sleeper',
      input: 5,
      overlap: 'bufferAll',
      catchUp: 'all',
      catchUpWindow: '1h',
    });
    await first.engine.schedules.create({ scheduleId: 'gone', spec: { every: '1m' }, workflowType: 'quick' });
    await first.advance('2m');
    await first.engine.schedules.update('a', { input: 8, overlap: 'allowAll' });
    await first.engine.schedules.pause('b', 'holiday');
    await first.engine.schedules.delete('gone');
    const before = await Promise.all(['a', 'b'].map((id) => first.engine.schedules.describe(id)));
    await first.close();

    const second = await createTestEngine({ workflows, store: open(), startAt: m(2) });
    expect(await Promise.all(['a', 'b'].map((id) => second.engine.schedules.describe(id)))).toEqual(before);
    expect((await second.engine.schedules.list()).map((row) => row.scheduleId)).toEqual(['a', 'b']);
    await second.advance('1m');
    expect(await firedAt(second.engine.store, 'a')).toEqual([m(1), m(2), m(3)]);
    const last = (await startedBy(second.engine.store, 'a')).at(-1);
    expect(await second.engine.getHandle(last?.workflowId as string).history()).toMatchObject([
      { type: 'WorkflowStarted', input: 8 },
      { type: 'WorkflowCompleted' },
    ]);
    // The catalog lists the live ids only; schedule histories never show as workflows.
    const catalog = await second.engine.store.readHistory(CATALOG_HISTORY_ID);
    expect(catalog.map((event) => [event.type, 'scheduleId' in event && event.scheduleId])).toEqual([
      ['ScheduleListed', 'a'],
      ['ScheduleListed', 'b'],
      ['ScheduleListed', 'gone'],
      ['ScheduleUnlisted', 'gone'],
    ]);
    expect(await second.engine.store.count()).toBe(5); // a: 3 fires, gone: 2 before it was deleted
    await second.close();
  });

  it('a fire recorded but not started before the crash is started by recovery, once', async () => {
    const data = new InMemoryStore();
    const target = idAt('s', m(1));
    const first = await createTestEngine({
      workflows,
      store: failingAppends(data, (id) => id === target),
      logger: quiet,
    });
    await first.engine.schedules.create({ scheduleId: 's', spec: { every: '1m' }, workflowType: 'quick' });
    await first.advance('1m');
    await first.close();
    expect(await firedAt(data, 's')).toEqual([m(1)]);
    expect(await data.getSummary(target as WorkflowId)).toBeUndefined();

    const { open } = reopenable(data);
    const second = await createTestEngine({ workflows, store: open(), startAt: m(1, 20) });
    await second.idle();
    expect(await data.getSummary(target as WorkflowId)).toMatchObject({
      status: 'Completed',
      startedAt: m(1, 20),
    });
    await second.close();
    const third = await createTestEngine({ workflows, store: open(), startAt: m(1, 40) });
    await third.idle();
    expect(
      (await third.engine.getHandle(target).history()).filter((e) => e.type === 'WorkflowStarted'),
    ).toHaveLength(1);
    expect(await firedAt(data, 's')).toEqual([m(1)]);
    await third.close();
  });

  it('a trigger recorded but not started is started by recovery too', async () => {
    const data = new InMemoryStore();
    const first = await createTestEngine({
      workflows,
      store: failingAppends(data, (id) => id.includes('#')),
      logger: quiet,
    });
    await first.engine.schedules.create({ scheduleId: 's', spec: { every: '1h' }, workflowType: 'quick' });
    const triggered = await first.engine.schedules.trigger('s');
    await first.close();
    expect(triggered).toMatchObject({ outcome: 'started' }); // its start failed: see the log
    const second = await createTestEngine({ workflows, store: reopenable(data).open() });
    await second.idle();
    expect(await startedBy(data, 's')).toMatchObject([
      { workflowId: 's@2026-01-01T00:00:00.000Z#2', status: 'Completed' },
    ]);
    await second.close();
  });

  it('fires waiting under bufferAll survive a restart and start in order when the open run closes', async () => {
    const { open } = reopenable();
    const first = await createTestEngine({ workflows, store: open() });
    await first.engine.schedules.create({
      scheduleId: 'q',
      spec: { every: '1m' },
      workflowType: 'sleeper',
      input: 200_000, // 3 min 20 s
      overlap: 'bufferAll',
    });
    await first.advance('210s');
    expect((await first.engine.schedules.describe('q')).waiting.map((fire) => fire.fireAt)).toEqual([
      m(2),
      m(3),
    ]);
    await first.engine.schedules.pause('q');
    await first.close();

    const second = await createTestEngine({ workflows, store: open(), startAt: m(3, 30) });
    expect(await second.engine.schedules.describe('q')).toMatchObject({
      openWorkflows: [idAt('q', m(1))],
      waiting: [
        { fireAt: m(2), workflowId: idAt('q', m(2)) },
        { fireAt: m(3), workflowId: idAt('q', m(3)) },
      ],
    });
    await second.advance('15m');
    const runs = await startedBy(second.engine.store, 'q');
    expect(runs.map((run) => [run.workflowId, run.startedAt])).toEqual([
      [idAt('q', m(1)), m(1)],
      [idAt('q', m(2)), m(4, 20)],
      [idAt('q', m(3)), m(7, 40)],
    ]);
    await second.close();
  });

  it('a run open across the restart still counts for the overlap policy', async () => {
    const { open } = reopenable();
    const first = await createTestEngine({ workflows, store: open() });
    await first.engine.schedules.create({
      scheduleId: 'k',
      spec: { every: '1m' },
      workflowType: 'sleeper',
      input: 150_000,
    });
    await first.advance('90s');
    await first.close();
    const second = await createTestEngine({ workflows, store: open(), startAt: m(1, 30) });
    await second.advance('150s'); // 2:00 and 3:00 are skipped (open until 3:30), 4:00 starts
    expect(await firedAt(second.engine.store, 'k')).toEqual([m(1), m(4)]);
    const history = await scheduleHistory(second.engine.store, 'k');
    expect(history.filter((event) => event.type === 'ScheduleFiresSkipped')).toHaveLength(2);
    await second.close();
  });

  it('a catalog entry whose create never got recorded is ignored, and the id can be created', async () => {
    const data = new InMemoryStore();
    const first = await createTestEngine({
      workflows,
      store: failingAppends(data, (id) => id === scheduleHistoryId('half')),
      logger: quiet,
    });
    await expect(
      first.engine.schedules.create({ scheduleId: 'half', spec: { every: '1m' }, workflowType: 'quick' }),
    ).rejects.toThrow('simulated crash');
    await first.close();
    const second = await createTestEngine({ workflows, store: reopenable(data).open() });
    expect(await second.engine.schedules.list()).toEqual([]);
    await second.engine.schedules.create({
      scheduleId: 'half',
      spec: { every: '1m' },
      workflowType: 'quick',
    });
    expect((await second.engine.schedules.list()).map((row) => row.scheduleId)).toEqual(['half']);
    await second.close();
  });
});
