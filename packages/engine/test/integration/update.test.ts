// handle.executeUpdate on the LMDB store: validation before anything is recorded, UpdateAccepted
// and UpdateCompleted around a handler that runs an activity and sleeps, replay after a restart,
// idempotence by update id, and the typed errors of bad updates.
import {
  UpdateFailedError,
  UpdateRejectedError,
  WorkflowClosedError,
  type WorkflowEvent,
  WorkflowNotFoundError,
} from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';
import { counter, updateActivities } from './fixtures/update-workflows.js';

const options = { workflows: [counter], activities: updateActivities };
const types = (history: readonly WorkflowEvent[]) => history.map((event) => event.type);

/** Runs an update to its end on a virtual clock: its handler sleeps a second. */
async function update<T>(env: Awaited<ReturnType<typeof lmdbEngine>>, call: Promise<T>): Promise<T> {
  await env.idle();
  await env.advance('1s');
  return call;
}

it('an accepted update is recorded, runs an activity and a timer, answers, and replays after a restart', async () => {
  const dir = lmdbDir();
  const env = await lmdbEngine(dir, options);
  const handle = await env.engine.start(counter, 10, { workflowId: 'c' });
  expect(await update(env, handle.executeUpdate('add', 5))).toBe(15);
  expect(await update(env, handle.executeUpdate('add', 2, { updateId: 'second' }))).toBe(17);
  expect(await handle.query('total')).toBe(17);
  const history = await handle.history();
  const accepted = history.filter((event) => event.type === 'UpdateAccepted');
  const completed = history.filter((event) => event.type === 'UpdateCompleted');
  expect(accepted).toHaveLength(2);
  expect(accepted[1]).toMatchObject({ updateId: 'second', updateName: 'add', args: 2 });
  expect(completed.map((event) => (event as { result?: unknown }).result)).toEqual([15, 17]);
  // Each update's handler ran within the run: its activity and timer sit between accept and complete.
  const firstAccept = types(history).indexOf('UpdateAccepted');
  expect(types(history).slice(firstAccept, firstAccept + 2)).toEqual(['UpdateAccepted', 'ActivityScheduled']);
  await env.close();

  // A new engine replays both updates (the handlers' commands match) and the run carries on.
  const again = await lmdbEngine(dir, { ...options, startAt: env.clock.now() });
  const resumed = again.engine.getHandle('c');
  expect(await resumed.query('total')).toBe(17);
  expect((await resumed.describe()).stalled).toBeUndefined();
  // The same update id again: not accepted twice, the recorded answer comes back.
  expect(await resumed.executeUpdate('add', 2, { updateId: 'second' })).toBe(17);
  expect(await update(again, resumed.executeUpdate('close'))).toBe(17);
  await resumed.signal('tick'); // the loop looks at `closing` when it wakes
  expect(await resumed.result()).toBe(17);
  const closed = await resumed.history();
  expect(closed.filter((event) => event.type === 'UpdateAccepted')).toHaveLength(3);
  await again.close();
});

it('two calls with the same update id share one acceptance and one answer', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(counter, 0, { workflowId: 'c' });
  const first = handle.executeUpdate('add', 3, { updateId: 'once' });
  const second = handle.executeUpdate('add', 3, { updateId: 'once' });
  await env.idle();
  await env.advance('1s');
  expect(await Promise.all([first, second])).toEqual([3, 3]);
  const history = await handle.history();
  expect(history.filter((event) => event.type === 'UpdateAccepted')).toHaveLength(1);
  expect(history.filter((event) => event.type === 'ActivityScheduled')).toHaveLength(1);
  await env.close();
});

describe('a rejected update records nothing', () => {
  it.each([
    ['a validator that throws an Error', 'add', -1, /amount -1 is not a count/],
    ['a validator that throws a string', 'throwsString', null, /no, as a string/],
    ['a validator that throws undefined', 'throwsUndefined', null, /undefined/],
    ['a validator that calls a ctx command', 'sneaky', null, /sleep/],
    ['an update name with no handler', 'nope', null, /no handler of that name; known: "add"/],
  ])('%s', async (_label, name, args, message) => {
    const env = await lmdbEngine(lmdbDir(), options);
    const handle = await env.engine.start(counter, 0, { workflowId: 'c' });
    await env.idle();
    const before = await handle.history();
    const refused = await handle.executeUpdate(name, args).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UpdateRejectedError);
    expect(refused).toMatchObject({ code: 'update_rejected', updateName: name });
    expect((refused as Error).message).toMatch(message);
    await env.idle();
    expect(await handle.history()).toEqual(before);
    // The run goes on as before.
    expect(await update(env, handle.executeUpdate('add', 1))).toBe(1);
    await env.close();
  });
});

it('a handler that throws fails the call with UpdateFailedError; the run goes on', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(counter, 0, { workflowId: 'c' });
  const failed = await handle.executeUpdate('fail', 'broken').catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(UpdateFailedError);
  expect(failed).toMatchObject({ code: 'update_failed', updateName: 'fail', failure: { message: 'broken' } });
  expect((await handle.describe()).status).toBe('Running');
  await env.close();
});

it('an update to a closed run, or to an unknown workflow, is refused with a typed error', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(counter, 4, { workflowId: 'c' });
  await env.idle();
  await handle.signal('tick', 'stop');
  expect(await handle.result()).toBe(4);
  const refused = await handle.executeUpdate('add', 1).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(WorkflowClosedError);
  expect(refused).toMatchObject({ status: 'Completed' });
  await expect(env.engine.getHandle('nobody').executeUpdate('add', 1)).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
  await expect(handle.executeUpdate('', 1)).rejects.toMatchObject({ code: 'invalid_argument' });
  await expect(handle.executeUpdate('add', 1, { updateId: '' })).rejects.toMatchObject({
    code: 'invalid_argument',
  });
  await env.close();
});

it('args that are not JSON-safe are refused before anything is sent', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(counter, 0, { workflowId: 'c' });
  await env.idle();
  const before = await handle.history();
  await expect(handle.executeUpdate('add', { n: 1n } as never)).rejects.toMatchObject({
    code: 'invalid_payload',
  });
  expect(await handle.history()).toEqual(before);
  await env.close();
});
