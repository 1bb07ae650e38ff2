import type { WorkflowEvent } from './events.js';
import type { WorkflowId } from './ids.js';
import type { VisibilityFilter, VisibilityPage, WorkflowSummary } from './visibility.js';

/** The condition an append is made under. */
export interface AppendOptions {
  /** The workflow's last seq the caller read (0 for a new workflow). */
  readonly expectedSeq: number;
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
  /** The ids whose status is `Running`. */
  listActive(): AsyncIterable<WorkflowId>;
  /** Pending timers (started, neither fired nor cancelled, run still open) due at or before `upTo`, earliest first. */
  dueTimers(upTo: number): Promise<DueTimer[]>;
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
