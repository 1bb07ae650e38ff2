// Window: a cancel request for a run that is not in memory (stalled here) is written straight into
// the history; a WorkflowCancelRequested of an earlier run of the same workflow id must not count
// as this run's, or the request is dropped while the caller is told it was made.
import { defineActivity, defineWorkflow, WorkflowCancelledError } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const echo = defineActivity('echo', async (input: string) => input);

/** Its code changes shape when `diverge` is set, as a bad deploy would. */
let diverge = false;
const fickle = defineWorkflow('fickle', async (ctx) => {
  ctx.setQueryHandler('shape', () => 'fine');
  if (diverge) await ctx.sleep('1s');
  else await ctx.activity(echo, 'first');
  return ctx.waitForSignal('go');
});
const idler = defineWorkflow('idler', async (ctx) => ctx.waitForSignal('never'));

it("records a cancel request for a stalled run whose workflow id's earlier run was cancelled", async () => {
  const { open } = reopenable();
  const env = await createTestEngine({
    workflows: [fickle, idler],
    activities: [echo],
    store: open(),
    maxResident: 1,
    logger: { warn: () => {} },
  });
  const handle = await env.engine.start(fickle, null, { workflowId: 'f' });
  await env.idle();
  await handle.cancel('first run');
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowCancelledError);

  await env.engine.start(fickle, null, { workflowId: 'f' });
  await env.idle();
  await env.engine.start(idler, null, { workflowId: 'i' });
  await env.idle();
  diverge = true;
  await expect(handle.query('shape')).rejects.toMatchObject({ code: 'workflow_stalled' });
  expect(await handle.cancel('second run')).toEqual({ status: 'Running' });
  const history = await handle.history();
  const secondRun = history.slice(history.findLastIndex((event) => event.type === 'WorkflowStarted'));
  expect(secondRun.filter((event) => event.type === 'WorkflowCancelRequested')).toMatchObject([
    { reason: 'second run' },
  ]);
  await env.close();

  diverge = false;
  const fixed = await createTestEngine({
    workflows: [fickle, idler],
    activities: [echo],
    store: open(),
    startAt: env.clock.now(),
  });
  await expect(fixed.engine.getHandle('f').result()).rejects.toMatchObject({
    code: 'workflow_cancelled',
    reason: 'second run',
  });
  await fixed.close();
});
