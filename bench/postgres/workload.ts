// The bench's order workload on Reprise: three trivial activities, as bench:engine's "order".
import { defineActivity, defineWorkflow } from '@reprise/core';

export const reserve = defineActivity('reserve', async (id: string) => `reserved ${id}`);
export const charge = defineActivity('charge', async (id: string) => `charged ${id}`);
export const ship = defineActivity('ship', async (id: string) => `shipped ${id}`);

export const order = defineWorkflow('order', async (ctx, id: string) => {
  const reserved = await ctx.activity(reserve, id);
  const charged = await ctx.activity(charge, id);
  const shipped = await ctx.activity(ship, id);
  return [reserved, charged, shipped];
});

export const workflows = [order];
export const activities = [reserve, charge, ship];

/**
 * The engines' lease TTL in the bench: longer than the default 3 s, because a machine loaded
 * far beyond its cores (the bench beside others' test runs) can starve an engine's event loop
 * past 3 s, and a lease that expires fails the owner's next appends (FencedError).
 */
export const LEASE_TTL_MS = 15_000;
