// The cluster demo's workload: an order that reserves stock, waits a little (a durable timer),
// and ships. Each activity says which engine process ran it, so the demo can show the work
// spread over the processes, and taken over when one of them dies.
import { defineActivity, defineWorkflow } from '@reprise/core';

/** The name of this engine process (set by engine-process.ts). */
export const processName = { value: 'main' };

export const reserve = defineActivity('reserve', async (id: string) => ({ id, by: processName.value }));
export const ship = defineActivity('ship', async (id: string) => ({ id, by: processName.value }));

export const clusterOrder = defineWorkflow('clusterOrder', async (ctx, id: string) => {
  const reserved = await ctx.activity(reserve, id);
  await ctx.sleep('2s');
  const shipped = await ctx.activity(ship, id);
  return { reservedBy: reserved.by, shippedBy: shipped.by };
});

export const workflows = [clusterOrder];
export const activities = [reserve, ship];
