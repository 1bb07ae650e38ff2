import { ConcurrencyConflict, InvalidArgumentError, StoreClosedError } from './errors.js';
import { encodeEventBatch } from './event-validation.js';
import type { SearchAttributes, WorkflowEvent } from './events.js';
import type { WorkflowId } from './ids.js';
import type { ShardFilter } from './ownership.js';
import { checkPayloadLimit, copyJson, decodePayload } from './payload.js';
import { EMPTY_PROJECTION, projectEvents, type WorkflowProjection } from './projection.js';
import { retentionCandidates } from './retention.js';
import type {
  AppendOptions,
  AppendResult,
  DeleteClosedOptions,
  DeleteClosedResult,
  DueTimer,
  EventStore,
  ReadHistoryOptions,
  RetentionStore,
  VisibilityStore,
} from './store.js';
import {
  normalizeFilter,
  pageOf,
  type VisibilityFilter,
  type VisibilityPage,
  type WorkflowSummary,
} from './visibility.js';

interface StoredWorkflow {
  /** Each event's JSON text: a read returns fresh copies the caller cannot use to change the store. */
  readonly events: string[];
  projection: WorkflowProjection;
}

/** Options of the in-memory store. */
export interface InMemoryStoreOptions {
  /** The largest event, in bytes of JSON (default 2 MiB). */
  readonly maxPayloadBytes?: number;
}

/**
 * A store in process memory, for tests and for apps that need no durability. It keeps the
 * whole store contract: each append is checked, then applied in one synchronous step, so a
 * reader sees all of it or none of it.
 */
export class InMemoryStore implements EventStore, VisibilityStore, RetentionStore {
  readonly #workflows = new Map<WorkflowId, StoredWorkflow>();
  readonly #maxPayloadBytes: number | undefined;
  #closed = false;

  constructor(options: InMemoryStoreOptions = {}) {
    this.#maxPayloadBytes = checkPayloadLimit(options.maxPayloadBytes);
  }

