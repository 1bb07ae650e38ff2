// Window: an activity or workflow error with a 5 MB message was over the payload limit, so its
// ActivityFailed or WorkflowFailed event was refused and the run wedged (signal() rejected too).
import { ActivityFailure, defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

const HUGE = 'x'.repeat(5 * 1024 * 1024);

it('records an activity failure with a 5 MB message, cut, and the run ends', async () => {
  const explode = defineActivity(
    'explode',
    async () => {
      throw new Error(HUGE);
    },
    { retry: { maximumAttempts: 1 } },
  );
  const caller = defineWorkflow('calls-explode', async (ctx) => {
    try {
      await ctx.activity(explode, null);
      return 'no failure';
    } catch (error) {
      return error instanceof ActivityFailure ? error.failure.message.length : 'other';
    }
  });
  const env = await createTestEngine({ workflows: [caller], activities: [explode] });
  try {
    const handle = await env.engine.start(caller, null, { workflowId: 'huge-activity-error' });
    await env.idle();
    const length = await handle.result();
    expect(length).toBeLessThanOrEqual(8 * 1024);
    const failed = (await handle.history()).find((event) => event.type === 'ActivityFailed');
    expect(failed).toMatchObject({
      error: { message: expect.stringMatching(/truncated, 5242880 characters/) },
    });
  } finally {
    await env.close();
  }
});

it('records a workflow failure with a 5 MB message after a signal, and signal() settles', async () => {
  const failsOnSignal = defineWorkflow('fails-on-signal', async (ctx) => {
    await ctx.waitForSignal('go');
    throw new Error(HUGE);
  });
  const env = await createTestEngine({ workflows: [failsOnSignal] });
  try {
    const handle = await env.engine.start(failsOnSignal, null, { workflowId: 'huge-workflow-error' });
    await env.idle();
    await handle.signal('go', null);
    await env.idle();
    expect((await handle.describe()).status).toBe('Failed');
    await expect(handle.result()).rejects.toMatchObject({
      failure: { message: expect.stringMatching(/truncated, 5242880 characters/) },
    });
  } finally {
    await env.close();
  }
});
