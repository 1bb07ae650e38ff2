import { ConcurrencyConflict, InboxItemGoneError, InvalidArgumentError, StoreClosedError } from './errors.js';
import { encodeEventBatch } from './event-validation.js';
import type { SearchAttributes, WorkflowEvent } from './events.js';
import type { WorkflowId } from './ids.js';
import {
  type ClaimShardsOptions,
  checkShardCount,
  DEFAULT_SHARD_COUNT,
  type InboxConsumption,
  type InboxItem,
  type InboxNotice,
  type InboxRequest,
  type InboxStatus,
  type LiveOwner,
  type OwnershipStore,
  type ShardFence,
  type ShardFilter,
  type ShardLease,
  shardOf,
} from './ownership.js';
import { checkPayload, checkPayloadLimit, decodePayload, encodePayload, type JsonValue } from './payload.js';
import { EMPTY_PROJECTION, projectEvents, type WorkflowProjection } from './projection.js';
import { retentionCandidates } from './retention.js';
import { ShardLeases } from './shard-leases.js';
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

/** An inbox item as the in-memory store keeps it: its payload and outcome as JSON text. */
interface StoredInboxItem {
  readonly item: Omit<InboxItem, 'payload'>;
  readonly payload: string;
  /** The outcome's JSON text, once consumed. */
  outcome: string | undefined;
}

/** Options of the in-memory store. */
export interface InMemoryStoreOptions {
  /** The largest event, in bytes of JSON (default 2 MiB). */
  readonly maxPayloadBytes?: number;
  /** The number of virtual shards (default `DEFAULT_SHARD_COUNT`, 64). */
  readonly shardCount?: number;
  /**
   * The store's clock, which lease expiry runs on (default the system clock). Give the engines'
   * virtual clock in tests so that leases expire as it advances.
   */
  readonly clock?: { now(): number };
}

/**
 * A store in process memory, for tests and for apps that need no durability. It keeps the
 * whole store contract: each append is checked, then applied in one synchronous step, so a
 * reader sees all of it or none of it. It implements shard ownership fully (leases on its
 * clock, fences, the inbox), so several engines in one process may share it.
 */
export class InMemoryStore implements EventStore, VisibilityStore, RetentionStore, OwnershipStore {
  readonly #workflows = new Map<WorkflowId, StoredWorkflow>();
  readonly #maxPayloadBytes: number | undefined;
  readonly #clock: { now(): number };
  readonly #leases: ShardLeases;
  readonly #inbox = new Map<string, StoredInboxItem>();
  readonly #inboxWatchers = new Set<(notice: InboxNotice) => void>();
  #inboxCounter = 0;
  #closed = false;

  /** {@inheritDoc OwnershipStore.shardCount} */
  readonly shardCount: number;

  constructor(options: InMemoryStoreOptions = {}) {
    this.#maxPayloadBytes = checkPayloadLimit(options.maxPayloadBytes);
    this.shardCount = checkShardCount(options.shardCount ?? DEFAULT_SHARD_COUNT);
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#leases = new ShardLeases(this.shardCount, () => this.#clock.now());
  }

