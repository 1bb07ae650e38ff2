import { defineWorkflow, type WorkflowEvent, type WorkflowStore, type WorkflowSummary } from '@reprise/core';
import { scheduleHistoryId } from '@reprise/engine/internal';

/** Returns at once. */
export const quick = defineWorkflow('quick', async () => 'done');

/** Sleeps as long as its input says (ms); cancellable, so it ends Cancelled when asked. */
export const sleeper = defineWorkflow('sleeper', async (ctx, ms: number) => {
  await ctx.sleep(ms);
  return 'slept';
});

/** Every workflow whose id starts with `<scheduleId>@`, oldest first (by id: ISO times sort). */
export async function startedBy(store: WorkflowStore, scheduleId: string): Promise<WorkflowSummary[]> {
  const rows: WorkflowSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ limit: 10_000, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items.filter((row) => row.workflowId.startsWith(`${scheduleId}@`)));
    cursor = page.cursor;
  } while (cursor);
  return rows.sort((a, b) => (a.workflowId < b.workflowId ? -1 : 1));
}

/** The Schedule* events of a schedule's history. */
export function scheduleHistory(store: WorkflowStore, scheduleId: string): Promise<WorkflowEvent[]> {
  return store.readHistory(scheduleHistoryId(scheduleId));
}

/** The nominal fire times recorded as `ScheduleTriggered`, in record order. */
export async function firedAt(store: WorkflowStore, scheduleId: string): Promise<number[]> {
  return (await scheduleHistory(store, scheduleId)).flatMap((event) =>
    event.type === 'ScheduleTriggered' ? [event.fireAt] : [],
  );
}

/** `ms` after the start of the test clock, as the test reads it. */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/**
 * Sleeps as long as its input says; when cancelled, tidies up for 30 s (cancellation does not
 * reach the clean-up) and then ends Cancelled.
 */
export const tidy = defineWorkflow('tidy', async (ctx, ms: number) => {
  try {
    await ctx.sleep(ms);
    return 'slept';
  } catch (error) {
    await ctx.nonCancellable((shielded) => shielded.sleep('30s'));
    throw error;
  }
});

/** Minutes and seconds after the test clock's start, as epoch ms. */
export const at = (start: number, minutes: number, seconds = 0): number =>
  start + minutes * MINUTE + seconds * SECOND;
