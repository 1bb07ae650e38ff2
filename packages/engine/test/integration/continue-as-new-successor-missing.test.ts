// Window: the run's WorkflowContinuedAsNew is recorded, then the process dies before the
// successor's WorkflowStarted. Recovery starts the successor, exactly once.
import { defineWorkflow, type WorkflowEvent } from '@reprise/core';
import { lmdbDir, lmdbEngine, openStore } from './fixtures/lmdb-env.js';

const loop = defineWorkflow('loop', async (ctx, n: number) => (n >= 2 ? n : ctx.continueAsNew(n + 1)));

it('recovery starts a recorded-but-never-started successor once, and the chain finishes', async () => {
  const full = lmdbDir();
  const first = await lmdbEngine(full, { workflows: [loop] });
  await first.engine.start(loop, 0, { workflowId: 'chain' });
  expect(await first.engine.getHandle('chain').result()).toBe(2);
  const history = await first.engine.getHandle('chain').history();
  await first.close();

  const crashed = lmdbDir();
  const store = openStore(crashed);
  const cut = history.findIndex((event) => event.type === 'WorkflowContinuedAsNew') + 1;
  await store.append('chain' as never, history.slice(0, cut), { expectedSeq: 0 });
  await store.close();

  const second = await lmdbEngine(crashed, { workflows: [loop] });
  expect(await second.engine.getHandle('chain').result()).toBe(2);
  const after = await second.engine.getHandle('chain').history();
  const starts = after.filter(
    (event): event is Extract<WorkflowEvent, { type: 'WorkflowStarted' }> => event.type === 'WorkflowStarted',
  );
  expect(starts).toHaveLength(3);
  expect(new Set(starts.map((event) => event.parentRunId)).size).toBe(3);
  await second.close();

  // A second recovery on the finished chain starts nothing more.
  const third = await lmdbEngine(crashed, { workflows: [loop] });
  await third.idle();
  expect((await third.engine.getHandle('chain').history()).length).toBe(after.length);
  await third.close();
});
