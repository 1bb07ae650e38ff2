// Each catch-up policy, and the catch-up window, for fires missed while the engine was down:
// a schedule fires every minute, the engine stops after the fire at 0:02 and comes back at
// 0:10:30, having missed the fires at 0:03 ... 0:10.
import { createTestEngine, DEFAULT_TEST_START } from '@reprise/testkit';
import { reopenable } from './helpers.js';
import { at, firedAt, quick, scheduleHistory, startedBy } from './schedules-helpers.js';

const T0 = DEFAULT_TEST_START;
const m = (minutes: number, seconds = 0) => at(T0, minutes, seconds);
const minutes = (...ks: number[]) => ks.map((k) => m(k));

async function downtime(options: { catchUp?: 'all' | 'one' | 'skip'; catchUpWindow?: string }) {
  const { open } = reopenable();
  const first = await createTestEngine({ workflows: [quick], store: open() });
  await first.engine.schedules.create({
    scheduleId: 's',
    spec: { every: '1m' },
    workflowType: 'quick',
    overlap: 'allowAll',
    ...(options.catchUp ? { catchUp: options.catchUp } : {}),
    ...(options.catchUpWindow ? { catchUpWindow: options.catchUpWindow as '5m' } : {}),
  });
  await first.advance('2m');
  await first.close();
  const second = await createTestEngine({ workflows: [quick], store: open(), startAt: m(10, 30) });
  await second.idle();
  return second;
}

async function skipped(env: Awaited<ReturnType<typeof createTestEngine>>) {
  return (await scheduleHistory(env.engine.store, 's')).flatMap((event) =>
    event.type === 'ScheduleFiresSkipped' ? [[event.from, event.upTo, event.reason]] : [],
  );
}

describe('catch-up after downtime', () => {
  it('one (default): only the latest missed fire starts; the others are recorded as skipped', async () => {
    const env = await downtime({});
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2, 10));
    expect(await skipped(env)).toEqual([[m(3), m(9), 'catchUp']]);
    const run = (await startedBy(env.engine.store, 's')).at(-1);
    expect(run).toMatchObject({ workflowId: 's@2026-01-01T00:10:00.000Z', startedAt: m(10, 30) });
    await env.advance('30s'); // and the spec goes on
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2, 10, 11));
    await env.close();
  });

  it('all: every missed fire starts, in order, at recovery', async () => {
    const env = await downtime({ catchUp: 'all' });
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    expect(await skipped(env)).toEqual([]);
    expect(await startedBy(env.engine.store, 's')).toHaveLength(10);
    await env.close();
  });

  it('skip: no missed fire starts; the schedule resumes with its next fire', async () => {
    const env = await downtime({ catchUp: 'skip' });
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2));
    expect(await skipped(env)).toEqual([[m(3), m(10), 'catchUp']]);
    expect((await env.engine.schedules.describe('s')).nextFireAt).toBe(m(11));
    await env.advance('30s');
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2, 11));
    await env.close();
  });

  it('the window: fires older than it are skipped whatever the policy', async () => {
    const env = await downtime({ catchUp: 'all', catchUpWindow: '5m' });
    // now 10:30, window from 5:30: 3, 4 and 5 are too old; 6 ... 10 are caught up.
    expect(await skipped(env)).toEqual([[m(3), m(5), 'catchUpWindow']]);
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2, 6, 7, 8, 9, 10));
    await env.close();
  });

  it('one with a window: the latest missed fire within it starts', async () => {
    const env = await downtime({ catchUp: 'one', catchUpWindow: '5m' });
    expect(await skipped(env)).toEqual([
      [m(3), m(5), 'catchUpWindow'],
      [m(6), m(9), 'catchUp'],
    ]);
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2, 10));
    await env.close();
  });

  it('a window shorter than the downtime skips every missed fire, even under all', async () => {
    const env = await downtime({ catchUp: 'all', catchUpWindow: '20s' });
    expect(await skipped(env)).toEqual([[m(3), m(10), 'catchUpWindow']]);
    expect(await firedAt(env.engine.store, 's')).toEqual(minutes(1, 2));
    await env.close();
  });

  it('a paused schedule catches nothing up when it comes back, paused or resumed', async () => {
    const { open } = reopenable();
    const first = await createTestEngine({ workflows: [quick], store: open() });
    await first.engine.schedules.create({
      scheduleId: 's',
      spec: { every: '1m' },
      workflowType: 'quick',
      catchUp: 'all',
    });
    await first.advance('2m');
    await first.engine.schedules.pause('s');
    await first.close();
    const second = await createTestEngine({ workflows: [quick], store: open(), startAt: m(10, 30) });
    await second.idle();
    expect(await firedAt(second.engine.store, 's')).toEqual(minutes(1, 2));
    await second.engine.schedules.resume('s');
    await second.advance('1m');
    expect(await firedAt(second.engine.store, 's')).toEqual(minutes(1, 2, 11));
    await second.close();
  });
});
