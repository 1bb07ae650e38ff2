import {
  ChildWorkflowFailure,
  defineActivity,
  defineWorkflow,
  type JsonValue,
  type WorkflowEvent,
} from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const double = defineActivity('double', async (n: number) => n * 2);

const leaf = defineWorkflow('leaf', async (ctx, n: number) => {
  await ctx.sleep('1m');
  if (n < 0) throw new Error(`negative ${n}`);
  return ctx.activity(double, n);
});

const fanOut = defineWorkflow('fan-out', async (ctx, count: number) => {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => ctx.child(leaf, i)));
  return results.reduce((sum: number, n) => sum + (n as number), 0);
});

describe('child workflows', () => {
  it('a parent fans out to children, each a run of its own, and gathers their results', async () => {
    const env = await createTestEngine({ workflows: [fanOut, leaf], activities: [double] });
    const handle = await env.engine.start(fanOut, 5, { workflowId: 'parent' });
    await env.advance('1m');
    expect(await handle.result()).toBe(2 * (0 + 1 + 2 + 3 + 4));
    const history = await handle.history();
    expect(history.filter((event) => event.type === 'ChildWorkflowStarted')).toHaveLength(5);
    expect(history.filter((event) => event.type === 'ChildWorkflowCompleted')).toHaveLength(5);
    const children = await env.engine.list({ workflowType: 'leaf' });
    expect(children.items).toHaveLength(5);
    expect(children.items.every((child) => child.parent?.workflowId === 'parent')).toBe(true);
    await env.close();
  });

  it('a failed child surfaces as ChildWorkflowFailure with its cause', async () => {
    const careful = defineWorkflow('careful', async (ctx) => {
      try {
        return await ctx.child(leaf, -1, { workflowId: 'bad-child' });
      } catch (error) {
        const failure = error as ChildWorkflowFailure;
        return {
          failed: failure instanceof ChildWorkflowFailure,
          child: failure.childWorkflowId,
          cause: failure.failure.message,
        };
      }
    });
    const env = await createTestEngine({ workflows: [careful, leaf], activities: [double] });
    const handle = await env.engine.start(careful, null);
    await env.advance('1m');
    expect(await handle.result()).toEqual({ failed: true, child: 'bad-child', cause: 'negative -1' });
    await env.close();
  });

  it('startChild returns a handle whose result is the child outcome', async () => {
    const starter = defineWorkflow('starter', async (ctx) => {
      const child = await ctx.startChild(leaf, 21);
      await ctx.sleep('10s');
      return { id: child.workflowId, result: await child.result() } as JsonValue;
    });
    const env = await createTestEngine({ workflows: [starter, leaf], activities: [double] });
    const handle = await env.engine.start(starter, null, { workflowId: 'st' });
    await env.advance('2m');
    expect(await handle.result()).toEqual({ id: expect.stringMatching(/^st\./), result: 42 });
    await env.close();
  });

  it('a child recorded but never started (crash between the two) is started by recovery, once', async () => {
    const { store, open } = reopenable();
    const first = await createTestEngine({ workflows: [fanOut, leaf], activities: [double], store: open() });
    await first.engine.start(fanOut, 2, { workflowId: 'p' });
    await first.idle();
    await first.close();
    // Remove the children's histories to stand for a crash right after the parent recorded them.
    const childIds = (await store.readHistory('p' as never))
      .filter((event) => event.type === 'ChildWorkflowStarted')
      .map((event) => (event as { childWorkflowId: string }).childWorkflowId);
    expect(childIds).toHaveLength(2);
    const bare = reopenable();
    for (const event of await store.readHistory('p' as never)) {
      await bare.store.append('p' as never, [event], { expectedSeq: event.seq - 1 });
    }
    const second = await createTestEngine({
      workflows: [fanOut, leaf],
      activities: [double],
      store: bare.open(),
      startAt: first.clock.now(),
    });
    await second.advance('1m');
    expect(await second.engine.getHandle('p').result()).toBe(2);
    for (const childId of childIds) {
      const history = await bare.store.readHistory(childId as never);
      expect(history.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
    }
    await second.close();
  });
});

describe('continue-as-new', () => {
  const countdown = defineWorkflow('countdown', async (ctx, n: number) => {
    ctx.upsertSearchAttributes({ remaining: n });
    if (n === 0) return 'liftoff';
    await ctx.sleep('1s');
    return ctx.continueAsNew(n - 1);
  });

  it('follows the chain: each run a new segment with parentRunId, result() gives the last', async () => {
    const env = await createTestEngine({
      workflows: [countdown],
      searchAttributes: { remaining: 'int', tag: 'keyword' },
    });
    const handle = await env.engine.start(countdown, 3, {
      workflowId: 'cd',
      searchAttributes: { tag: 'launch' },
    });
    await env.advance('5s');
    expect(await handle.result()).toBe('liftoff');
    const history = await handle.history();
    const starts = history.filter((event) => event.type === 'WorkflowStarted');
    expect(starts).toHaveLength(4);
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]).toMatchObject({
        parentRunId: (starts[i - 1] as { runId: string }).runId,
        searchAttributes: expect.objectContaining({ tag: 'launch' }),
      });
    }
    expect(history.filter((event) => event.type === 'WorkflowContinuedAsNew')).toHaveLength(3);
    const described = await handle.describe();
    expect(described).toMatchObject({
      status: 'Completed',
      searchAttributes: { tag: 'launch', remaining: 0 },
    });
    expect((await env.engine.list({ searchAttributes: { tag: 'launch' } })).items).toHaveLength(1);
    await env.close();
  });

  it('a successor recorded but never started is started by recovery, once', async () => {
    const { store, open } = reopenable();
    const first = await createTestEngine({
      workflows: [countdown],
      store: open(),
      searchAttributes: { remaining: 'int' },
    });
    await first.engine.start(countdown, 1, { workflowId: 'cd2' });
    await first.advance('1s');
    await first.idle();
    await first.close();
    const history = await store.readHistory('cd2' as never);
    const cut = history.findIndex((event) => event.type === 'WorkflowContinuedAsNew');
    const crashed = reopenable();
    await crashed.store.append('cd2' as never, history.slice(0, cut + 1), { expectedSeq: 0 });
    expect((await crashed.store.getSummary('cd2' as never))?.status).toBe('ContinuedAsNew');
    const second = await createTestEngine({
      workflows: [countdown],
      store: crashed.open(),
      startAt: first.clock.now(),
      searchAttributes: { remaining: 'int' },
    });
    await second.idle();
    expect(await second.engine.getHandle('cd2').result()).toBe('liftoff');
    const after = await crashed.store.readHistory('cd2' as never);
    expect(after.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(2);
    await second.close();
  });

  const draft = defineWorkflow('draft', async (ctx, text: string) => {
    await ctx.sleep('1s');
    return ctx.continueAsNew({ text, words: text.split(' ').length }, { workflowType: 'publish' });
  });
  const publish = defineWorkflow('publish', async (ctx, input: { text: string; words: number }) => {
    await ctx.sleep('1s');
    return `published "${input.text}" (${input.words} words)`;
  });
  const startTypes = (history: readonly WorkflowEvent[]) =>
    history.flatMap((event) => (event.type === 'WorkflowStarted' ? [event.workflowType] : []));

  it('continueAsNew with a workflowType: the successor runs the new type, as history, describe and list show', async () => {
    const env = await createTestEngine({ workflows: [draft, publish] });
    const handle = await env.engine.start(draft, 'hello new type', { workflowId: 'doc' });
    await env.advance('5s');
    expect(await handle.result()).toBe('published "hello new type" (3 words)');
    const history = await handle.history();
    expect(startTypes(history)).toEqual(['draft', 'publish']);
    expect(history.find((event) => event.type === 'WorkflowContinuedAsNew')).toMatchObject({
      workflowType: 'publish',
      input: { text: 'hello new type', words: 3 },
    });
    expect(await handle.describe()).toMatchObject({ workflowType: 'publish', status: 'Completed' });
    expect((await env.engine.list({ workflowType: 'publish' })).items.map((row) => row.workflowId)).toEqual([
      'doc',
    ]);
    expect((await env.engine.list({ workflowType: 'draft' })).items).toEqual([]);
    await env.close();
  });

  it('a successor of another type, recorded but never started, is started by recovery as that type', async () => {
    const { store, open } = reopenable();
    const first = await createTestEngine({ workflows: [draft, publish], store: open() });
    await first.engine.start(draft, 'one two', { workflowId: 'doc2' });
    await first.advance('5s');
    const history = await store.readHistory('doc2' as never);
    await first.close();
    const cut = history.findIndex((event) => event.type === 'WorkflowContinuedAsNew');
    const crashed = reopenable();
    await crashed.store.append('doc2' as never, history.slice(0, cut + 1), { expectedSeq: 0 });
    const second = await createTestEngine({
      workflows: [draft, publish],
      store: crashed.open(),
      startAt: first.clock.now(),
    });
    await second.advance('5s');
    expect(await second.engine.getHandle('doc2').result()).toBe('published "one two" (2 words)');
    expect(startTypes(await crashed.store.readHistory('doc2' as never))).toEqual(['draft', 'publish']);
    expect((await second.engine.getHandle('doc2').describe()).workflowType).toBe('publish');
    await second.close();
  });
});

