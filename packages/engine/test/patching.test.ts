// ctx.patched / ctx.deprecatePatch across restarts onto new code: the answer each run gets,
// the markers recorded, and the runs that must stall (Temporal's patching rules).
import {
  defineActivity,
  defineWorkflow,
  InvalidArgumentError,
  type JsonValue,
  type WorkflowContext,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const step = defineActivity('step', async (name: string) => name);
const newStep = defineActivity('newStep', async (name: string) => name);

/** A workflow of type `flow` whose code is `body`: every version of it shares the type. */
const flow = (body: (ctx: WorkflowContext) => Promise<unknown>) =>
  defineWorkflow('flow', async (ctx: WorkflowContext) => body(ctx)) as WorkflowDefinition<JsonValue, unknown>;

// v1: the code before the change.
const v1 = flow(async (ctx) => {
  const a = await ctx.activity(step, 'old');
  await ctx.waitForSignal('go');
  return [a, 'v1'];
});
// v2: the first step changed behind a patch.
const v2 = flow(async (ctx) => {
  const a = ctx.patched('new-step') ? await ctx.activity(newStep, 'new') : await ctx.activity(step, 'old');
  await ctx.waitForSignal('go');
  return [a, 'v2'];
});
// v3: every run still open took the patch; the old branch is gone.
const v3 = flow(async (ctx) => {
  ctx.deprecatePatch('new-step');
  const a = await ctx.activity(newStep, 'new');
  await ctx.waitForSignal('go');
  return [a, 'v3'];
});
// v4: the patch call removed.
const v4 = flow(async (ctx) => {
  const a = await ctx.activity(newStep, 'new');
  await ctx.waitForSignal('go');
  return [a, 'v4'];
});

const markers = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) => (event.type === 'PatchMarker' ? [[event.patchId, event.deprecated]] : []));

/** Engines one after another on the same in-memory data: a deploy is a restart on other code. */
function deployments() {
  const data = reopenable();
  let current: TestEngine | undefined;
  return {
    async deploy(workflow: WorkflowDefinition<JsonValue, unknown>): Promise<TestEngine> {
      await current?.close();
      current = await createTestEngine({
        store: data.open(),
        workflows: [workflow],
        activities: [step, newStep],
        logger: { warn: () => undefined },
      });
      return current;
    },
    close: () => current?.close(),
  };
}

