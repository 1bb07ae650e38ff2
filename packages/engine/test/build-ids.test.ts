// Build ids: every run records the build that started it (WorkflowStarted) and each build that
// carried it on (BuildChanged, with that build's first append); list filters by build; a pinned
// workflow type is resumed only by an engine of the build that started the run.
import {
  defineWorkflow,
  InvalidArgumentError,
  type WorkflowContext,
  type WorkflowEvent,
} from '@reprise/core';
import { Engine } from '@reprise/engine';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const waiter = defineWorkflow('waiter', async (ctx: WorkflowContext) => {
  const first = await ctx.waitForSignal('next');
  const second = await ctx.waitForSignal('next');
  return [first, second];
});
const pinnedWaiter = defineWorkflow(
  'pinned-waiter',
  async (ctx: WorkflowContext) => {
    await ctx.sleep('1h');
    return ctx.waitForSignal('next');
  },
  { versioning: 'pinned' },
);
const looping = defineWorkflow('looping', async (ctx: WorkflowContext, round: number) => {
  await ctx.waitForSignal('next');
  if (round < 1) return ctx.continueAsNew(round + 1);
  return round;
});

const builds = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) =>
    event.type === 'WorkflowStarted'
      ? [`started ${event.buildId}`]
      : event.type === 'BuildChanged'
        ? [`changed ${event.buildId}`]
        : [],
  );

function deployments() {
  const data = reopenable();
  let current: TestEngine | undefined;
  return {
    async deploy(buildId: string): Promise<TestEngine> {
      await current?.close();
      current = await createTestEngine({
        store: data.open(),
        workflows: [waiter, pinnedWaiter, looping],
        buildId,
        logger: { warn: () => undefined },
      });
      return current;
    },
    close: () => current?.close(),
  };
}

describe('build ids', () => {
  it('default to a hash of the workflow functions, and refuse a bad one', async () => {
    const same = await Engine.create({ workflows: [waiter, looping] });
    const reordered = await Engine.create({ workflows: [looping, waiter] });
    const other = await Engine.create({
      workflows: [defineWorkflow('waiter', async () => 'changed'), looping],
    });
    expect(same.buildId).toMatch(/^src-[0-9a-f]{16}$/);
    expect(reordered.buildId).toBe(same.buildId);
    expect(other.buildId).not.toBe(same.buildId);
    for (const engine of [same, reordered, other]) await engine.shutdown();
    await expect(Engine.create({ workflows: [waiter], buildId: '' })).rejects.toThrow(InvalidArgumentError);
    await expect(Engine.create({ workflows: [waiter], buildId: 'a\nb' })).rejects.toThrow(/buildId/);
  });

  it('a run records the build that started it and, once, each build that carried it on; list filters by build', async () => {
    const deploys = deployments();
    let env = await deploys.deploy('A');
    await env.engine.start(waiter, null, { workflowId: 'w' });
    await env.engine.start(waiter, null, { workflowId: 'other' });
    await env.idle();
    env = await deploys.deploy('B');
    await env.engine.getHandle('w').signal('next', 1);
    env = await deploys.deploy('B');
    await env.engine.getHandle('w').signal('next', 2);
    const handle = env.engine.getHandle('w');
    expect(await handle.result()).toEqual([1, 2]);
    expect(builds(await handle.history())).toEqual(['started A', 'changed B']);
    expect((await handle.describe()).buildId).toBe('A');
    // `other` was never carried on by B (it had no step to record): nothing recorded for it.
    expect(builds(await env.engine.getHandle('other').history())).toEqual(['started A']);
    await env.engine.start(waiter, null, { workflowId: 'on-b' });
    const ids = async (buildId: string) =>
      (await env.engine.list({ buildId })).items.map((item) => item.workflowId).sort();
    expect(await ids('A')).toEqual(['other', 'w']);
    expect(await ids('B')).toEqual(['on-b']);
    await deploys.close();
  });

  it('continue-as-new starts the successor on the current build', async () => {
    const deploys = deployments();
    let env = await deploys.deploy('A');
    await env.engine.start(looping, 0, { workflowId: 'loop' });
    await env.idle();
    env = await deploys.deploy('B');
    await env.engine.getHandle('loop').signal('next', null);
    await env.idle();
    await env.engine.getHandle('loop').signal('next', null);
    expect(await env.engine.getHandle('loop').result()).toBe(1);
    expect(builds(await env.engine.getHandle('loop').history())).toEqual([
      'started A',
      'changed B',
      'started B',
    ]);
    await deploys.close();
  });

  it('a pinned run is left untouched by another build (no replay, no events) and listed as waiting for its build', async () => {
    const deploys = deployments();
    let env = await deploys.deploy('A');
    await env.engine.start(pinnedWaiter, null, { workflowId: 'pinned' });
    await env.idle();
    const before = await env.engine.getHandle('pinned').history();
    env = await deploys.deploy('B');
    await env.advance('2h'); // its timer would have fired, were it replayed here
    expect(await env.engine.getHandle('pinned').history()).toEqual(before);
    const item = (await env.engine.list({ workflowType: 'pinned-waiter' })).items[0];
    expect(item).toMatchObject({
      workflowId: 'pinned',
      status: 'Running',
      buildId: 'A',
      waitingForBuild: 'A',
    });
    expect((await env.engine.getHandle('pinned').describe()).waitingForBuild).toBe('A');
    // Its own build resumes it (each test engine's clock starts afresh: move it past the timer).
    env = await deploys.deploy('A');
    await env.advance('2h');
    await env.engine.getHandle('pinned').signal('next', 'done');
    expect(await env.engine.getHandle('pinned').result()).toBe('done');
    expect(
      (await env.engine.list({ workflowType: 'pinned-waiter' })).items[0]?.waitingForBuild,
    ).toBeUndefined();
    await deploys.close();
  });
});
