import { InvalidArgumentError } from './errors.js';
import type { WorkflowId } from './ids.js';
import type { DeleteClosedOptions, VisibilityStore } from './store.js';
import type { WorkflowSummary } from './visibility.js';

/** The batch size of `deleteClosed` when none is given. */
export const DEFAULT_DELETE_BATCH = 100;
/** The largest batch one `deleteClosed` call takes (one transaction). */
export const MAX_DELETE_BATCH = 1000;

/** Checks `deleteClosed` options, naming the bad one. */
export function checkDeleteClosedOptions(
  options: DeleteClosedOptions,
): Required<Pick<DeleteClosedOptions, 'closedBefore' | 'limit'>> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      'options',
      'expected { closedBefore, workflowType?, limit?, cursor?, dryRun? }',
    );
  }
  const { closedBefore, limit = DEFAULT_DELETE_BATCH, workflowType } = options;
  if (typeof closedBefore !== 'number' || !Number.isFinite(closedBefore)) {
    throw new InvalidArgumentError(
      'closedBefore',
      `${JSON.stringify(closedBefore) ?? String(closedBefore)} must be a time in epoch ms`,
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DELETE_BATCH) {
    throw new InvalidArgumentError(
      'limit',
      `${JSON.stringify(limit)} must be a whole number from 1 to ${MAX_DELETE_BATCH}`,
    );
  }
  if (workflowType !== undefined && typeof workflowType !== 'string') {
    throw new InvalidArgumentError('workflowType', `${JSON.stringify(workflowType)} must be a string`);
  }
  const { shards } = options;
  if (shards !== undefined && !(Array.isArray(shards) && shards.every((shard) => Number.isInteger(shard)))) {
    throw new InvalidArgumentError('shards', `${JSON.stringify(shards)} must be an array of shard numbers`);
  }
  return { closedBefore, limit };
}

/**
 * The one rule of what retention may delete, shared by every store: a page of the rows whose
 * latest run closed before `closedBefore` (of the type, if given), less the children whose
 * parent workflow is still running, and, when `options.shards` is given, those outside them
 * (`inShards`; a store without ownership has one shard, 0). Returns them with the cursor of the
 * next page; the store deletes them in one atomic step, checking each is unchanged.
 */
export async function retentionCandidates(
  store: VisibilityStore,
  options: DeleteClosedOptions,
  inShards: (workflowId: WorkflowId) => boolean = () => options.shards?.includes(0) ?? true,
): Promise<{ rows: WorkflowSummary[]; cursor?: string }> {
  const { closedBefore, limit } = checkDeleteClosedOptions(options);
  const page = await store.query({
    closedBefore,
    limit,
    ...(options.workflowType === undefined ? {} : { workflowType: options.workflowType }),
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
  });
  const rows: WorkflowSummary[] = [];
  for (const row of page.items) {
    if (row.status === 'Running' || row.closedAt === undefined || row.closedAt >= closedBefore) continue;
    if (options.shards !== undefined && !inShards(row.workflowId)) continue;
    if (row.parent && (await store.getSummary(row.parent.workflowId as WorkflowId))?.status === 'Running')
      continue;
    rows.push(row);
  }
  return { rows, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
}