describe('timeouts', () => {
  it('withTimeout records WithTimeoutCompleted and rejects when time runs out', async () => {
    const slow = defineActivity(
      'slow',
      (_: null, actx) =>
        new Promise<string>((resolve) => {
          actx.signal.addEventListener('abort', () => resolve('aborted'));
        }),
    );
    const guarded = defineWorkflow('guarded', async (ctx) => {
      const fast = await ctx.withTimeout('1m', () => ctx.sleep('1s').then(() => 'fast'));
      try {
        await ctx.withTimeout('5s', () => ctx.waitForSignal('never'));
        return 'unexpected';
      } catch (error) {
        return [fast, (error as Error).name];
      }
    });
    const env = await createTestEngine({ workflows: [guarded], activities: [slow] });
    const handle = await env.engine.start(guarded, null);
    await env.advance('10s');
    expect(await handle.result()).toEqual(['fast', 'TimeoutError']);
    const completions = (await handle.history()).filter((event) => event.type === 'WithTimeoutCompleted');
    expect(completions.map((event) => (event as { timedOut: boolean }).timedOut)).toEqual([false, true]);
    await env.close();
  });

  it('executionTimeout records WorkflowTimedOut from a durable deadline and stops the run, even across a restart', async () => {
    const { open } = reopenable();
    const forever = defineWorkflow('forever', async (ctx) => {
      for (;;) await ctx.sleep('1h');
    });
    const first = await createTestEngine({ workflows: [forever], store: open() });
    await first.engine.start(forever, null, { workflowId: 'f', executionTimeout: '1d' });
    await first.advance('12h');
    await first.close();
    const second = await createTestEngine({
      workflows: [forever],
      store: open(),
      startAt: first.clock.now(),
    });
    await second.advance('12h');
    await expect(second.engine.getHandle('f').result()).rejects.toMatchObject({
      code: 'workflow_timed_out',
      timeoutMs: 86_400_000,
    });
    const history = await second.engine.getHandle('f').history();
    expect(history.filter((event) => event.type === 'WorkflowTimedOut')).toHaveLength(1);
    const count = history.length;
    await second.advance('5h');
    expect((await second.engine.getHandle('f').history()).length).toBe(count);
    await second.close();
  });

  it('engine.terminate ends a run at once as Terminated; terminating a closed run reports its status', async () => {
    const forever = defineWorkflow('forever', async (ctx) => {
      for (;;) await ctx.sleep('1h');
    });
    const env = await createTestEngine({ workflows: [forever] });
    const handle = await env.engine.start(forever, null);
    await env.advance('2h');
    expect(await env.engine.terminate(handle.workflowId, 'ops')).toEqual({ status: 'Running' });
    await expect(handle.result()).rejects.toMatchObject({ code: 'workflow_terminated', reason: 'ops' });
    expect(await env.engine.terminate(handle.workflowId)).toEqual({ status: 'Terminated' });
    await env.close();
  });
});

