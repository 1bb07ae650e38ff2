import {
  type DeleteClosedOptions,
  type RetentionStore,
  supportsRetention,
  type WorkflowId,
} from '@reprise/core';
import { CliError } from './errors.js';

/** How many workflows one prune batch deletes: one transaction of the store, as the engine's retention. */
export const PRUNE_BATCH = 100;

/**
 * Deletes (or, dry, lists) every closed workflow the options select, batch after batch, each
 * batch one atomic step of the store; `onBatch` hears how many each batch took. The ids, in
 * list order.
 */
export async function pruneAll(
  store: object,
  options: Omit<DeleteClosedOptions, 'limit' | 'cursor'>,
  onBatch: (count: number) => void = () => undefined,
): Promise<WorkflowId[]> {
  if (!supportsRetention(store)) throw new CliError('usage', 'this store cannot delete workflows');
  const retaining: RetentionStore = store;
  const ids: WorkflowId[] = [];
  let cursor: string | undefined;
  do {
    const batch = await retaining.deleteClosed({
      ...options,
      limit: PRUNE_BATCH,
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...batch.deleted);
    onBatch(batch.deleted.length);
    cursor = batch.cursor;
  } while (cursor);
  return ids;
}
