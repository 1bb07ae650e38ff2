// The schedule service's API on the virtual clock: create, fire, describe, list, pause, resume,
// update, trigger, backfill, delete, and the typed errors of bad input.
import {
  DurationError,
  InvalidArgumentError,
  InvalidScheduleSpecError,
  ScheduleAlreadyExistsError,
  ScheduleNotFoundError,
  SearchAttributeError,
  UnknownWorkflowTypeError,
} from '@reprise/core';
import { createTestEngine, DEFAULT_TEST_START } from '@reprise/testkit';
import { firedAt, MINUTE, quick, SECOND, scheduleHistory, sleeper, startedBy } from './schedules-helpers.js';

const T0 = DEFAULT_TEST_START; // 2026-01-01T00:00:00Z, a Thursday

async function env() {
  return createTestEngine({ workflows: [quick, sleeper], searchAttributes: { team: 'keyword' } });
}

describe('a schedule fires on its spec', () => {
  it('an interval schedule starts one workflow per fire, each named by schedule id and fire time', async () => {
    const t = await env();
    const created = await t.engine.schedules.create({
      scheduleId: 'tick',
      spec: { every: '10s' },
      workflowType: 'quick',
      input: { n: 1 },
    });
    expect(created).toMatchObject({ scheduleId: 'tick', paused: false, overlap: 'skip', catchUp: 'one' });
    expect(created.nextFireTimes).toEqual([1, 2, 3, 4, 5].map((k) => T0 + k * 10 * SECOND));
    await t.advance('35s');
    const runs = await startedBy(t.engine.store, 'tick');
    expect(runs.map((run) => run.workflowId)).toEqual([
      'tick@2026-01-01T00:00:10.000Z',
      'tick@2026-01-01T00:00:20.000Z',
      'tick@2026-01-01T00:00:30.000Z',
    ]);
    expect(runs.every((run) => run.status === 'Completed')).toBe(true);
    expect(await t.engine.getHandle(runs[0]?.workflowId as string).result()).toBe('done');
    const described = await t.engine.schedules.describe('tick');
    expect(described.recentActions.map((action) => action.kind === 'fired' && action.status)).toEqual([
      'Completed',
      'Completed',
      'Completed',
    ]);
    expect(described.nextFireAt).toBe(T0 + 40 * SECOND);
    await t.close();
  });

  it('a cron schedule fires in its time zone, with 5 or 6 fields', async () => {
    const t = await env();
    // 09:00 in Paris is 08:00 UTC in winter.
    await t.engine.schedules.create({
      scheduleId: 'paris',
      spec: { cron: '0 9 * * *', timezone: 'Europe/Paris' },
      workflowType: 'quick',
    });
    await t.engine.schedules.create({
      scheduleId: 'secs',
      spec: { cron: '*/15 * * * * *' },
      workflowType: 'quick',
    });
    // Two minutes of fires every 15 s show the seconds field (an hour's 240 took seconds of a
    // busy machine's time for nothing more).
    await t.advance('2m');
    expect(await startedBy(t.engine.store, 'secs')).toHaveLength(4 * 2);
    await t.engine.schedules.delete('secs');
    await t.advance('1d');
    expect((await startedBy(t.engine.store, 'paris')).map((run) => run.workflowId)).toEqual([
      'paris@2026-01-01T08:00:00.000Z',
    ]);
    await t.close();
  });

  it('list gives every schedule by id; the schedules histories never show in workflow lists', async () => {
    const t = await env();
    for (const id of ['b', 'a', 'c']) {
      await t.engine.schedules.create({ scheduleId: id, spec: { every: '1h' }, workflowType: 'quick' });
    }
    expect((await t.engine.schedules.list()).map((row) => [row.scheduleId, row.nextFireAt])).toEqual([
      ['a', T0 + 3_600_000],
      ['b', T0 + 3_600_000],
      ['c', T0 + 3_600_000],
    ]);
    expect((await t.engine.list()).items).toEqual([]);
    await t.close();
  });
});