  /** {@inheritDoc EventStore.append} */
  async append(
    workflowId: WorkflowId,
    events: readonly WorkflowEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.assertOpen('append');
    const expectedSeq = options?.expectedSeq;
    const encoded = encodeEventBatch(events, {
      workflowId,
      expectedSeq,
      ...(this.#maxPayloadBytes === undefined ? {} : { payload: { maxBytes: this.#maxPayloadBytes } }),
    });
    const stored = this.#workflows.get(workflowId);
    const actualSeq = stored?.events.length ?? 0;
    const applied = this.prepareAppend(workflowId, options);
    if (actualSeq !== expectedSeq) throw new ConcurrencyConflict(workflowId, expectedSeq, actualSeq);
    // The projection keeps copies of what it takes from the events, never the caller's objects.
    const before = stored?.projection ?? EMPTY_PROJECTION;
    const projection = projectEvents(before, events);
    if (stored) {
      stored.events.push(...encoded);
      stored.projection = projection;
    } else {
      this.#workflows.set(workflowId, { events: encoded, projection });
    }
    applied?.();
    this.appended(workflowId, before, projection);
    return { lastSeq: expectedSeq + encoded.length };
  }

  /**
   * Checks what an append asks beyond its events (its fence and inbox consumptions, for
   * `SharedInMemoryStore`) before anything is written, throwing to refuse it; returns what to
   * do in the same step once the events are written. Here: nothing (one owner of everything).
   */
  protected prepareAppend(_workflowId: WorkflowId, _options: AppendOptions): (() => void) | undefined {
    return undefined;
  }

  /** After an append is applied, with the workflow's projection before and after it. Here: nothing. */
  protected appended(
    _workflowId: WorkflowId,
    _before: WorkflowProjection,
    _after: WorkflowProjection,
  ): void {}

  /** Whether a workflow is in the shards of a filter. Here, one shard (0) holds every workflow. */
  protected shardTest(filter: ShardFilter): (workflowId: WorkflowId) => boolean {
    const all = filter.shards === undefined || filter.shards.includes(0);
    return () => all;
  }

  /** {@inheritDoc EventStore.readHistory} */
  async readHistory(workflowId: WorkflowId, options: ReadHistoryOptions = {}): Promise<WorkflowEvent[]> {
    this.assertOpen('readHistory');
    const fromSeq = options.fromSeq ?? 1;
    if (!Number.isInteger(fromSeq) || fromSeq < 1) {
      throw new InvalidArgumentError('fromSeq', `${JSON.stringify(fromSeq)} must be a positive integer`);
    }
    const events = this.#workflows.get(workflowId)?.events ?? [];
    return events.slice(fromSeq - 1).map((text) => decodePayload(text) as unknown as WorkflowEvent);
  }

  /** {@inheritDoc EventStore.lastSeq} */
  async lastSeq(workflowId: WorkflowId): Promise<number> {
    this.assertOpen('lastSeq');
    return this.#workflows.get(workflowId)?.events.length ?? 0;
  }

  /** {@inheritDoc EventStore.listActive} */
  async *listActive(filter: ShardFilter = {}): AsyncIterable<WorkflowId> {
    this.assertOpen('listActive');
    const inShards = this.shardTest(filter);
    const active = [...this.#workflows].filter(
      ([workflowId, stored]) => stored.projection.summary?.status === 'Running' && inShards(workflowId),
    );
    for (const [workflowId] of active) yield workflowId;
  }

  /** {@inheritDoc EventStore.dueTimers} */
  async dueTimers(upTo: number, filter: ShardFilter = {}): Promise<DueTimer[]> {
    this.assertOpen('dueTimers');
    const inShards = this.shardTest(filter);
    const due: DueTimer[] = [];
    for (const [workflowId, stored] of this.#workflows) {
      if (!inShards(workflowId)) continue;
      for (const [timerId, fireAt] of stored.projection.timers) {
        if (fireAt <= upTo) due.push({ workflowId, timerId, fireAt });
      }
    }
    return due.sort(
      (a, b) =>
        a.fireAt - b.fireAt ||
        compareStrings(a.workflowId, b.workflowId) ||
        compareStrings(a.timerId, b.timerId),
    );
  }

  /** {@inheritDoc VisibilityStore.getSummary} */
  async getSummary(workflowId: WorkflowId): Promise<WorkflowSummary | undefined> {
    this.assertOpen('getSummary');
    const summary = this.#workflows.get(workflowId)?.projection.summary;
    return summary && copySummary(summary);
  }

  /** {@inheritDoc VisibilityStore.query} */
  async query(filter: VisibilityFilter = {}): Promise<VisibilityPage> {
    this.assertOpen('query');
    const page = pageOf(this.#summaries(), normalizeFilter(filter));
    // Only the page's rows are copied: matching and sorting read the stored rows in place.
    return { ...page, items: page.items.map(copySummary) };
  }

  /** {@inheritDoc VisibilityStore.count} */
  async count(filter: Omit<VisibilityFilter, 'limit' | 'cursor'> = {}): Promise<number> {
    this.assertOpen('count');
    return pageOf(this.#summaries(), { ...normalizeFilter(filter), limit: Number.POSITIVE_INFINITY }).items
      .length;
  }

  /** {@inheritDoc RetentionStore.deleteClosed} */
  async deleteClosed(options: DeleteClosedOptions): Promise<DeleteClosedResult> {
    this.assertOpen('deleteClosed');
    const { rows, cursor } = await retentionCandidates(this, options, this.shardTest(options));
    const deleted: WorkflowId[] = [];
    // No await below: the batch goes in one step, as one transaction would.
    for (const row of rows) {
      const stored = this.#workflows.get(row.workflowId);
      // Appended to since it was chosen: its row is another one now.
      if (!stored || stored.events.length !== row.historyLength) continue;
      if (!options.dryRun) this.#workflows.delete(row.workflowId);
      deleted.push(row.workflowId);
    }
    return { deleted, ...(cursor === undefined ? {} : { cursor }) };
  }

  /** {@inheritDoc EventStore.close} */
  async close(): Promise<void> {
    this.#closed = true;
  }

  *#summaries(): Iterable<WorkflowSummary> {
    for (const stored of this.#workflows.values()) {
      if (stored.projection.summary) yield stored.projection.summary;
    }
  }

  /** Throws `StoreClosedError` once the store is closed. */
  protected assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

/**
 * A summary the caller may change without changing the store's row (which later reads, counts
 * and queries answer from). Its nested parts are its search attributes, whose values may be
 * lists, its parent link and its backlog; everything else is a scalar.
 */
function copySummary(summary: WorkflowSummary): WorkflowSummary {
  return {
    ...summary,
    searchAttributes: copyJson(summary.searchAttributes) as SearchAttributes,
    ...(summary.parent ? { parent: { ...summary.parent } } : {}),
    ...(summary.backlog ? { backlog: { ...summary.backlog } } : {}),
  };
}

/** Code-unit order, the order LMDB keys and the list cursor use. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
