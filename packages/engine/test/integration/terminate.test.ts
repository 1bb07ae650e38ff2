// handle.terminate on the LMDB store: the run ends at once as WorkflowTerminated (no clean-up
// code), its children get their parentClosePolicy, the status survives a restart, and a closed
// or unknown run is refused with a typed error.
import {
  defineWorkflow,
  WorkflowClosedError,
  WorkflowNotFoundError,
  WorkflowTerminatedError,
} from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const cleanUps: string[] = [];
const child = defineWorkflow('terminate-child', async (ctx) => {
  await ctx.sleep('1d');
  return 'child done';
});
const guarded = defineWorkflow('terminate-guarded', async (ctx) => {
  await ctx.startChild(child, null, { workflowId: `${ctx.workflowId}.kid`, parentClosePolicy: 'terminate' });
  await ctx.startChild(child, null, { workflowId: `${ctx.workflowId}.stays`, parentClosePolicy: 'abandon' });
  try {
    await ctx.sleep('1d');
    return 'done';
  } finally {
    cleanUps.push(ctx.workflowId);
  }
});
const quick = defineWorkflow('terminate-quick', async () => 'quick');
const workflows = [guarded, child, quick];

it('terminate records WorkflowTerminated at once, without clean-up, and applies parentClosePolicy', async () => {
  const dir = lmdbDir();
  const env = await lmdbEngine(dir, { workflows });
  const handle = await env.engine.start(guarded, null, { workflowId: 'w' });
  await env.idle();
  await handle.terminate('operator said so');
  await env.idle();

  const history = await handle.history();
  const last = history.at(-1);
  expect(last).toMatchObject({ type: 'WorkflowTerminated', reason: 'operator said so' });
  expect(history.filter((event) => event.type === 'WorkflowTerminated')).toHaveLength(1);
  const failure = await handle.result().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(WorkflowTerminatedError);
  expect(failure).toMatchObject({ code: 'workflow_terminated', reason: 'operator said so' });
  expect(cleanUps).not.toContain('w');
  expect((await handle.describe()).status).toBe('Terminated');
  expect((await env.engine.getHandle('w.kid').describe()).status).toBe('Terminated');
  expect((await env.engine.getHandle('w.stays').describe()).status).toBe('Running');
  const listed = await env.engine.list({ status: 'Terminated' });
  expect(listed.items.map((item) => item.workflowId).sort()).toEqual(['w', 'w.kid']);
  await env.close();

  // After a restart the run is still terminated: nothing recovers it, nothing is recorded again.
  const again = await lmdbEngine(dir, { workflows });
  await again.idle();
  expect((await again.engine.getHandle('w').describe()).status).toBe('Terminated');
  expect(await again.engine.getHandle('w').history()).toEqual(history);
  expect(cleanUps).not.toContain('w');
  await again.close();
});

it('terminate of a closed run is refused with WorkflowClosedError and records nothing', async () => {
  const env = await lmdbEngine(lmdbDir(), { workflows });
  const handle = await env.engine.start(quick, null, { workflowId: 'q' });
  expect(await handle.result()).toBe('quick');
  const before = await handle.history();
  const refused = await handle.terminate('too late').catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(WorkflowClosedError);
  expect(refused).toMatchObject({ code: 'workflow_closed', status: 'Completed' });
  expect(await handle.history()).toEqual(before);

  const terminated = await env.engine.start(guarded, null, { workflowId: 't' });
  await env.idle();
  await terminated.terminate();
  await expect(terminated.terminate()).rejects.toMatchObject({
    code: 'workflow_closed',
    status: 'Terminated',
  });
  await env.close();
});

it('terminate of an unknown workflow is refused with WorkflowNotFoundError', async () => {
  const env = await lmdbEngine(lmdbDir(), { workflows });
  const refused = await env.engine
    .getHandle('nobody')
    .terminate()
    .catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(WorkflowNotFoundError);
  await env.close();
});