describe('parent close policy', () => {
  const child = defineWorkflow('long-child', async (ctx) => {
    try {
      await ctx.sleep('1d');
      return 'finished';
    } catch (error) {
      await ctx.nonCancellable((safe) => safe.sleep('1s'));
      throw error;
    }
  });
  const parent = defineWorkflow(
    'short-parent',
    async (ctx, policy: 'terminate' | 'requestCancel' | 'abandon') => {
      await ctx.startChild(child, null, { workflowId: `child-${policy}`, parentClosePolicy: policy });
      await ctx.sleep('1m');
      return 'parent done';
    },
  );

  const cases: ['terminate' | 'requestCancel' | 'abandon', string, string][] = [
    ['terminate', 'Terminated', 'terminated at once'],
    ['requestCancel', 'Cancelled', 'after its clean-up'],
    ['abandon', 'Running', 'left running'],
  ];
  it.each(cases)('%s: the child ends %s (%s) when the parent closes first', async (policy, status) => {
    const env = await createTestEngine({ workflows: [parent, child] });
    const handle = await env.engine.start(parent, policy);
    await env.advance('1m');
    expect(await handle.result()).toBe('parent done');
    await env.advance('2s');
    const described = await env.engine.getHandle(`child-${policy}`).describe();
    expect(described.status).toBe(status);
    const types = (await env.engine.getHandle(`child-${policy}`).history()).map((event) => event.type);
    // terminate records the terminal at once; requestCancel asks, and the child's clean-up runs.
    if (policy === 'requestCancel') expect(types).toContain('WorkflowCancelRequested');
    else expect(types).not.toContain('WorkflowCancelRequested');
    const cleanUpTimers = types.filter((type) => type === 'TimerStarted').length - 1;
    expect(cleanUpTimers).toBe(policy === 'requestCancel' ? 1 : 0);
    await env.close();
  });
});

describe('child search attributes', () => {
  it('a child started with search attributes has them, checked against the schema', async () => {
    const kid = defineWorkflow('kid', async () => 'ok');
    const mom = defineWorkflow('mom', async (ctx, region: unknown) => {
      try {
        return await ctx.child(kid, null, {
          workflowId: `kid-${String(region)}`,
          searchAttributes: { region } as never,
        });
      } catch (error) {
        return (error as { code: string }).code;
      }
    });
    const env = await createTestEngine({ workflows: [mom, kid], searchAttributes: { region: 'keyword' } });
    expect(await (await env.engine.start(mom, 'eu')).result()).toBe('ok');
    expect(
      (await env.engine.list({ searchAttributes: { region: 'eu' } })).items.map((row) => row.workflowId),
    ).toEqual(['kid-eu']);
    expect(await (await env.engine.start(mom, 7)).result()).toBe('invalid_search_attribute');
    await env.close();
  });
});
