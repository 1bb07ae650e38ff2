// Window: cancellation is requested at the moment the run completes. Exactly one terminal is
// recorded, and what cancel() reports agrees with it.
import { defineWorkflow } from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const finishOnSignal = defineWorkflow('finish-on-signal', async (ctx) => ctx.waitForSignal('finish'));

it.each([0, 1, 2, 3, 4, 5])('race %i: one terminal, and cancel() tells the truth', async (delayTurns) => {
  const env = await lmdbEngine(lmdbDir(), { workflows: [finishOnSignal] });
  const handle = await env.engine.start(finishOnSignal, null);
  await env.idle();
  const finishing = handle.signal('finish', 'done');
  for (let i = 0; i < delayTurns; i++) await Promise.resolve();
  const [cancelled] = await Promise.all([handle.cancel('too late?'), finishing]);
  const outcome = await handle.result().then(
    () => 'Completed',
    (error: { code: string }) => (error.code === 'workflow_cancelled' ? 'Cancelled' : error.code),
  );
  const history = await handle.history();
  const terminals = history.filter((event) =>
    ['WorkflowCompleted', 'WorkflowCancelled', 'WorkflowFailed'].includes(event.type),
  );
  expect(terminals).toHaveLength(1);
  // A request that reached the running code is recorded; one that found the run closed reports its status.
  if (cancelled.status === 'Running')
    expect(history.some((event) => event.type === 'WorkflowCancelRequested')).toBe(true);
  else expect(cancelled.status).toBe(outcome);
  await env.close();
});
