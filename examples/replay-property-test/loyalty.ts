/**
 * A checkout with a loyalty bonus, in two versions: `loyaltyCheckout` decides the evening
 * bonus with `Date.now()` (a replay bug: replayed later, the code takes the other branch), and
 * `fixedLoyaltyCheckout` with `ctx.now()` (the time recorded in history, the same on replay).
 */
import { defineActivity, defineWorkflow, type WorkflowContext } from '@reprise/core';

export interface Purchase {
  readonly customer: string;
  readonly amount: number;
}

export const charge = defineActivity('charge', async (purchase: Purchase) => ({
  chargeId: `ch-${purchase.customer}`,
}));
export const awardPoints = defineActivity('award-points', async (purchase: Purchase) =>
  Math.floor(purchase.amount),
);

/** The evening bonus: from noon to midnight UTC. */
const evening = (time: number) => new Date(time).getUTCHours() >= 12;

const checkout =
  (now: (ctx: WorkflowContext) => number) => async (ctx: WorkflowContext, purchase: Purchase) => {
    const { chargeId } = await ctx.activity(charge, purchase);
    // The customer may confirm the bonus within an hour; no answer means no bonus.
    const confirmed = await ctx.waitForSignal<boolean>('confirm-bonus', { timeout: '1h' });
    let points = 0;
    if (confirmed && evening(now(ctx))) points = await ctx.activity(awardPoints, purchase);
    return { chargeId, points };
  };

export const loyaltyCheckout = defineWorkflow(
  'loyalty-checkout',
  checkout(() => Date.now()),
);
export const fixedLoyaltyCheckout = defineWorkflow(
  'loyalty-checkout',
  checkout((ctx) => ctx.now()),
);
