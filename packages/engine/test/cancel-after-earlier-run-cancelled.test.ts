// Window: a cancel request for a run that is not in memory (stalled here) is written straight into
// the history; a WorkflowCancelRequested of an earlier run of the same workflow id must not count
// as this run's, or the request is dropped while the caller is told it was made.
import { WorkflowCancelledError } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { divergence, echo, engineWithFixedCode, fickle, idler } from './fixtures/diverging-workflow.js';
import { reopenable } from './helpers.js';

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
  divergence.on = true;
  await expect(handle.query('shape')).rejects.toMatchObject({ code: 'workflow_stalled' });
  expect(await handle.cancel('second run')).toEqual({ status: 'Running' });
  const history = await handle.history();
  const secondRun = history.slice(history.findLastIndex((event) => event.type === 'WorkflowStarted'));
  expect(secondRun.filter((event) => event.type === 'WorkflowCancelRequested')).toMatchObject([
    { reason: 'second run' },
  ]);
  await env.close();

  const fixed = await engineWithFixedCode(open(), env.clock.now());
  await expect(fixed.engine.getHandle('f').result()).rejects.toMatchObject({
    code: 'workflow_cancelled',
    reason: 'second run',
  });
  await fixed.close();
});
