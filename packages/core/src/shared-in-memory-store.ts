import { InboxItemGoneError, InvalidArgumentError, StoreClosedError } from './errors.js';
import type { WorkflowId } from './ids.js';
import { InMemoryStore, type InMemoryStoreOptions } from './in-memory-store.js';
import {
  type ClaimShardsOptions,
  checkInboxRequest,
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
import { checkPayload, decodePayload, encodePayload } from './payload.js';
import { closesRun, type WorkflowProjection } from './projection.js';
import { ShardLeases } from './shard-leases.js';
import type { AppendOptions } from './store.js';
import { wallClock } from './wall-clock.js';

/** An inbox item as the store keeps it: its payload and outcome as JSON text. */
interface StoredInboxItem {
  readonly item: Omit<InboxItem, 'payload'>;
  readonly payload: string;
  /** The outcome's JSON text, once consumed. */
  outcome: string | undefined;
}

/** Options of the shared in-memory store. */
export interface SharedInMemoryStoreOptions extends InMemoryStoreOptions {
  /** The number of virtual shards (default `DEFAULT_SHARD_COUNT`, 64). */
  readonly shardCount?: number;
  /**
   * The store's clock, which leases expire on: the system clock by default. Give it the engines'
   * virtual clock in tests, so that leases expire as the test advances it.
   */
  readonly clock?: { now(): number };
}

/**
 * An in-memory store that several engines in one process share, each owning a fair share of its
 * shards (`OwnershipStore`: leases on the store's clock, fences, the inbox). Everything else is
 * `InMemoryStore`'s. For tests of scale-out and for trying it without a database.
 */
export class SharedInMemoryStore extends InMemoryStore implements OwnershipStore {
  readonly #clock: { now(): number };
  readonly #leases: ShardLeases;
  readonly #inbox = new Map<string, StoredInboxItem>();
  readonly #watchers = new Set<(notice: InboxNotice) => void>();
  #inboxCounter = 0;

  /** {@inheritDoc OwnershipStore.shardCount} */
  readonly shardCount: number;

  constructor(options: SharedInMemoryStoreOptions = {}) {
    super(options);
    this.shardCount = checkShardCount(options.shardCount ?? DEFAULT_SHARD_COUNT);
    const clock = options.clock ?? wallClock;
    this.#clock = clock;
    this.#leases = new ShardLeases(this.shardCount, () => clock.now());
  }

  /** {@inheritDoc OwnershipStore.claimShards} */
  async claimShards(ownerId: string, options: ClaimShardsOptions): Promise<ShardLease[]> {
    this.assertOpen('claimShards');
    return this.#leases.claim(ownerId, options);
  }

  /** {@inheritDoc OwnershipStore.releaseShards} */
  async releaseShards(ownerId: string, shards: readonly number[]): Promise<void> {
    this.assertOpen('releaseShards');
    this.#leases.release(ownerId, shards);
  }

  /** {@inheritDoc OwnershipStore.liveOwners} */
  async liveOwners(): Promise<LiveOwner[]> {
    this.assertOpen('liveOwners');
    return this.#leases.liveOwners();
  }

  /** {@inheritDoc OwnershipStore.enqueueInbox} */
  async enqueueInbox(request: InboxRequest): Promise<string> {
    this.assertOpen('enqueueInbox');
    const { workflowId, kind, payloadText, shard } = checkInboxRequest(request, this.shardCount);
    const id = `inbox-${++this.#inboxCounter}`;
    this.#inbox.set(id, {
      item: { id, workflowId, kind, shard, enqueuedAt: this.#clock.now() },
      payload: payloadText,
      outcome: undefined,
    });
    this.#notify({ kind: 'enqueued', id, shard });
    return id;
  }

  /** {@inheritDoc OwnershipStore.pendingInbox} */
  async pendingInbox(shards: readonly number[], limit = 100): Promise<InboxItem[]> {
    this.assertOpen('pendingInbox');
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
    this.assertOpen('consumeInbox');
    if (fence === undefined) throw new InvalidArgumentError('fence', 'consuming inbox items needs a fence');
    this.#leases.checkFence(fence);
    this.#consume(this.#checkConsumptions(consumptions, fence, undefined));
  }

  /** {@inheritDoc OwnershipStore.inboxStatus} */
  async inboxStatus(id: string): Promise<InboxStatus | undefined> {
    this.assertOpen('inboxStatus');
    const stored = this.#inbox.get(id);
    if (!stored) return undefined;
    return stored.outcome === undefined
      ? { state: 'pending' }
      : { state: 'consumed', outcome: decodePayload(stored.outcome) };
  }

  /** {@inheritDoc OwnershipStore.watchInbox} */
  watchInbox(listener: (notice: InboxNotice) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  /**
   * A connection to this store for one engine, as each process has its own connection to a
   * database: the same data, leases and inbox, but its `close()` (which `engine.shutdown()`
   * calls) closes only the connection, whose later calls throw `StoreClosedError`, and leaves
   * the store open for the other engines.
   */
  connect(): SharedInMemoryStore {
    let closed = false;
    return new Proxy(this, {
      get: (target, key) => {
        if (key === 'close') {
          return async () => {
            closed = true;
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (closed) {
            // As the store's own methods fail once closed: the async ones reject.
            const error = new StoreClosedError(String(key));
            if (key === 'watchInbox') throw error;
            return Promise.reject(error);
          }
          return (value as (...args: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  /** {@inheritDoc EventStore.close} */
  override async close(): Promise<void> {
    this.#watchers.clear();
    await super.close();
  }

  /** The fence must be current and name the workflow's shard; consumed items must be pending. */
  protected override prepareAppend(workflowId: WorkflowId, options: AppendOptions): (() => void) | undefined {
    const { fence, consumeInbox } = options;
    if (fence !== undefined) {
      this.#leases.checkFence(fence);
      const shard = shardOf(workflowId, this.shardCount);
      if (fence.shard !== shard) {
        throw new InvalidArgumentError(
          'fence.shard',
          `${fence.shard} is not the shard of ${JSON.stringify(workflowId)} (${shard})`,
        );
      }
    }
    const checked = this.#checkConsumptions(consumeInbox, fence, workflowId);
    return checked.length === 0 ? undefined : () => this.#consume(checked);
  }

  /** A run closed: those waiting on its result in other engines read it now, not at their poll. */
  protected override appended(
    workflowId: WorkflowId,
    before: WorkflowProjection,
    after: WorkflowProjection,
  ): void {
    if (closesRun(before, after)) {
      this.#notify({ kind: 'closed', workflowId, shard: shardOf(workflowId, this.shardCount) });
    }
  }

  /** Whether a workflow is in the shards of a filter: by `shardOf`. */
  protected override shardTest(filter: ShardFilter): (workflowId: WorkflowId) => boolean {
    if (filter.shards === undefined) return () => true;
    const shards = new Set(filter.shards);
    return (workflowId) => shards.has(shardOf(workflowId, this.shardCount));
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
    for (const listener of this.#watchers) {
      try {
        listener(notice);
      } catch {
        // A hint: a failing listener costs its owner a poll, never the store.
      }
    }
  }
}