  /** {@inheritDoc EventStore.append} */
  async append(
    workflowId: WorkflowId,
    events: readonly WorkflowEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.#assertOpen('append');
    const expectedSeq = options?.expectedSeq;
    const encoded = encodeEventBatch(events, {
      workflowId,
      expectedSeq,
      ...(this.#maxPayloadBytes === undefined ? {} : { payload: { maxBytes: this.#maxPayloadBytes } }),
    });
    const stored = this.#workflows.get(workflowId);
    const actualSeq = stored?.events.length ?? 0;
    if (options.fence !== undefined) this.#checkFence(workflowId, options.fence);
    const consumed = this.#checkConsumptions(options.consumeInbox, options.fence, workflowId);
    if (actualSeq !== expectedSeq) throw new ConcurrencyConflict(workflowId, expectedSeq, actualSeq);
    const copies = encoded.map((text) => decodePayload(text) as unknown as WorkflowEvent);
    const projection = projectEvents(stored?.projection ?? EMPTY_PROJECTION, copies);
    if (stored) {
      stored.events.push(...encoded);
      stored.projection = projection;
    } else {
      this.#workflows.set(workflowId, { events: encoded, projection });
    }
    this.#consume(consumed);
    return { lastSeq: expectedSeq + encoded.length };
  }

  /** {@inheritDoc EventStore.readHistory} */
  async readHistory(workflowId: WorkflowId, options: ReadHistoryOptions = {}): Promise<WorkflowEvent[]> {
    this.#assertOpen('readHistory');
    const fromSeq = options.fromSeq ?? 1;
    if (!Number.isInteger(fromSeq) || fromSeq < 1) {
      throw new InvalidArgumentError('fromSeq', `${JSON.stringify(fromSeq)} must be a positive integer`);
    }
    const events = this.#workflows.get(workflowId)?.events ?? [];
    return events.slice(fromSeq - 1).map((text) => decodePayload(text) as unknown as WorkflowEvent);
  }

  /** {@inheritDoc EventStore.lastSeq} */
  async lastSeq(workflowId: WorkflowId): Promise<number> {
    this.#assertOpen('lastSeq');
    return this.#workflows.get(workflowId)?.events.length ?? 0;
  }

  /** {@inheritDoc EventStore.listActive} */
  async *listActive(filter: ShardFilter = {}): AsyncIterable<WorkflowId> {
    this.#assertOpen('listActive');
    const inShards = this.#shardTest(filter);
    const active = [...this.#workflows].filter(
      ([workflowId, stored]) => stored.projection.summary?.status === 'Running' && inShards(workflowId),
    );
    for (const [workflowId] of active) yield workflowId;
  }

  /** {@inheritDoc EventStore.dueTimers} */
  async dueTimers(upTo: number, filter: ShardFilter = {}): Promise<DueTimer[]> {
    this.#assertOpen('dueTimers');
    const inShards = this.#shardTest(filter);
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
    this.#assertOpen('getSummary');
    const summary = this.#workflows.get(workflowId)?.projection.summary;
    return summary && copySummary(summary);
  }

  /** {@inheritDoc VisibilityStore.query} */
  async query(filter: VisibilityFilter = {}): Promise<VisibilityPage> {
    this.#assertOpen('query');
    const page = pageOf(this.#summaries(), normalizeFilter(filter));
    // Only the page's rows are copied: matching and sorting read the stored rows in place.
    return { ...page, items: page.items.map(copySummary) };
  }

  /** {@inheritDoc VisibilityStore.count} */
  async count(filter: Omit<VisibilityFilter, 'limit' | 'cursor'> = {}): Promise<number> {
    this.#assertOpen('count');
    return pageOf(this.#summaries(), { ...normalizeFilter(filter), limit: Number.POSITIVE_INFINITY }).items
      .length;
  }

  /** {@inheritDoc RetentionStore.deleteClosed} */
  async deleteClosed(options: DeleteClosedOptions): Promise<DeleteClosedResult> {
    this.#assertOpen('deleteClosed');
    const { rows, cursor } = await retentionCandidates(this, options);
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

  /** {@inheritDoc OwnershipStore.claimShards} */
  async claimShards(ownerId: string, options: ClaimShardsOptions): Promise<ShardLease[]> {
    this.#assertOpen('claimShards');
    return this.#leases.claim(ownerId, options);
  }

  /** {@inheritDoc OwnershipStore.releaseShards} */
  async releaseShards(ownerId: string, shards: readonly number[]): Promise<void> {
    this.#assertOpen('releaseShards');
    this.#leases.release(ownerId, shards);
  }

  /** {@inheritDoc OwnershipStore.liveOwners} */
  async liveOwners(): Promise<LiveOwner[]> {
    this.#assertOpen('liveOwners');
    return this.#leases.liveOwners();
  }

  /** {@inheritDoc OwnershipStore.enqueueInbox} */
  async enqueueInbox(request: InboxRequest): Promise<string> {
    this.#assertOpen('enqueueInbox');
    const { workflowId, kind, payload } = request ?? ({} as InboxRequest);
    if (typeof workflowId !== 'string' || workflowId === '') {
      throw new InvalidArgumentError(
        'workflowId',
        `${JSON.stringify(workflowId)} must be a non-empty string`,
      );
    }
    if (!['start', 'signal', 'cancel', 'update'].includes(kind)) {
      throw new InvalidArgumentError(
        'inbox kind',
        `${JSON.stringify(kind)} must be start, signal, cancel or update`,
      );
    }
    const text = encodePayload(checkPayload(payload, { path: 'inbox payload' }));
    const id = `inbox-${++this.#inboxCounter}`;
    const shard = shardOf(workflowId, this.shardCount);
    this.#inbox.set(id, {
      item: { id, workflowId, kind, shard, enqueuedAt: this.#clock.now() },
      payload: text,
      outcome: undefined,
    });
    this.#notify({ kind: 'enqueued', id, shard });
    return id;
  }

  /** {@inheritDoc OwnershipStore.pendingInbox} */
  async pendingInbox(shards: readonly number[], limit = 100): Promise<InboxItem[]> {
    this.#assertOpen('pendingInbox');
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidArgumentError('limit', `${JSON.stringify(limit)} must be a positive integer`);
    }
    const wanted = new Set(shards);
    const items: InboxItem[] = [];
    for (const stored of this.#inbox.values()) {
      if (items.length >= limit) break;
      if (stored.outcome !== undefined || !wanted.has(stored.item.shard)) continue;
      items.push({ ...stored.item, payload: decodePayload(stored.payload) });
    }
    return items;
  }

  /** {@inheritDoc OwnershipStore.consumeInbox} */
  async consumeInbox(consumptions: readonly InboxConsumption[], fence: ShardFence): Promise<void> {
    this.#assertOpen('consumeInbox');
    if (fence === undefined) throw new InvalidArgumentError('fence', 'consuming inbox items needs a fence');
    this.#leases.checkFence(fence);
    const checked = this.#checkConsumptions(consumptions, fence, undefined);
    this.#consume(checked);
  }

  /** {@inheritDoc OwnershipStore.inboxStatus} */
  async inboxStatus(id: string): Promise<InboxStatus | undefined> {
    this.#assertOpen('inboxStatus');
    const stored = this.#inbox.get(id);
    if (!stored) return undefined;
    return stored.outcome === undefined
      ? { state: 'pending' }
      : { state: 'consumed', outcome: decodePayload(stored.outcome) };
  }

  /** {@inheritDoc OwnershipStore.watchInbox} */
  watchInbox(listener: (notice: InboxNotice) => void): () => void {
    this.#inboxWatchers.add(listener);
    return () => this.#inboxWatchers.delete(listener);
  }

  /** {@inheritDoc EventStore.close} */
  async close(): Promise<void> {
    this.#closed = true;
    this.#inboxWatchers.clear();
  }

  #checkFence(workflowId: WorkflowId, fence: ShardFence): void {
    this.#leases.checkFence(fence);
    const shard = shardOf(workflowId, this.shardCount);
    if (fence.shard !== shard) {
      throw new InvalidArgumentError(
        'fence.shard',
        `${fence.shard} is not the shard of ${JSON.stringify(workflowId)} (${shard})`,
      );
    }
  }

  /** Checks consumptions without changing anything; returns them with their encoded outcomes. */
  #checkConsumptions(
    consumptions: readonly InboxConsumption[] | undefined,
    fence: ShardFence | undefined,
    workflowId: WorkflowId | undefined,
  ): [StoredInboxItem, string][] {
    if (consumptions === undefined || consumptions.length === 0) return [];
    if (fence === undefined) throw new InvalidArgumentError('fence', 'consuming inbox items needs a fence');
    const seen = new Set<string>();
    return consumptions.map(({ id, outcome }) => {
      const stored = this.#inbox.get(id);
      if (!stored || stored.outcome !== undefined || seen.has(id)) throw new InboxItemGoneError(id);
      seen.add(id);
      if (workflowId !== undefined && stored.item.workflowId !== workflowId) {
        throw new InvalidArgumentError(
          'consumeInbox',
          `item ${id} is for ${JSON.stringify(stored.item.workflowId)}, not ${JSON.stringify(workflowId)}`,
        );
      }
      if (stored.item.shard !== fence.shard) {
        throw new InvalidArgumentError(
          'consumeInbox',
          `item ${id} is of shard ${stored.item.shard}, not the fence's ${fence.shard}`,
        );
      }
      return [stored, encodePayload(checkPayload(outcome, { path: `inbox ${id} outcome` }))];
    });
  }

