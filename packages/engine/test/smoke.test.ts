import { defineActivity, defineWorkflow, InMemoryStore } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';

const greet = defineActivity('greet', async (name: string) => `hello ${name}`);
const hello = defineWorkflow('hello', async (ctx, name: string) => {
  const greeting = await ctx.activity(greet, name);
  await ctx.sleep('1h');
  return greeting;
});

it('runs a workflow to completion', async () => {
  const clock = new VirtualClock(1_700_000_000_000);
  const store = new InMemoryStore();
  const engine = await Engine.create({ store, workflows: [hello], activities: [greet], clock });
  const handle = await engine.start(hello, 'ada', { workflowId: 'w1' });
  await new Promise((r) => setTimeout(r, 20));
  await clock.advance(3_600_000);
  expect(await handle.result()).toBe('hello ada');
  const history = await handle.history();
  expect(history.map((e) => e.type)).toEqual([
    'WorkflowStarted',
    'ActivityScheduled',
    'ActivityCompleted',
    'TimerStarted',
    'TimerFired',
    'WorkflowCompleted',
  ]);
  await engine.shutdown();
});
