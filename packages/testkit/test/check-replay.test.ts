// checkReplay catches code that reads the wall clock or Math.random, and code that swallows a cancellation; correct twins pass.
import { ActivityFailure, CancelledError, defineActivity, defineWorkflow } from '@reprise/core';
import { checkReplay, ReplayCheckError } from '@reprise/testkit';
import fc from 'fast-check';

const charge = defineActivity('charge', async (amount: number) => ({ charged: amount }));
const ship = defineActivity('ship', async (orderId: string) => `shipped ${orderId}`);
const promo = defineActivity('promo', async (orderId: string) => `weekend promo for ${orderId}`);
const refund = defineActivity('refund', async (amount: number) => ({ refunded: amount }));
const activities = [charge, ship, promo, refund];
const order = fc.record({ id: fc.constantFrom('A1', 'B2'), amount: fc.integer({ min: 1, max: 500 }) });
type Order = { id: string; amount: number };

async function failure(check: Promise<void>): Promise<ReplayCheckError> {
  const error = await check.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ReplayCheckError);
  return error as ReplayCheckError;
}

describe('a workflow that branches on Math.random()', () => {
  const flaky = defineWorkflow('flaky', async (ctx, input: Order) => {
    await ctx.activity(charge, input.amount);
    if (Math.random() < 0.5) await ctx.activity(promo, input.id);
    return ctx.activity(ship, input.id);
  });
  const steady = defineWorkflow('steady', async (ctx, input: Order) => {
    await ctx.activity(charge, input.amount);
    if (ctx.random() < 0.5) await ctx.activity(promo, input.id);
    return ctx.activity(ship, input.id);
  });

  it('is reported with the shrunk history and the divergence marked', async () => {
    const error = await failure(checkReplay(flaky, { activities, input: order, numRuns: 10 }));
    expect(error.code).toBe('replay_check_failed');
    expect(error.message).toContain('checkReplay(flaky) failed');
    expect(error.message).toMatch(/diverged from its recorded history at #\d+/);
    expect(error.message).toMatch(/>> #\s*\d+ .*ActivityScheduled (promo|ship)/);
    expect(error.message).toContain('replay: code asked for ActivityScheduled');
    expect(error.message).toContain('generated scenario:');
    // Shrunk: the smallest order, every activity succeeding at once.
    expect(error.message).toContain('input: {"id":"A1","amount":1}');
    expect(error.message).toMatch(/reproduce with \{ seed: -?\d+, path: "[\d:]*" \}/);
  });

  it('its twin on ctx.random() passes', async () => {
    await checkReplay(steady, { activities, input: order, numRuns: 15 });
  });
});

describe('a workflow that branches on the wall clock', () => {
  const weekend = (date: Date) => date.getUTCDay() === 0 || date.getUTCDay() === 6;
  const clocked = defineWorkflow('clocked', async (ctx, input: Order) => {
    const { charged } = await ctx.activity(charge, input.amount);
    if (weekend(new Date())) await ctx.activity(promo, input.id);
    return { charged, at: Date.now() > 0 };
  });
  const timely = defineWorkflow('timely', async (ctx, input: Order) => {
    const { charged } = await ctx.activity(charge, input.amount);
    if (weekend(new Date(ctx.now()))) await ctx.activity(promo, input.id);
    return { charged, at: ctx.now() > 0 };
  });

  it('is reported: replay happens days later, on another weekday', async () => {
    const error = await failure(checkReplay(clocked, { activities, input: order, numRuns: 10 }));
    expect(error.message).toContain('code asked for ActivityScheduled promo');
    expect(error.message).toContain("recorded the run's end (WorkflowCompleted)");
  });

  it('its twin on ctx.now() passes', async () => {
    await checkReplay(timely, { activities, input: order, numRuns: 15 });
  });
});

describe('a workflow that swallows a cancellation', () => {
  const swallowing = defineWorkflow('swallowing', async (ctx, input: Order) => {
    await ctx.activity(charge, input.amount);
    try {
      await ctx.sleep('30d');
    } catch {
      // The bug: the CancelledError is dropped and the run completes as if renewed.
    }
    return 'renewed';
  });
  const honouring = defineWorkflow('honouring', async (ctx, input: Order) => {
    await ctx.activity(charge, input.amount);
    try {
      await ctx.sleep('30d');
    } catch (error) {
      if (error instanceof CancelledError)
        await ctx.nonCancellable((safe) => safe.activity(refund, input.amount));
      throw error;
    }
    return 'renewed';
  });

  it('is reported when a cancel is generated', async () => {
    const error = await failure(
      checkReplay(swallowing, { activities, input: order, cancel: true, numRuns: 15 }),
    );
    expect(error.message).toMatch(
      /swallowed a cancellation: asked to cancel at #\d+, it completed normally at #\d+/,
    );
    expect(error.message).toMatch(/>> #\s*\d+ .*WorkflowCompleted result "renewed"/);
    expect(error.message).toMatch(/cancel at \+/);
  });

  it('passes when completing after a cancel is declared intended', async () => {
    await checkReplay(swallowing, { activities, input: order, cancel: { mayComplete: true }, numRuns: 10 });
  });

  it('its twin that cleans up and rethrows passes', async () => {
    await checkReplay(honouring, { activities, input: order, cancel: true, numRuns: 15 });
  });
});

describe('a correct workflow with signals, timers, children and generated results', () => {
  const review = defineWorkflow('review', async (ctx, amount: number) => {
    await ctx.sleep('5m');
    return amount < 100 ? 'approved' : 'escalated';
  });
  const approval = defineWorkflow('approval', async (ctx, input: Order) => {
    const verdict = await ctx.child(review, input.amount);
    const decision = await ctx.waitForSignal<string>('decision', { timeout: '20m' });
    if (decision === 'reject' || verdict === 'escalated')
      return { status: 'rejected', decision: decision ?? null };
    const receipt = await ctx.withTimeout('10m', () => ctx.activity(charge, input.amount));
    // Only an activity's own failure is handled here; a cancellation must propagate.
    const shipped = await ctx.activity(ship, input.id).catch((error: unknown) => {
      if (error instanceof ActivityFailure) return 'not shipped';
      throw error;
    });
    return { status: 'done', receipt, shipped };
  });

  it('passes', async () => {
    await checkReplay(approval, {
      activities,
      workflows: [review],
      input: order,
      results: { charge: fc.record({ charged: fc.integer() }), ship: fc.string({ maxLength: 5 }) },
      signals: [{ name: 'decision', payload: fc.constantFrom('approve', 'reject'), within: '30m' }],
      cancel: true,
      numRuns: 20,
    });
  });
});
