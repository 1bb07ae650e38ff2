// The order workflows of the replay-histories tests: one that reorders its activities behind a flag read from outside, and its twin that reads the flag through an activity.
import { defineActivity, defineWorkflow } from '@reprise/core';

/** A feature flag as a deploy or a flag service would set it: outside the workflow's history. */
export const flags = { shipBeforeCharge: false };

export const charge = defineActivity('charge', async (amount: number) => ({ charged: amount }));
export const ship = defineActivity('ship', async (orderId: string) => `shipped ${orderId}`);
export const readFlags = defineActivity('readFlags', async () => ({ ...flags }));

export type Order = { readonly id: string; readonly amount: number };

/** The bug: flipping the flag changes the order of commands of runs already in flight. */
export const flaggedOrder = defineWorkflow('order', async (ctx, order: Order) => {
  if (flags.shipBeforeCharge) {
    await ctx.activity(ship, order.id);
    await ctx.sleep('1d');
    await ctx.activity(charge, order.amount);
  } else {
    await ctx.activity(charge, order.amount);
    await ctx.sleep('1d');
    await ctx.activity(ship, order.id);
  }
  return 'done';
});

/** The twin: the flag is read once through an activity, so its value is in history and replay sees it again. */
export const recordedFlagOrder = defineWorkflow('order', async (ctx, order: Order) => {
  const { shipBeforeCharge } = await ctx.activity(readFlags, null);
  if (shipBeforeCharge) {
    await ctx.activity(ship, order.id);
    await ctx.sleep('1d');
    await ctx.activity(charge, order.amount);
  } else {
    await ctx.activity(charge, order.amount);
    await ctx.sleep('1d');
    await ctx.activity(ship, order.id);
  }
  return 'done';
});
