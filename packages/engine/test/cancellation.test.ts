// Cancellation as the code and its activities see it: an in-flight activity's AbortSignal
// fires; a cancel that reaches a closed run changes nothing and reports how the run closed.
import { defineActivity, defineWorkflow, type WorkflowEvent } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { inbox, reopenable } from './helpers.js';

/** What an activity attempt saw of its AbortSignal when (or after) it was aborted. */
interface SeenAbort {
  readonly aborted: boolean;
  readonly reason: unknown;
}

describe('an in-flight activity under cancellation', () => {
  it('sees its AbortSignal fire, with a cancellation reason, and the run ends Cancelled', async () => {
    const seen: SeenAbort[] = [];
    let attemptStarted: (() => void) | undefined;
    const started = new Promise<void>((resolve) => {
      attemptStarted = resolve;
    });
    const listening = defineActivity(
      'listening',
      (_: null, actx) =>
        new Promise<string>((_resolve, reject) => {
          actx.signal.addEventListener('abort', () => {
            seen.push({ aborted: actx.signal.aborted, reason: actx.signal.reason });
            reject(actx.signal.reason);
          });
          attemptStarted?.();
        }),
    );
    const waiting = defineWorkflow('waiting', async (ctx) => ctx.activity(listening, null));
    const env = await createTestEngine({ workflows: [waiting], activities: [listening] });
    const handle = await env.engine.start(waiting, null, { workflowId: 'w' });
    await started;
    expect(seen).toEqual([]);
    expect(await handle.cancel('customer asked')).toEqual({ status: 'Running' });
    await env.idle();
    await expect(handle.result()).rejects.toMatchObject({
      code: 'workflow_cancelled',
      reason: 'customer asked',
    });
    expect(seen).toEqual([{ aborted: true, reason: expect.any(Error) }]);
    expect(seen[0]?.reason).toMatchObject({ message: expect.stringMatching(/cancel/i) });
    const types = (await handle.history()).map((event: WorkflowEvent) => event.type);
    expect(types).toEqual(expect.arrayContaining(['ActivityCancelled', 'WorkflowCancelled']));
    expect(types).not.toContain('ActivityCompleted');
    await env.close();
  });

  it('an attempt that first reads its signal after the cancel finds it already aborted', async () => {
    const seen: SeenAbort[] = [];
    let proceed: (() => void) | undefined;
    let attemptStarted: (() => void) | undefined;
    const started = new Promise<void>((resolve) => {
      attemptStarted = resolve;
    });
    const late = defineActivity('late-reader', async (_: null, actx) => {
      await new Promise<void>((resolve) => {
        proceed = resolve;
        attemptStarted?.();
      });
      seen.push({ aborted: actx.signal.aborted, reason: actx.signal.reason });
      return 'finished anyway';
    });
    const waiting = defineWorkflow('waiting-late', async (ctx) => ctx.activity(late, null));
    const env = await createTestEngine({ workflows: [waiting], activities: [late] });
    const handle = await env.engine.start(waiting, null, { workflowId: 'w' });
    await started;
    await handle.cancel('stop');
    await env.idle();
    proceed?.();
    await env.idle();
    expect(seen).toEqual([{ aborted: true, reason: expect.any(Error) }]);
    expect(seen[0]?.reason).toMatchObject({ message: expect.stringMatching(/cancel/i) });
    await expect(handle.result()).rejects.toMatchObject({ code: 'workflow_cancelled' });
    // The attempt's late result is not recorded: the activity was cancelled.
    const types = (await handle.history()).map((event) => event.type);
    expect(types).not.toContain('ActivityCompleted');
    await env.close();
  });
});

describe('cancelling a closed run', () => {
  const finishes = defineWorkflow('finishes', async (ctx, how: string) => {
    await ctx.sleep('1m');
    if (how === 'fail') throw new Error('it went wrong');
    if (how === 'forever') await ctx.sleep('1d');
    return `finished ${how}`;
  });

  /** Closes workflow `id` as `status` and returns the engine it ran on. */
  async function closed(status: 'Completed' | 'Failed' | 'Cancelled' | 'TimedOut') {
    const { store, open } = reopenable();
    const env = await createTestEngine({
      workflows: [finishes, inbox],
      store: open(),
      searchAttributes: { tag: 'keyword' },
    });
    const input = { Completed: 'ok', Failed: 'fail', Cancelled: 'forever', TimedOut: 'forever' }[status];
    const handle = await env.engine.start(finishes, input, {
      workflowId: 'closed',
      searchAttributes: { tag: 'x' },
      ...(status === 'TimedOut' ? { executionTimeout: '1h' } : {}),
    });
    await env.advance('2m');
    if (status === 'Cancelled') await handle.cancel('first cancel');
    await env.advance('2h');
    expect((await handle.describe()).status).toBe(status);
    return { env, store, open };
  }

  const statuses = ['Completed', 'Failed', 'Cancelled', 'TimedOut'] as const;

  it.each(statuses)(
    'a %s run: history byte for byte the same, the closed status reported, in memory and after a restart',
    async (status) => {
      const { env, store, open } = await closed(status);
      const handle = env.engine.getHandle('closed');
      const before = JSON.stringify(await store.readHistory('closed' as never));
      const summaryBefore = JSON.stringify(await store.getSummary('closed' as never));
      expect(await handle.cancel('too late')).toEqual({ status });
      await env.advance('1d');
      expect(JSON.stringify(await store.readHistory('closed' as never))).toBe(before);
      expect(JSON.stringify(await store.getSummary('closed' as never))).toBe(summaryBefore);
      expect((await handle.describe()).status).toBe(status);
      const now = env.clock.now();
      await env.close();

      // The same from an engine that never had the run in memory.
      const restarted = await createTestEngine({
        workflows: [finishes, inbox],
        store: open(),
        startAt: now,
        searchAttributes: { tag: 'keyword' },
      });
      expect(await restarted.engine.getHandle('closed').cancel()).toEqual({ status });
      await restarted.advance('1d');
      expect(JSON.stringify(await store.readHistory('closed' as never))).toBe(before);
      expect(JSON.stringify(await store.getSummary('closed' as never))).toBe(summaryBefore);
      expect(await store.count({ status: 'Running' })).toBe(0);
      await restarted.close();
    },
  );
});
