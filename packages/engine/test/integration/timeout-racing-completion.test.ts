// Window: the execution timeout falls due at the instant the run completes. Exactly one terminal.
import { defineWorkflow } from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const exactlyOnTime = defineWorkflow('exactly-on-time', async (ctx, sleep: number) => {
  await ctx.sleep(sleep);
  return 'made it';
});

it.each([59_999, 60_000, 60_001])(
  'sleeping %i ms against a 60 s timeout records one terminal',
  async (sleep) => {
    const env = await lmdbEngine(lmdbDir(), { workflows: [exactlyOnTime] });
    const handle = await env.engine.start(exactlyOnTime, sleep, { executionTimeout: '60s' });
    await env.advance('2m');
    const history = await handle.history();
    const terminals = history.filter((event) =>
      ['WorkflowCompleted', 'WorkflowTimedOut'].includes(event.type),
    );
    expect(terminals).toHaveLength(1);
    if (sleep < 60_000) expect(terminals[0]?.type).toBe('WorkflowCompleted');
    if (sleep > 60_000) expect(terminals[0]?.type).toBe('WorkflowTimedOut');
    await env.close();
  },
);
