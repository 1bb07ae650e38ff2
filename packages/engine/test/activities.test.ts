import { type ActivityContext, ActivityFailure, defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

describe('activities', () => {
  it('retries by its policy with durable backoff, giving each attempt its number, a stable key and a signal', async () => {
    const seen: Pick<ActivityContext, 'attempt' | 'idempotencyKey'>[] = [];
    const flaky = defineActivity(
      'flaky',
      async (_: null, actx) => {
        seen.push({ attempt: actx.attempt, idempotencyKey: actx.idempotencyKey });
        expect(actx.signal).toBeInstanceOf(AbortSignal);
        if (actx.attempt < 3) throw new Error(`boom ${actx.attempt}`);
        return 'ok';
      },
      { retry: { initialInterval: '1s', backoffCoefficient: 2 } },
    );
    const workflow = defineWorkflow('flaky-wf', async (ctx) => ctx.activity(flaky, null));
    const env = await createTestEngine({ workflows: [workflow], activities: [flaky] });
    const handle = await env.engine.start(workflow, null, { workflowId: 'f1' });
    await env.idle();
    expect(seen.map((s) => s.attempt)).toEqual([1]);
    await env.advance('999ms');
    expect(seen).toHaveLength(1);
    await env.advance('1ms');
    expect(seen).toHaveLength(2);
    const describe = await handle.describe();
    expect(describe.pendingActivities).toEqual([
      expect.objectContaining({ activityType: 'flaky', attemptsEnded: 2, retryAt: env.clock.now() + 2000 }),
    ]);
    await env.advance('2s');
    expect(await handle.result()).toBe('ok');
    expect(new Set(seen.map((s) => s.idempotencyKey)).size).toBe(1);
    expect(seen[0]?.idempotencyKey).toMatch(/^f1\//);
    const history = await handle.history();
    const failures = history.filter((event) => event.type === 'ActivityFailed');
    expect(failures).toEqual([
      expect.objectContaining({
        attempt: 1,
        retryAt: expect.any(Number),
        error: expect.objectContaining({ message: 'boom 1' }),
      }),
      expect.objectContaining({ attempt: 2, retryAt: expect.any(Number) }),
    ]);
    expect(history.filter((event) => event.type === 'ActivityCompleted')).toEqual([
      expect.objectContaining({ attempt: 3 }),
    ]);
    await env.close();
  });

  it('a pending retry survives a restart of the engine', async () => {
    const { store, open } = reopenable();
    let attempts = 0;
    const flaky = defineActivity(
      'flaky',
      async () => {
        attempts++;
        if (attempts === 1) throw new Error('first fails');
        return attempts;
      },
      { retry: { initialInterval: '1m' } },
    );
    const workflow = defineWorkflow('wf', async (ctx) => ctx.activity(flaky, null));
    const first = await createTestEngine({
      workflows: [workflow],
      activities: [flaky],
      store: open(),
    });
    await first.engine.start(workflow, null, { workflowId: 'r1' });
    await first.idle();
    await first.close();
    expect(attempts).toBe(1);
    const second = await createTestEngine({
      workflows: [workflow],
      activities: [flaky],
      store,
      startAt: first.clock.now(),
    });
    await second.advance('30s');
    expect(attempts).toBe(1);
    await second.advance('30s');
    expect(await second.engine.getHandle('r1').result()).toBe(2);
    await second.close();
  });

  it('surfaces a final failure as ActivityFailure; non-retryable errors are not retried', async () => {
    let calls = 0;
    const declined = defineActivity(
      'charge',
      async () => {
        calls++;
        throw Object.assign(new Error('card declined'), { name: 'PaymentDeclined' });
      },
      { retry: { nonRetryableErrorTypes: ['PaymentDeclined'] } },
    );
    const workflow = defineWorkflow('pay', async (ctx) => {
      try {
        return await ctx.activity(declined, null);
      } catch (error) {
        return { caught: error instanceof ActivityFailure, name: (error as ActivityFailure).failure.name };
      }
    });
    const env = await createTestEngine({ workflows: [workflow], activities: [declined] });
    const handle = await env.engine.start(workflow, null);
    await env.advance('1h');
    expect(await handle.result()).toEqual({ caught: true, name: 'PaymentDeclined' });
    expect(calls).toBe(1);
    await env.close();
  });

  it('stops after maximumAttempts', async () => {
    let calls = 0;
    const failing = defineActivity(
      'failing',
      async () => {
        calls++;
        throw new Error('always');
      },
      { retry: { initialInterval: 10, maximumAttempts: 3 } },
    );
    const workflow = defineWorkflow('wf', async (ctx) => ctx.activity(failing, null));
    const env = await createTestEngine({ workflows: [workflow], activities: [failing] });
    const handle = await env.engine.start(workflow, null);
    await env.advance('1m');
    await expect(handle.result()).rejects.toMatchObject({
      code: 'workflow_failed',
      failure: { name: 'ActivityFailure' },
    });
    expect(calls).toBe(3);
    await env.close();
  });

  it('a startToCloseTimeout aborts the attempt, which is retried', async () => {
    const aborted: unknown[] = [];
    let attempt = 0;
    const slow = defineActivity(
      'slow',
      (_: null, actx) =>
        new Promise<string>((resolve) => {
          attempt = actx.attempt;
          if (actx.attempt === 2) resolve('second time lucky');
          actx.signal.addEventListener('abort', () => aborted.push(actx.signal.reason));
        }),
      { startToCloseTimeout: '5s', retry: { initialInterval: '1s' } },
    );
    const workflow = defineWorkflow('wf', async (ctx) => ctx.activity(slow, null));
    const env = await createTestEngine({ workflows: [workflow], activities: [slow] });
    const handle = await env.engine.start(workflow, null);
    await env.advance('5s');
    expect(aborted).toEqual([expect.objectContaining({ name: 'StartToCloseTimeout' })]);
    await env.advance('1s');
    expect(attempt).toBe(2);
    expect(await handle.result()).toBe('second time lucky');
    await env.close();
  });

  it('an attempt that first reads its signal after a timeout finds it aborted with the timeout', async () => {
    const seen: { aborted: boolean; reason: unknown }[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const late = defineActivity(
      'late',
      async (_: null, actx) => {
        if (actx.attempt > 1) return 'done';
        await gate;
        seen.push({ aborted: actx.signal.aborted, reason: actx.signal.reason });
        return 'too late';
      },
      { startToCloseTimeout: '5s', retry: { initialInterval: '1s' } },
    );
    const workflow = defineWorkflow('wf', async (ctx) => ctx.activity(late, null));
    const env = await createTestEngine({ workflows: [workflow], activities: [late] });
    const handle = await env.engine.start(workflow, null);
    await env.advance('5s');
    release();
    await env.advance('1s');
    expect(await handle.result()).toBe('done');
    expect(seen).toEqual([
      { aborted: true, reason: expect.objectContaining({ name: 'StartToCloseTimeout' }) },
    ]);
    const failed = (await handle.history()).filter((event) => event.type === 'ActivityFailed');
    expect(failed).toEqual([expect.objectContaining({ attempt: 1 })]);
    await env.close();
  });

  it('a scheduleToCloseTimeout ends the retries for good', async () => {
    const never = defineActivity(
      'never',
      async () => {
        throw new Error('down');
      },
      { scheduleToCloseTimeout: '10s', retry: { initialInterval: '3s', backoffCoefficient: 1 } },
    );
    const workflow = defineWorkflow('wf', async (ctx) => ctx.activity(never, null));
    const env = await createTestEngine({ workflows: [workflow], activities: [never] });
    const handle = await env.engine.start(workflow, null);
    await env.advance('1m');
    const history = await handle.history();
    expect(history.filter((event) => event.type === 'ActivityFailed').map((event) => event.attempt)).toEqual([
      1, 2, 3, 4,
    ]);
    await expect(handle.result()).rejects.toMatchObject({ code: 'workflow_failed' });
    await env.close();
  });

  it('an activity returning a non-JSON value fails without retries, naming the value', async () => {
    let calls = 0;
    const bad = defineActivity('bad', async () => {
      calls++;
      return { when: new Date(0) } as never;
    });
    const workflow = defineWorkflow('wf', async (ctx) => ctx.activity(bad, null));
    const env = await createTestEngine({ workflows: [workflow], activities: [bad] });
    const handle = await env.engine.start(workflow, null);
    await env.advance('1h');
    await expect(handle.result()).rejects.toMatchObject({
      failure: { message: expect.stringContaining('when') },
    });
    expect(calls).toBe(1);
    await env.close();
  });

  it('calling an unregistered activity fails the call, records nothing for it', async () => {
    const ghost = defineActivity('ghost', async () => 1);
    const workflow = defineWorkflow('wf', async (ctx) => ctx.activity(ghost, null));
    const env = await createTestEngine({ workflows: [workflow], activities: [] });
    const handle = await env.engine.start(workflow, null);
    await env.idle();
    await expect(handle.result()).rejects.toMatchObject({
      code: 'workflow_failed',
      failure: { name: 'UnknownActivityError', message: expect.stringContaining('ghost') },
    });
    expect((await handle.history()).map((event) => event.type)).toEqual([
      'WorkflowStarted',
      'WorkflowFailed',
    ]);
    await env.close();
  });
});
