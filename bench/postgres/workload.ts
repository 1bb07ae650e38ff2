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

/**
 * The takeover phase's activity: it never finishes in a process started with
 * `REPRISE_BENCH_HOLD=1` (the one the bench kills), so that process's runs are still open when
 * it dies and the survivor must resume them.
 */
export const hold = defineActivity('hold', async (id: string) => {
  if (process.env.REPRISE_BENCH_HOLD === '1') await new Promise(() => {});
  return `held ${id}`;
});

/** The takeover phase's workflow: one activity (`hold`). */
export const held = defineWorkflow('held', async (ctx, id: string) => ctx.activity(hold, id));

export const workflows = [order, held];
export const activities = [reserve, charge, ship, hold];

/**
 * The engines' lease TTL in the bench: longer than the default 3 s, because a machine loaded
 * far beyond its cores (the bench beside others' test runs) can starve an engine's event loop
 * past 3 s, and a lease that expires fails the owner's next appends (FencedError).
 */
export const LEASE_TTL_MS = 15_000;