describe('pause, resume, update, delete', () => {
  it('a paused schedule does not fire, and on resume the fires due while paused are not caught up', async () => {
    const t = await env();
    await t.engine.schedules.create({
      scheduleId: 'p',
      spec: { every: '1m' },
      workflowType: 'quick',
      paused: true,
      note: 'not yet',
    });
    expect(await t.engine.schedules.describe('p')).toMatchObject({
      paused: true,
      note: 'not yet',
      nextFireTimes: [],
    });
    await t.advance('5m');
    expect(await startedBy(t.engine.store, 'p')).toEqual([]);
    await t.engine.schedules.resume('p', 'go');
    await t.advance('2m');
    expect(await firedAt(t.engine.store, 'p')).toEqual([T0 + 6 * MINUTE, T0 + 7 * MINUTE]);
    await t.engine.schedules.pause('p');
    await t.engine.schedules.pause('p'); // a no-op
    await t.advance('3m');
    expect(await firedAt(t.engine.store, 'p')).toHaveLength(2);
    const types = (await scheduleHistory(t.engine.store, 'p')).map((event) => event.type);
    expect(types).toEqual([
      'ScheduleCreated',
      'SchedulePaused',
      'ScheduleResumed',
      'ScheduleTriggered',
      'ScheduleTriggered',
      'SchedulePaused',
    ]);
    await t.close();
  });

  it('update changes the spec from now on, and the input and attributes of later starts', async () => {
    const t = await env();
    await t.engine.schedules.create({ scheduleId: 'u', spec: { every: '1m' }, workflowType: 'quick' });
    await t.advance('90s');
    const updated = await t.engine.schedules.update('u', {
      spec: { cron: '0 * * * *' },
      workflowType: 'sleeper',
      input: 1000,
      searchAttributes: { team: 'ops' },
    });
    expect(updated).toMatchObject({ workflowType: 'sleeper', input: 1000, nextFireAt: T0 + 3_600_000 });
    await t.advance('1h');
    const runs = await startedBy(t.engine.store, 'u');
    expect(runs.map((run) => [run.workflowType, run.searchAttributes])).toEqual([
      ['quick', {}],
      ['sleeper', { team: 'ops' }],
    ]);
    await t.close();
  });

  it('a partial spec keeps what it does not name: a cron its timezone, an interval its offset', async () => {
    const t = await env();
    await t.engine.schedules.create({
      scheduleId: 'paris',
      spec: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
      workflowType: 'quick',
    });
    await t.engine.schedules.create({
      scheduleId: 'tick',
      spec: { every: '1h', offset: '5m' },
      workflowType: 'quick',
    });
    const paris = await t.engine.schedules.update('paris', { spec: { cron: '0 3 * * *' } });
    expect(paris.spec).toEqual({ cron: '0 3 * * *', timezone: 'Europe/Paris' });
    expect(paris.nextFireAt).toBe(Date.parse('2026-01-01T02:00:00Z')); // 03:00 in Paris (UTC+1)
    const tick = await t.engine.schedules.update('tick', { spec: { every: '2h' } });
    expect(tick.spec).toEqual({ every: 7_200_000, offset: 300_000 });
    // What it names replaces; a spec of the other kind replaces the whole spec.
    expect(
      (await t.engine.schedules.update('paris', { spec: { cron: '0 3 * * *', timezone: 'UTC' } })).spec,
    ).toEqual({
      cron: '0 3 * * *',
      timezone: 'UTC',
    });
    expect((await t.engine.schedules.update('tick', { spec: { cron: '@daily' } })).spec).toEqual({
      cron: '@daily',
    });
    // The history records the whole spec, so a restart reads the same definition.
    const updates = (await scheduleHistory(t.engine.store, 'paris')).filter(
      (e) => e.type === 'ScheduleUpdated',
    );
    expect(updates.map((e) => (e as { changes: unknown }).changes)).toEqual([
      { spec: { cron: '0 3 * * *', timezone: 'Europe/Paris' } },
      { spec: { cron: '0 3 * * *', timezone: 'UTC' } },
    ]);
    await expect(
      t.engine.schedules.update('paris', { spec: { cron: '0 3 * * *', every: '1h' } as never }),
    ).rejects.toBeInstanceOf(InvalidScheduleSpecError);
    await t.close();
  });

  it('delete stops the fires, forgets the schedule, and lets the id be used again', async () => {
    const t = await env();
    await t.engine.schedules.create({ scheduleId: 'd', spec: { every: '1m' }, workflowType: 'quick' });
    await t.advance('1m');
    await t.engine.schedules.delete('d');
    await expect(t.engine.schedules.describe('d')).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await t.engine.schedules.list()).toEqual([]);
    await t.advance('5m');
    expect(await firedAt(t.engine.store, 'd')).toEqual([T0 + MINUTE]);
    await t.engine.schedules.create({ scheduleId: 'd', spec: { every: '1m' }, workflowType: 'quick' });
    await t.advance('1m');
    expect(await firedAt(t.engine.store, 'd')).toEqual([T0 + MINUTE, T0 + 7 * MINUTE]);
    await t.close();
  });
});

