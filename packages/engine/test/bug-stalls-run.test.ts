// A bug is not an outcome: a programming error thrown by workflow code (TypeError and kin by
// default, configurable per type) stalls the run instead of failing it, and a fixed build
// resumes it. Any other error still fails the run.
import {
  defineActivity,
  defineWorkflow,
  InvalidArgumentError,
  type JsonValue,
  type WorkflowContext,
  type WorkflowDefinition,
  WorkflowFailedError,
  WorkflowStalledError,
} from '@reprise/core';
import { createTestEngine, replayHistories, type TestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const lookup = defineActivity('lookup', async (sku: string) => ({ sku, price: 7 }));

type Order = { sku: string; coupon?: { percent: number } };

/** v1 reads the coupon's percent without checking there is one: a TypeError for an order without. */
const buggy = defineWorkflow('checkout', async (ctx: WorkflowContext, order: Order) => {
  const item = await ctx.activity(lookup, order.sku);
  await ctx.waitForSignal('pay');
  return item.price * (1 - (order.coupon as { percent: number }).percent / 100);
});
const fixed = defineWorkflow('checkout', async (ctx: WorkflowContext, order: Order) => {
  const item = await ctx.activity(lookup, order.sku);
  await ctx.waitForSignal('pay');
  return item.price * (1 - (order.coupon?.percent ?? 0) / 100);
});

function deployments() {
  const data = reopenable();
  let current: TestEngine | undefined;
  return {
    async deploy(workflow: WorkflowDefinition<JsonValue, unknown>): Promise<TestEngine> {
      await current?.close();
      current = await createTestEngine({
        store: data.open(),
        workflows: [workflow],
        activities: [lookup],
        logger: { warn: () => undefined },
      });
      return current;
    },
    close: () => current?.close(),
  };
}

describe('a bug in workflow code stalls its run', () => {
  it('a TypeError stalls the run (input recorded, nothing else); list and describe show the error and stack; the fix resumes it', async () => {
    const deploys = deployments();
    let env = await deploys.deploy(buggy as WorkflowDefinition<JsonValue, unknown>);
    const handle = await env.engine.start(buggy, { sku: 'tea' }, { workflowId: 'no-coupon' });
    await env.idle();
    await handle.signal('pay', null);
    await env.idle();
    const described = await handle.describe();
    expect(described.status).toBe('Running');
    expect(described.stalled).toMatchObject({ cause: 'bug', position: 1, error: { name: 'TypeError' } });
    expect(described.stalled?.error?.stack).toContain('TypeError');
    expect(described.stalled?.reason).toMatch(/threw TypeError: .*percent/);
    const listed = await env.engine.list({ status: 'Running' });
    expect(listed.items.find((item) => item.workflowId === 'no-coupon')?.stalled?.cause).toBe('bug');
    await expect(handle.query('anything', null)).rejects.toBeInstanceOf(WorkflowStalledError);
    const history = await handle.history();
    expect(history.map((event) => event.type)).toEqual([
      'WorkflowStarted',
      'ActivityScheduled',
      'ActivityCompleted',
      'SignalReceived',
    ]);
    // The buggy build keeps it stalled after a restart too: replay throws the same bug.
    env = await deploys.deploy(buggy as WorkflowDefinition<JsonValue, unknown>);
    await env.idle();
    expect((await env.engine.getHandle('no-coupon').describe()).stalled?.cause).toBe('bug');
    // Replay before deploy names the bug as the place the code leaves its history.
    const report = await replayHistories([buggy], [history]);
    expect(report.ok).toBe(false);
    expect(report.summary).toContain('the code threw TypeError');
    expect((await replayHistories([fixed], [history])).ok).toBe(true);

    env = await deploys.deploy(fixed as WorkflowDefinition<JsonValue, unknown>);
    expect(await env.engine.getHandle('no-coupon').result()).toBe(7);
    await deploys.close();
  });

  it('a bug in the first step of a start: the start is recorded and the run stalls; the fix resumes it', async () => {
    const early = defineWorkflow('early', async (_ctx: WorkflowContext, input: { name?: string }) =>
      (input.name as string).toUpperCase(),
    );
    const earlyFixed = defineWorkflow('early', async (_ctx: WorkflowContext, input: { name?: string }) =>
      (input.name ?? 'nobody').toUpperCase(),
    );
    const deploys = deployments();
    let env = await deploys.deploy(early as WorkflowDefinition<JsonValue, unknown>);
    const handle = await env.engine.start(early, {}, { workflowId: 'early' });
    await env.idle();
    expect((await handle.describe()).stalled).toMatchObject({ cause: 'bug', position: 0 });
    expect((await handle.history()).map((event) => event.type)).toEqual(['WorkflowStarted']);
    env = await deploys.deploy(earlyFixed as WorkflowDefinition<JsonValue, unknown>);
    expect(await env.engine.getHandle('early').result()).toBe('NOBODY');
    await deploys.close();
  });

  it('a plain Error, and any error the options say is an outcome, fails the run as before', async () => {
    const thrower = (name: string, error: () => Error, options?: Parameters<typeof defineWorkflow>[2]) =>
      defineWorkflow(
        name,
        async () => {
          throw error();
        },
        options,
      );
    class OutOfStock extends TypeError {}
    const plain = thrower('plain', () => new Error('declined'));
    const onPurpose = thrower('on-purpose', () => new RangeError('quantity'), { failOn: ['RangeError'] });
    const nothingStalls = thrower('nothing-stalls', () => new TypeError('oops'), { stallOn: [] });
    const subclassFails = thrower('subclass-fails', () => new OutOfStock('tea'), { failOn: [OutOfStock] });
    const custom = thrower('custom', () => Object.assign(new Error('x'), { name: 'InvariantBroken' }), {
      stallOn: ['InvariantBroken'],
    });
    const env = await createTestEngine({
      workflows: [plain, onPurpose, nothingStalls, subclassFails, custom],
      logger: { warn: () => undefined },
    });
    for (const workflow of [plain, onPurpose, nothingStalls, subclassFails]) {
      const handle = await env.engine.start(workflow, null);
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    }
    const stalled = await env.engine.start(custom, null);
    await env.idle();
    expect((await stalled.describe()).stalled).toMatchObject({
      cause: 'bug',
      error: { name: 'InvariantBroken' },
    });
    await env.close();
  });

  it('defineWorkflow refuses options that are not error types or a versioning policy', () => {
    const run = async () => null;
    expect(() => defineWorkflow('w', run, { stallOn: 'TypeError' as never })).toThrow(InvalidArgumentError);
    expect(() => defineWorkflow('w', run, { failOn: [42 as never] })).toThrow(/failOn/);
    expect(() => defineWorkflow('w', run, { versioning: 'latest' as never })).toThrow(/"latest"/);
  });
});
