// Window: the parent recorded ChildWorkflowStarted, then the process died before the child's own
// WorkflowStarted. Recovery starts the child once and the parent gets its result.
import { defineWorkflow } from '@reprise/core';
import { lmdbDir, lmdbEngine, openStore } from './fixtures/lmdb-env.js';

const child = defineWorkflow('child', async (_ctx, n: number) => n * 10);
const parent = defineWorkflow('parent', async (ctx) => ctx.child(child, 4, { workflowId: 'the-child' }));

it('recovery starts a recorded child that never started, once', async () => {
  const full = lmdbDir();
  const first = await lmdbEngine(full, { workflows: [parent, child] });
  await first.engine.start(parent, null, { workflowId: 'p' });
  expect(await first.engine.getHandle('p').result()).toBe(40);
  const parentHistory = await first.engine.getHandle('p').history();
  await first.close();

  const crashed = lmdbDir();
  const store = openStore(crashed);
  const cut = parentHistory.findIndex((event) => event.type === 'ChildWorkflowStarted') + 1;
  await store.append('p' as never, parentHistory.slice(0, cut), { expectedSeq: 0 });
  await store.close();

  const second = await lmdbEngine(crashed, { workflows: [parent, child] });
  expect(await second.engine.getHandle('p').result()).toBe(40);
  const childHistory = await second.engine.getHandle('the-child').history();
  expect(childHistory.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
  const after = await second.engine.getHandle('p').history();
  expect(after.filter((event) => event.type === 'ChildWorkflowCompleted')).toHaveLength(1);
  await second.close();
});
