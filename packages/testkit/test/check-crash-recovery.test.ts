// checkCrashRecovery catches a child started under a random id (recovery diverges); correct workflows recover to the same end.
import { ActivityFailure, defineActivity, defineWorkflow } from '@reprise/core';
import { checkCrashRecovery, ReplayCheckError } from '@reprise/testkit';
import fc from 'fast-check';

const charge = defineActivity('charge', async (amount: number) => ({ charged: amount }), {
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});
const pack = defineActivity('pack', async (orderId: string) => `packed ${orderId}`, {
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 2 },
});
const activities = [charge, pack];
const order = fc.record({ id: fc.constantFrom('A1', 'B2'), amount: fc.integer({ min: 1, max: 500 }) });
type Order = { id: string; amount: number };

const packing = defineWorkflow('packing', async (ctx, orderId: string) => {
  await ctx.sleep('1m');
  return ctx.activity(pack, orderId);
});

describe('a workflow that starts a child under a random id', () => {
  const randomChild = defineWorkflow('random-child', async (ctx, input: Order) => {
    await ctx.activity(charge, input.amount);
    return ctx.child(packing, input.id, { workflowId: `packing-${Math.random().toString(36).slice(2, 10)}` });
  });
  const seededChild = defineWorkflow('seeded-child', async (ctx, input: Order) => {
    try {
      await ctx.activity(charge, input.amount);
    } catch (error) {
      if (error instanceof ActivityFailure) return 'declined';
      throw error;
    }
    return ctx.child(packing, input.id, { workflowId: `packing-${ctx.uuid()}` });
  });

  it('is reported: recovery after the child was recorded asks for another child', async () => {
    const error = await checkCrashRecovery(randomChild, {
      activities,
      workflows: [packing],
      input: order,
      numRuns: 5,
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ReplayCheckError);
    const message = (error as ReplayCheckError).message;
    expect(message).toContain('checkCrashRecovery(random-child) failed');
    expect(message).toContain('recovery of "checked" stalled');
    expect(message).toMatch(/crash after append \d+ of \d+/);
    expect(message).toMatch(/>> #\d+ +\+\S+ +ChildWorkflowStarted packing c1 \(packing-\w+\)/);
    expect(message).toMatch(
      /recorded ChildWorkflowStarted packing \(packing-\w+\), code asked for ChildWorkflowStarted packing \(packing-\w+\)/,
    );
  });

  it('its twin on ctx.uuid() recovers from every crash point to the same end', async () => {
    await checkCrashRecovery(seededChild, { activities, workflows: [packing], input: order, numRuns: 8 });
  });
});

describe('a correct workflow with retries, timers, timeouts and continue-as-new', () => {
  const batch = defineWorkflow('batch', async (ctx, input: { orders: Order[]; done: number }) => {
    const [next, ...rest] = input.orders;
    if (!next) return { done: input.done };
    const charged = await ctx
      .withTimeout('2m', () => ctx.activity(charge, next.amount))
      .then(
        () => true,
        (error: unknown) => {
          if (error instanceof ActivityFailure || (error as Error).name === 'TimeoutError') return false;
          throw error;
        },
      );
    if (charged) await ctx.sleep('1h');
    return ctx.continueAsNew({ orders: rest, done: input.done + (charged ? 1 : 0) });
  });

  it('recovers from every crash point to the same end, recording nothing twice', async () => {
    await checkCrashRecovery(batch, {
      activities,
      input: fc.record({ orders: fc.array(order, { maxLength: 2 }), done: fc.constant(0) }),
      numRuns: 8,
    });
  });
});

describe('a workflow whose code throws a TypeError after its first activity', () => {
  const buggy = defineWorkflow('buggy', async (ctx, input: Order) => {
    await ctx.activity(charge, input.amount);
    return (input as unknown as { customer: { name: string } }).customer.name;
  });

  it('is reported as a bug that stalls the run, not as a divergence', async () => {
    const error = await checkCrashRecovery(buggy, { activities, input: order, numRuns: 3 }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ReplayCheckError);
    expect((error as Error).message).toContain('stalled: its code threw a bug');
    expect((error as Error).message).toMatch(/TypeError/);
  });
});
