// Window: a signal arrives for a run while that run is being evicted. It is recorded once and
// the run, rebuilt by replay, sees it.
import { defineWorkflow } from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const collector = defineWorkflow('collector', async (ctx) => {
  const got: unknown[] = [];
  for (;;) {
    const item = await ctx.waitForSignal('item');
    if (item === 'end') return got;
    got.push(item);
  }
});

it('signals racing evictions are each recorded once and delivered', async () => {
  const env = await lmdbEngine(lmdbDir(), { workflows: [collector], maxResident: 1 });
  const ids = ['a', 'b', 'c'];
  for (const id of ids) await env.engine.start(collector, null, { workflowId: id });
  // Round-robin signals: each one rehydrates its run and evicts another, racing the next signal.
  await Promise.all(
    Array.from({ length: 9 }, (_, i) => env.engine.getHandle(ids[i % 3] as string).signal('item', i)),
  );
  for (const id of ids) await env.engine.getHandle(id).signal('item', 'end');
  const results = await Promise.all(ids.map((id) => env.engine.getHandle(id).result()));
  expect(results).toEqual([
    [0, 3, 6],
    [1, 4, 7],
    [2, 5, 8],
  ]);
  for (const id of ids) {
    const received = (await env.engine.getHandle(id).history()).filter(
      (event) => event.type === 'SignalReceived',
    );
    expect(received).toHaveLength(4);
  }
  await env.close();
});
