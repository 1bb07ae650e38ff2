// Engine bug found by checkReplay (window: a run evicted while an activity attempt is in flight):
// rehydration started the attempt again, and its failure was recorded twice. Fixed in run.ts
// (`#resume` leaves a running attempt alone) and the run's loop (a report for an attempt already
// recorded is dropped); this keeps it fixed.
import { ActivityFailure, defineActivity, defineWorkflow } from '@reprise/core';
import { checkReplay } from '@reprise/testkit';
import fc from 'fast-check';

const charge = defineActivity('charge', async (amount: number) => ({ charged: amount }), {
  retry: { maximumAttempts: 3 },
});
const ship = defineActivity('ship', async (orderId: string) => `shipped ${orderId}`, {
  startToCloseTimeout: '10m',
});
const handled = <T>(work: Promise<T>) =>
  work.catch((error: unknown) => {
    if (error instanceof ActivityFailure) return 'failed';
    throw error;
  });
const worker = defineWorkflow('worker', async (ctx, n: number) => {
  const go = await ctx.waitForSignal<number>('go', { timeout: '1h' });
  return [go ?? null, await handled(ctx.activity(ship, `w${n}`))];
});
const fanout = defineWorkflow('fanout', async (ctx, n: number) => {
  const children = await Promise.all([ctx.startChild(worker, 1), ctx.startChild(worker, 2)]);
  const charged = await Promise.all([handled(ctx.activity(charge, n)), handled(ctx.activity(charge, n + 1))]);
  await ctx.sleep('5m');
  await ctx.signalWorkflow(children[0]?.workflowId ?? '', 'go', 7);
  return { charged, results: await Promise.all(children.map((child) => child.result())) };
});

it('with maxResident 1, no activity attempt is recorded twice', async () => {
  await checkReplay(fanout, {
    activities: [charge, ship],
    workflows: [worker],
    input: fc.integer({ min: 0, max: 9 }),
    engine: { maxResident: 1 },
    numRuns: 40,
    seed: 105124435,
  });
});
