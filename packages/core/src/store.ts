import type { WorkflowEvent } from './events.js';
import type { WorkflowId } from './ids.js';
import type { InboxConsumption, ShardFence, ShardFilter } from './ownership.js';
import type { VisibilityFilter, VisibilityPage, WorkflowSummary } from './visibility.js';

/** The condition an append is made under. */
export interface AppendOptions {
  /** The workflow's last seq the caller read (0 for a new workflow). */
  readonly expectedSeq: number;
  /**
   * For a store shared by several owners (`OwnershipStore`): the shard of the workflow and the
   * epoch of the writer's lease on it. The append is refused with `FencedError`, writing
   * nothing, unless that lease is still held and unexpired. Stores without ownership ignore it.
   */
  readonly fence?: ShardFence;
  /**
   * Inbox items of this workflow consumed in the same atomic step as the events (an
   * `OwnershipStore` only): each must be pending, else `InboxItemGoneError` and nothing is written.
   */
  readonly consumeInbox?: readonly InboxConsumption[];
}

/** What an append made durable. */
export interface AppendResult {
  /** The workflow's last seq after the append. */
  readonly lastSeq: number;
}

/** A range of a history to read. */
export interface ReadHistoryOptions {
  /** The first seq to return (default 1). */
  readonly fromSeq?: number;
}

/** A timer the open run of a workflow waits on. */
export interface DueTimer {
  /** The workflow whose open run started the timer. */
  readonly workflowId: WorkflowId;
  /** The timer's id in that run (named, or `t<n>`). */
  readonly timerId: string;
  /** When it fires, epoch ms. */
  readonly fireAt: number;
}

/**
 * Where histories live. The contract every backend keeps (the testkit's conformance suite
 * holds each to it):
 * - `append` is atomic and conditional: all the events or none, and only if the workflow's last
 *   seq is `expectedSeq`, else `ConcurrencyConflict` (carrying expected and actual). The events
 *   come whole, with seqs `expectedSeq + 1, + 2, ...`; anything else is refused with a typed
 *   error and nothing is written. It resolves once the events are durable (as durable as the
 *   backend is).
 * - Readers see whole appends or none.
 * - What the store derives from the events (visibility rows, the active set, timers) changes in
 *   the same atomic step as the events.
 * - `close()` is idempotent; any other call after it throws `StoreClosedError`.
 */
export interface EventStore {
  /**
   * Appends `events` (whole, envelope included, seqs `expectedSeq + 1, + 2, ...`) if the
   * workflow's last seq is `options.expectedSeq`; otherwise throws `ConcurrencyConflict` and
   * writes nothing. Resolves with the new last seq once the events are durable.
   */
  append(
    workflowId: WorkflowId,
    events: readonly WorkflowEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  /** Events in seq order from `fromSeq`; `[]` for an unknown id. */
  readHistory(workflowId: WorkflowId, options?: ReadHistoryOptions): Promise<WorkflowEvent[]>;
  /** The last seq of a workflow (0 for an unknown id). */
  lastSeq(workflowId: WorkflowId): Promise<number>;
  /**
   * The ids whose status is `Running`; with `filter.shards`, only those of these shards (a store
   * without ownership has one shard, 0, and may ignore the filter).
   */
  listActive(filter?: ShardFilter): AsyncIterable<WorkflowId>;
  /**
   * Pending timers (started, neither fired nor cancelled, run still open) due at or before
   * `upTo`, earliest first; with `filter.shards`, only those of these shards.
   */
  dueTimers(upTo: number, filter?: ShardFilter): Promise<DueTimer[]>;
  /** Releases the store; idempotent. Every other call after it throws `StoreClosedError`. */
  close(): Promise<void>;
}

/** The queryable list of workflows, one row per workflow id (its latest run). */
export interface VisibilityStore {
  /** The row of one workflow, or `undefined` for an unknown id. */
  getSummary(workflowId: WorkflowId): Promise<WorkflowSummary | undefined>;
  /** One page of rows matching the filter, newest workflow first. */
  query(filter?: VisibilityFilter): Promise<VisibilityPage>;
  /** How many rows match the filter (limit and cursor ignored). */
  count(filter?: Omit<VisibilityFilter, 'limit' | 'cursor'>): Promise<number>;
}

/** A store that keeps both. */
export type WorkflowStore = EventStore & VisibilityStore;

/** What `deleteClosed` deletes: closed workflows, a bounded batch at a time. */
export interface DeleteClosedOptions {
  /** Workflows whose latest run closed strictly before this time (epoch ms). */
  readonly closedBefore: number;
  /** Only workflows whose latest run is of this type. */
  readonly workflowType?: string;
  /** At most this many workflows in this call, 1 to 1,000; default 100. */
  readonly limit?: number;
  /** Where the previous call stopped, as it returned it. */
  readonly cursor?: string;
  /** Say what would be deleted, and delete nothing. */
  readonly dryRun?: boolean;
  /**
   * Only workflows of these shards (`shardOf`): an engine on a store with shard ownership deletes
   * in the shards it owns. All shards when absent; a store without ownership has one, shard 0.
   */
  readonly shards?: readonly number[];
}

/** What one `deleteClosed` call deleted (or, dry, would delete). */
export interface DeleteClosedResult {
  /** The workflows deleted, in list order (newest first). */
  readonly deleted: readonly WorkflowId[];
  /** Pass as `cursor` for the next batch; absent when no more may match. */
  readonly cursor?: string;
}

/**
 * A store that can delete closed workflows (retention). `deleteClosed` deletes, in one atomic
 * step, up to `limit` workflows whose latest run closed before `closedBefore`: each one's whole
 * history (every run), its visibility row and index entries, and anything else derived from it.
 * A crash leaves each workflow of the batch whole or gone, never part of one. It keeps:
 * - an open workflow, and one that closed at or after `closedBefore`;
 * - a child workflow whose parent workflow is still running (the parent may yet need its outcome);
 * - a workflow appended to since the batch was chosen.
 * Other workflows are not touched: the parent of a deleted child keeps its history (which names
 * the child), and an id whose history was deleted can be started again from seq 1.
 */
export interface RetentionStore {
  /** Deletes one batch of closed workflows (see the interface); `dryRun` deletes nothing. */
  deleteClosed(options: DeleteClosedOptions): Promise<DeleteClosedResult>;
}

/** Whether a store implements retention (`deleteClosed`). */
export function supportsRetention(store: object): store is RetentionStore {
  return typeof (store as Partial<RetentionStore>).deleteClosed === 'function';
}
