import type { LmdbStore } from '@reprise/store-lmdb';

/** What a batch's histories record: the one source of the live retry count and the summary. */
export interface BatchTally {
  /** Shipment child workflows that have set their batch so far. */
  readonly shipments: number;
  /** Activity attempts that failed and were scheduled to run again (`ActivityFailed` with `retryAt`). */
  readonly retries: number;
  readonly timersFired: number;
  readonly signalsReceived: number;
  /** Updates the orders accepted and answered (gift notes). */
  readonly updatesCompleted: number;
  /** Pauses of orders (by the app's operator, `handle.pause`). */
  readonly pauses: number;
}

/**
 * Counts what the histories of a batch's workflows (orders and shipments) recorded. Read from
 * the store, not counted as activities run, so it includes earlier sessions of the batch and
 * counts only what history keeps: the live display and the summary agree.
 */
export async function tallyBatch(store: LmdbStore, batch: number): Promise<BatchTally> {
  const rows = (await store.query({ searchAttributes: { batch }, limit: 10_000 })).items;
  let retries = 0;
  let timersFired = 0;
  let signalsReceived = 0;
  let updatesCompleted = 0;
  let pauses = 0;
  for (const row of rows) {
    for (const event of await store.readHistory(row.workflowId)) {
      if (event.type === 'ActivityFailed' && event.retryAt !== undefined) retries++;
      if (event.type === 'TimerFired') timersFired++;
      if (event.type === 'SignalReceived') signalsReceived++;
      if (event.type === 'UpdateCompleted') updatesCompleted++;
      if (event.type === 'WorkflowPaused') pauses++;
    }
  }
  const shipments = rows.filter((row) => row.workflowType === 'shipment').length;
  return { shipments, retries, timersFired, signalsReceived, updatesCompleted, pauses };
}
