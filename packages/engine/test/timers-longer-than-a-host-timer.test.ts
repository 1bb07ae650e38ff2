// Window: a delay over 2^31-1 ms (about 24.8 days), which the host turns into 1 ms, so a sleep or
// an activity timeout of 30 days fired at once (or spun re-arming). The engine runs on its default
// systemClock; Jest's fake timers stand in for the host and clamp long delays as Node does.
import { jest } from '@jest/globals';
import { defineActivity, defineWorkflow, InMemoryStore } from '@reprise/core';
import { Engine } from '@reprise/engine';

const DAY = 24 * 60 * 60 * 1000;

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

it("ctx.sleep('30d') fires at 30 days and not before", async () => {
  const sleeper = defineWorkflow('sleeper', async (ctx) => {
    await ctx.sleep('30d');
    return 'woke';
  });
  const engine = await Engine.create({ store: new InMemoryStore(), workflows: [sleeper] });
  try {
    const handle = await engine.start(sleeper, null, { workflowId: 'sleeper-1' });
    await jest.advanceTimersByTimeAsync(30 * DAY - 1);
    expect((await handle.describe()).status).toBe('Running');
    await jest.advanceTimersByTimeAsync(1);
    expect(await handle.result()).toBe('woke');
  } finally {
    await engine.shutdown();
  }
});

it("an activity with startToCloseTimeout '30d' is not timed out early", async () => {
  let finish: ((value: string) => void) | undefined;
  const slow = defineActivity(
    'slow',
    () =>
      new Promise<string>((resolve) => {
        finish = resolve;
      }),
    { startToCloseTimeout: '30d', scheduleToCloseTimeout: '40d', retry: { maximumAttempts: 1 } },
  );
  const caller = defineWorkflow('caller', async (ctx) => ctx.activity(slow, null));
  const engine = await Engine.create({ store: new InMemoryStore(), workflows: [caller], activities: [slow] });
  try {
    const handle = await engine.start(caller, null, { workflowId: 'caller-1' });
    await jest.advanceTimersByTimeAsync(29 * DAY);
    expect((await handle.history()).map((event) => event.type)).not.toContain('ActivityFailed');
    finish?.('done after 29 days');
    await jest.advanceTimersByTimeAsync(0);
    expect(await handle.result()).toBe('done after 29 days');
  } finally {
    await engine.shutdown();
  }
});