  #consume(checked: readonly [StoredInboxItem, string][]): void {
    for (const [stored, outcome] of checked) stored.outcome = outcome;
    for (const [stored] of checked)
      this.#notify({ kind: 'consumed', id: stored.item.id, shard: stored.item.shard });
  }

  #notify(notice: InboxNotice): void {
    for (const listener of this.#inboxWatchers) {
      try {
        listener(notice);
      } catch {
        // A hint: a failing listener costs its owner a poll, never the store.
      }
    }
  }

  #shardTest(filter: ShardFilter): (workflowId: WorkflowId) => boolean {
    if (filter.shards === undefined) return () => true;
    const shards = new Set(filter.shards);
    return (workflowId) => shards.has(shardOf(workflowId, this.shardCount));
  }

  *#summaries(): Iterable<WorkflowSummary> {
    for (const stored of this.#workflows.values()) {
      if (stored.projection.summary) yield stored.projection.summary;
    }
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

/**
 * A summary the caller may change without changing the store's row (which later reads, counts
 * and queries answer from). Its nested parts are its search attributes, whose values may be
 * lists, and its parent link; everything else is a scalar.
 */
function copySummary(summary: WorkflowSummary): WorkflowSummary {
  return {
    ...summary,
    searchAttributes: copyJson(summary.searchAttributes) as SearchAttributes,
    ...(summary.parent ? { parent: { ...summary.parent } } : {}),
  };
}

/** A deep copy of a JSON value; scalars are shared, as nobody can change them. */
function copyJson(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  // Object.fromEntries defines each key as an own property, so a `__proto__` key stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyJson(item)]));
}

/** Code-unit order, the order LMDB keys and the list cursor use. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