describe('trigger and backfill', () => {
  it('trigger starts one now, outside the spec, even when paused; two in the same ms are two workflows', async () => {
    const t = await env();
    await t.engine.schedules.create({
      scheduleId: 'tr',
      spec: { every: '1h' },
      workflowType: 'quick',
      paused: true,
    });
    const first = await t.engine.schedules.trigger('tr');
    const second = await t.engine.schedules.trigger('tr', { overlap: 'allowAll' });
    // The suffix is the seq of the ScheduleTriggered (after ScheduleCreated and SchedulePaused).
    expect(first).toEqual({ outcome: 'started', workflowId: 'tr@2026-01-01T00:00:00.000Z#3' });
    expect(second).toEqual({ outcome: 'started', workflowId: 'tr@2026-01-01T00:00:00.000Z#4' });
    await t.idle();
    expect((await startedBy(t.engine.store, 'tr')).map((run) => run.status)).toEqual([
      'Completed',
      'Completed',
    ]);
    const recent = (await t.engine.schedules.describe('tr')).recentActions;
    expect(recent.map((action) => action.kind === 'fired' && action.cause)).toEqual(['trigger', 'trigger']);
    await t.close();
  });

  it('backfill takes the past fires of a range once; a second backfill of it starts nothing', async () => {
    const t = await env();
    await t.advance('1h');
    await t.engine.schedules.create({ scheduleId: 'bf', spec: { every: '10m' }, workflowType: 'quick' });
    const range = { from: T0, to: T0 + 3_600_000, overlap: 'bufferAll' as const };
    const result = await t.engine.schedules.backfill('bf', range);
    expect(result.started + result.waiting).toBe(6);
    await t.idle();
    expect(await startedBy(t.engine.store, 'bf')).toHaveLength(6);
    expect(await t.engine.schedules.backfill('bf', range)).toEqual({
      started: 0,
      waiting: 0,
      skipped: 0,
      alreadyStarted: 6,
    });
    // A backfill reaching into the future takes only what is due.
    const ahead = await t.engine.schedules.backfill('bf', { from: T0 + 3_600_000, to: T0 + 2 * 3_600_000 });
    expect(ahead).toEqual({ started: 1, waiting: 0, skipped: 0, alreadyStarted: 0 });
    await expect(t.engine.schedules.backfill('bf', { from: T0, to: T0 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await t.close();
  });
});

describe('bad input is refused at create with a typed error naming the value', () => {
  const base = { scheduleId: 's', workflowType: 'quick', spec: { every: '1m' } } as const;

  it.each([
    [{ cron: 'every day' }, 'cron', 'every day'],
    [{ cron: '61 * * * *' }, 'cron', '61 * * * *'],
    [{ cron: '* * * * * * *' }, 'cron', '* * * * * * *'],
    [{ cron: '0 0 30 2 *' }, 'cron', '0 0 30 2 *'],
    [{ cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone', 'Mars/Olympus'],
    [{ every: 0 }, 'every', 0],
    [{ every: -5 }, 'every', -5],
    [{ every: '-5s' }, 'every', '-5s'],
    [{ every: 'soon' }, 'every', 'soon'],
    [{ every: '1m', cron: '* * * * *' }, 'spec', undefined],
  ])('spec %j', async (spec, field, value) => {
    const t = await env();
    const error = await t.engine.schedules.create({ ...base, spec: spec as never }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidScheduleSpecError);
    expect(error).toMatchObject({ code: 'invalid_schedule_spec', field });
    if (value !== undefined) expect((error as Error).message).toContain(JSON.stringify(value));
    expect(await t.engine.schedules.list()).toEqual([]);
    await t.close();
  });

  it('an unknown workflow type, a duplicate id, bad policies and attributes', async () => {
    const t = await env();
    await expect(t.engine.schedules.create({ ...base, workflowType: 'nope' })).rejects.toThrow(
      new UnknownWorkflowTypeError('nope'),
    );
    await t.engine.schedules.create(base);
    const duplicate = t.engine.schedules.create(base);
    await expect(duplicate).rejects.toBeInstanceOf(ScheduleAlreadyExistsError);
    await expect(duplicate).rejects.toMatchObject({
      code: 'schedule_already_exists',
      message: expect.stringContaining('"s"'),
    });
    await expect(
      t.engine.schedules.create({ ...base, scheduleId: 'o', overlap: 'sometimes' as never }),
    ).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('"sometimes"') });
    await expect(
      t.engine.schedules.create({ ...base, scheduleId: 'c', catchUp: 'most' as never }),
    ).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('"most"') });
    await expect(
      t.engine.schedules.create({ ...base, scheduleId: 'w', catchUpWindow: '-1h' as never }),
    ).rejects.toBeInstanceOf(DurationError);
    await expect(
      t.engine.schedules.create({ ...base, scheduleId: 'a', searchAttributes: { colour: 'red' } }),
    ).rejects.toBeInstanceOf(SearchAttributeError);
    await expect(t.engine.schedules.create({ ...base, scheduleId: '' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(t.engine.schedules.pause('missing')).rejects.toBeInstanceOf(ScheduleNotFoundError);
    await expect(t.engine.schedules.update('s', { spec: { every: 0 } })).rejects.toBeInstanceOf(
      InvalidScheduleSpecError,
    );
    expect((await t.engine.schedules.list()).map((row) => row.scheduleId)).toEqual(['s']);
    await t.close();
  });
});