describe('ctx.patched and ctx.deprecatePatch', () => {
  it('a run started before the patch keeps its old branch; a new run records the marker and takes the new one', async () => {
    const deploys = deployments();
    let env = await deploys.deploy(v1);
    await env.engine.start(v1, null as never, { workflowId: 'before' });
    await env.idle();
    env = await deploys.deploy(v2);
    await env.engine.start(v2, null as never, { workflowId: 'after' });
    await env.idle();
    for (const id of ['before', 'after']) await env.engine.getHandle(id).signal('go', null);
    expect(await env.engine.getHandle('before').result()).toEqual(['old', 'v2']);
    expect(await env.engine.getHandle('after').result()).toEqual(['new', 'v2']);
    expect(markers(await env.engine.getHandle('before').history())).toEqual([]);
    expect(markers(await env.engine.getHandle('after').history())).toEqual([['new-step', false]]);
    await deploys.close();
  });

  it('v2 runs replay on v3 (deprecated) and v4 (removed); v3 runs replay on v4', async () => {
    const deploys = deployments();
    let env = await deploys.deploy(v2);
    await env.engine.start(v2, null as never, { workflowId: 'from-v2' });
    await env.idle();
    env = await deploys.deploy(v3);
    await env.engine.start(v3, null as never, { workflowId: 'from-v3' });
    await env.idle();
    expect(markers(await env.engine.getHandle('from-v3').history())).toEqual([['new-step', true]]);
    env = await deploys.deploy(v4);
    for (const id of ['from-v2', 'from-v3']) await env.engine.getHandle(id).signal('go', null);
    expect(await env.engine.getHandle('from-v2').result()).toEqual(['new', 'v4']);
    expect(await env.engine.getHandle('from-v3').result()).toEqual(['new', 'v4']);
    await deploys.close();
  });

  it('old code without the patch replaying a patched run stalls at the changed command; redeploying the patch resumes it', async () => {
    const deploys = deployments();
    let env = await deploys.deploy(v2);
    await env.engine.start(v2, null as never, { workflowId: 'patched-run' });
    await env.idle();
    env = await deploys.deploy(v1);
    await env.idle();
    const description = await env.engine.getHandle('patched-run').describe();
    expect(description.stalled?.position).toBe(0);
    expect(description.stalled?.reason).toMatch(
      /recorded ActivityScheduled newStep.*asked for ActivityScheduled step/,
    );
    // The fix: deploy code with the patch again; the run resumes where it waited.
    env = await deploys.deploy(v2);
    await env.engine.getHandle('patched-run').signal('go', null);
    expect(await env.engine.getHandle('patched-run').result()).toEqual(['new', 'v2']);
    await deploys.close();
  });

  it('a patch in a loop records one marker; later calls return the same answer', async () => {
    const answers: boolean[] = [];
    const looped = flow(async (ctx) => {
      for (let i = 0; i < 3; i++) {
        answers.push(ctx.patched('loop'));
        await ctx.activity(step, `round ${i}`);
      }
      return answers.length;
    });
    const deploys = deployments();
    const env = await deploys.deploy(looped);
    const handle = await env.engine.start(looped, null as never, { workflowId: 'loop' });
    await handle.result();
    expect(answers).toEqual([true, true, true]);
    expect(markers(await handle.history())).toEqual([['loop', false]]);
    await deploys.close();
  });

  it('a run that answered false keeps false at later, new steps (memoised per run)', async () => {
    const before = flow(async (ctx) => {
      await ctx.waitForSignal('go');
      await ctx.waitForSignal('go');
      return 'before';
    });
    const after = flow(async (ctx) => {
      const first = ctx.patched('p');
      await ctx.waitForSignal('go');
      const second = ctx.patched('p');
      await ctx.waitForSignal('go');
      return [first, second];
    });
    const deploys = deployments();
    let env = await deploys.deploy(before);
    await env.engine.start(before, null as never, { workflowId: 'memo' });
    await env.idle();
    env = await deploys.deploy(after);
    await env.engine.getHandle('memo').signal('go', null);
    await env.engine.getHandle('memo').signal('go', null);
    expect(await env.engine.getHandle('memo').result()).toEqual([false, false]);
    expect(markers(await env.engine.getHandle('memo').history())).toEqual([]);
    await deploys.close();
  });

  it('two patches in a row each record a marker, and both answer true on replay', async () => {
    const twoPatches = flow(async (ctx) => {
      const answers = [ctx.patched('first'), ctx.patched('second')];
      await ctx.waitForSignal('go');
      return answers;
    });
    const deploys = deployments();
    let env = await deploys.deploy(twoPatches);
    await env.engine.start(twoPatches, null as never, { workflowId: 'two' });
    await env.idle();
    env = await deploys.deploy(twoPatches);
    await env.engine.getHandle('two').signal('go', null);
    expect(await env.engine.getHandle('two').result()).toEqual([true, true]);
    expect(markers(await env.engine.getHandle('two').history())).toEqual([
      ['first', false],
      ['second', false],
    ]);
    await deploys.close();
  });

  it('a patch check that moves to a later step still sees the marker recorded before it', async () => {
    const early = flow(async (ctx) => {
      const answer = ctx.patched('moved');
      await ctx.waitForSignal('go');
      return answer;
    });
    const late = flow(async (ctx) => {
      await ctx.waitForSignal('go');
      return ctx.patched('moved');
    });
    const deploys = deployments();
    let env = await deploys.deploy(early);
    await env.engine.start(early, null as never, { workflowId: 'moved' });
    await env.idle();
    env = await deploys.deploy(late);
    await env.engine.getHandle('moved').signal('go', null);
    expect(await env.engine.getHandle('moved').result()).toBe(true);
    expect(markers(await env.engine.getHandle('moved').history())).toEqual([['moved', false]]);
    await deploys.close();
  });

  it('a patch check moved before a recorded step without the marker answers false there', async () => {
    const late = flow(async (ctx) => {
      await ctx.activity(step, 'a');
      await ctx.waitForSignal('go');
      return ctx.patched('moved');
    });
    const early = flow(async (ctx) => {
      const answer = ctx.patched('moved');
      await ctx.activity(step, 'a');
      await ctx.waitForSignal('go');
      return answer;
    });
    const deploys = deployments();
    let env = await deploys.deploy(late);
    await env.engine.start(late, null as never, { workflowId: 'moved-early' });
    await env.idle();
    env = await deploys.deploy(early);
    await env.engine.getHandle('moved-early').signal('go', null);
    expect(await env.engine.getHandle('moved-early').result()).toBe(false);
    await deploys.close();
  });

  it('refuses an empty patch id with an InvalidArgumentError that names it', async () => {
    const bad = flow(async (ctx) => ctx.patched(''));
    const deploys = deployments();
    const env = await deploys.deploy(bad);
    const handle = await env.engine.start(bad, null as never, { workflowId: 'bad' });
    await expect(handle.result()).rejects.toMatchObject({
      failure: { name: InvalidArgumentError.name, message: expect.stringContaining('ctx.patched patchId') },
    });
    await deploys.close();
  });
});
