// handle.pause / handle.resume on the LMDB store: a paused run makes no progress (fired timers,
// activity results, signals and updates are recorded and held, no new activity attempt starts),
// stays paused across a restart, shows `paused`, and takes what was held, in order, on resume.
import { WorkflowClosedError, type WorkflowEvent } from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';
import {
  flakyAttemptCount,
  holdStamps,
  pausable,
  pauseActivities,
  pauseLog,
  pauseWorkflows,
  retrying,
} from './fixtures/pause-workflows.js';

const options = { workflows: pauseWorkflows, activities: pauseActivities };
const typesAfter = (history: readonly WorkflowEvent[], type: string) =>
  history.slice(history.findIndex((event) => event.type === type)).map((event) => event.type);

it('a paused run holds its timer and signals across a restart, and takes them in order on resume', async () => {
  const dir = lmdbDir();
  const env = await lmdbEngine(dir, options);
  const handle = await env.engine.start(pausable, 'a', { workflowId: 'p' });
  await env.idle();
  await handle.pause('maintenance');
  await handle.pause('again'); // already paused: nothing more is recorded
  expect((await handle.describe()).paused).toBe(true);
  expect((await handle.describe()).status).toBe('Running');
  expect((await env.engine.list({})).items[0]).toMatchObject({ workflowId: 'p', paused: true });

  await env.advance('2m');
  await handle.signal('go', 'now');
  await env.idle();
  expect(pauseLog).not.toContain('a');
  expect(typesAfter(await handle.history(), 'WorkflowPaused')).toEqual([
    'WorkflowPaused',
    'TimerFired',
    'SignalReceived',
  ]);
  const at = env.clock.now();
  await env.close();

  // A new process: the run comes back paused, and stays so while time passes.
  const again = await lmdbEngine(dir, { ...options, startAt: at });
  const resumed = again.engine.getHandle('p');
  await again.advance('5m');
  expect(pauseLog).not.toContain('a');
  expect((await resumed.describe()).paused).toBe(true);
  // Its activity is held, so the run is still open at the second resume, whatever the order of
  // the activity's end and the client's next call.
  const releaseStamps = holdStamps();
  await resumed.resume('done');
  await resumed.resume('twice'); // not paused any more: nothing is recorded
  releaseStamps();
  expect(await resumed.result()).toBe('stamped a now');
  const history = await resumed.history();
  expect(typesAfter(history, 'WorkflowPaused')).toEqual([
    'WorkflowPaused',
    'TimerFired',
    'SignalReceived',
    'WorkflowResumed',
    'ActivityScheduled',
    'ActivityCompleted',
    'WorkflowCompleted',
  ]);
  expect(history.filter((event) => event.type === 'WorkflowPaused')).toHaveLength(1);
  expect(history.filter((event) => event.type === 'WorkflowResumed')).toHaveLength(1);
  expect((await resumed.describe()).paused).toBeUndefined();
  await again.close();
});

it('a paused run starts no activity retry until it is resumed', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(retrying, null, { workflowId: 'r' });
  await env.idle();
  expect(flakyAttemptCount()).toBe(1);
  await handle.pause();
  await env.advance('10m');
  expect(flakyAttemptCount()).toBe(1);
  await handle.resume();
  await env.idle();
  await env.advance('1m');
  expect(await handle.result()).toBe('second attempt');
  expect(flakyAttemptCount()).toBe(2);
  await env.close();
});

it('an update to a paused run is accepted and answered after resume; terminate ends a paused run', async () => {
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(pausable, 'b', { workflowId: 'u' });
  await env.idle();
  await handle.pause();
  let answer: unknown;
  const update = handle.executeUpdate('bump').then((value) => {
    answer = value;
  });
  await env.idle();
  const history = await handle.history();
  expect(history.at(-1)?.type).toBe('UpdateAccepted');
  expect(answer).toBeUndefined();
  await handle.resume();
  await update;
  expect(answer).toBe(1);

  await handle.pause();
  await handle.terminate('enough');
  expect((await handle.describe()).status).toBe('Terminated');
  expect((await handle.describe()).paused).toBeUndefined();
  await expect(handle.pause()).rejects.toBeInstanceOf(WorkflowClosedError);
  await expect(handle.resume()).rejects.toBeInstanceOf(WorkflowClosedError);
  await env.close();
});
