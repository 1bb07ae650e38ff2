/**
 * Shard ownership: the store contract that lets several engines share one store, each run
 * written by exactly one engine at a time.
 *
 * - A store has a fixed number of virtual shards (`shardCount`, set when the store is created).
 *   A workflow's shard is `shardOf(workflowId, shardCount)`, the same in every process and
 *   backend.
 * - An engine holds leases on a fair share of the shards (`claimShards`, renewed before they
 *   expire on the STORE's clock). Each lease has an epoch that increases at every new claim of
 *   the shard, so two tenures of a shard never share an epoch.
 * - Every append of an owner carries a fence `{ shard, epoch }` (`AppendOptions.fence`); the
 *   store refuses it with `FencedError`, writing nothing, unless that epoch's lease is still
 *   held and unexpired. A paused or partitioned engine whose lease passed on cannot write.
 * - Work that crosses engines (start, signal, cancel, update of a run owned elsewhere) goes
 *   through the shard's inbox: `enqueueInbox`, then the owner records it and consumes the item
 *   in the same atomic append (`AppendOptions.consumeInbox`), or consumes it alone with an
 *   outcome (`consumeInbox`: a refusal). The caller learns the outcome with `inboxStatus`,
 *   woken by `watchInbox` notices (a hint: poll as well, notices may be lost).
 *
 * A store without these methods (`supportsOwnership` false), such as `InMemoryStore` and the
 * LMDB store (one process), is one owner of everything: one shard, never fenced.
 * `SharedInMemoryStore` implements the contract in memory (several engines in one process).
 */
import { InvalidArgumentError } from './errors.js';
import type { WorkflowId } from './ids.js';
import { encodePayload, type JsonValue } from './payload.js';

/** The number of virtual shards a store gets unless it is created with another. */
export const DEFAULT_SHARD_COUNT = 64;

/** The most virtual shards a store may have. */
export const MAX_SHARD_COUNT = 65_536;

/** Checks a shard count: an integer from 1 to `MAX_SHARD_COUNT`. */
export function checkShardCount(shardCount: unknown): number {
  if (
    !Number.isInteger(shardCount) ||
    (shardCount as number) < 1 ||
    (shardCount as number) > MAX_SHARD_COUNT
  ) {
    throw new InvalidArgumentError(
      'shardCount',
      `${JSON.stringify(shardCount)} must be an integer from 1 to ${MAX_SHARD_COUNT}`,
    );
  }
  return shardCount as number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The shard of a workflow: 32-bit FNV-1a over the UTF-8 bytes of its id, modulo `shardCount`.
 * Stable forever (stored data and other processes depend on it): never change this function.
 * A lone surrogate is hashed as U+FFFD, as `TextEncoder` writes it.
 */
export function shardOf(workflowId: string, shardCount: number): number {
  checkShardCount(shardCount);
  let hash = FNV_OFFSET;
  const step = (byte: number): void => {
    hash = Math.imul(hash ^ byte, FNV_PRIME);
  };
  for (let index = 0; index < workflowId.length; index++) {
    let code = workflowId.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = workflowId.charCodeAt(index + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        index++;
      } else {
        code = 0xfffd;
      }
    }
    if (code < 0x80) step(code);
    else if (code < 0x800) {
      step(0xc0 | (code >> 6));
      step(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      step(0xe0 | (code >> 12));
      step(0x80 | ((code >> 6) & 0x3f));
      step(0x80 | (code & 0x3f));
    } else {
      step(0xf0 | (code >> 18));
      step(0x80 | ((code >> 12) & 0x3f));
      step(0x80 | ((code >> 6) & 0x3f));
      step(0x80 | (code & 0x3f));
    }
  }
  return (hash >>> 0) % shardCount;
}

/** A lease on one shard, as `claimShards` returns it. */
export interface ShardLease {
  /** The shard, from 0 to `shardCount - 1`. */
  readonly shard: number;
  /** The lease's epoch: put it in the fence of every append to the shard. */
  readonly epoch: number;
  /** When the lease expires unless renewed, epoch ms on the store's clock. */
  readonly expiresAt: number;
}

/** What an append to an owned shard carries: the shard and the epoch of the lease it holds. */
export interface ShardFence {
  /** The shard of the workflow appended to. */
  readonly shard: number;
  /** The epoch of the owner's lease on it. */
  readonly epoch: number;
}

/** Options of `claimShards`. */
export interface ClaimShardsOptions {
  /** How long the leases (and the owner's liveness) last from this call, in ms of the store's clock. */
  readonly ttlMs: number;
  /** At most this many shards not held before are claimed in this call (default: no limit). */
  readonly maxNewShards?: number;
}

/** An owner that has claimed shards recently enough to count in the fair share. */
export interface LiveOwner {
  /** The owner's id, as it passed to `claimShards`. */
  readonly ownerId: string;
  /** How many shards it holds now. */
  readonly shards: number;
  /** When it stops counting unless it claims again, epoch ms on the store's clock. */
  readonly expiresAt: number;
}

/**
 * What can cross engines through a shard's inbox: a start, a signal, a cancel request, an
 * update, or another operation on a run (`control`: pause, resume, reset, fork, query).
 */
export type InboxKind = 'start' | 'signal' | 'cancel' | 'update' | 'control';

/** A request for the owner of a workflow's shard. `payload` is the engine's, opaque to the store. */
export interface InboxRequest {
  /** The workflow the request is for (its shard picks the inbox). */
  readonly workflowId: WorkflowId;
  /** What is asked. */
  readonly kind: InboxKind;
  /** The request's data (JSON). */
  readonly payload: JsonValue;
}

/** A pending inbox item. */
export interface InboxItem extends InboxRequest {
  /** The item's id, as `enqueueInbox` returned it. */
  readonly id: string;
  /** The shard of its workflow. */
  readonly shard: number;
  /** When it was enqueued, epoch ms on the store's clock. */
  readonly enqueuedAt: number;
}

/** An inbox item consumed, with what its caller is told (the engine's data, opaque to the store). */
export interface InboxConsumption {
  /** The item's id. */
  readonly id: string;
  /** The outcome, read back by `inboxStatus`. */
  readonly outcome: JsonValue;
}

/** Where an inbox item stands. */
export type InboxStatus =
  | { readonly state: 'pending' }
  | { readonly state: 'consumed'; readonly outcome: JsonValue };

/**
 * A hint that the inbox changed (an item was enqueued, or consumed), or that a run closed: those
 * waiting on a run another owner records (its result) read it again at once, not at their poll.
 */
export type InboxNotice =
  | { readonly kind: 'enqueued'; readonly id: string; readonly shard: number }
  | { readonly kind: 'consumed'; readonly id: string; readonly shard: number }
  | { readonly kind: 'closed'; readonly workflowId: WorkflowId; readonly shard: number };

/** Limits of `listActive` and `dueTimers` to some shards. */
export interface ShardFilter {
  /** Only workflows whose shard is one of these (all when absent). */
  readonly shards?: readonly number[];
}

/**
 * A store shared by several owners (engines), each writing the workflows of the shards it
 * leases. The testkit's `describeOwnershipConformance` holds each backend to this contract:
 * - `claimShards` registers the owner as live until `ttlMs` from now, renews the leases it holds,
 *   gives up the ones beyond its fair share (`ceil(shardCount / live owners)`, highest shards
 *   first), and claims free shards (never leased, released, or expired), lowest first, at most
 *   `maxNewShards` of them, up to the fair share. It returns the leases held after the call.
 *   Each new claim of a shard gets an epoch above every earlier one of that shard.
 * - A fence is current while its epoch's lease is held and unexpired (store's clock); an append
 *   or consumption with a fence that is not is refused with `FencedError` and writes nothing.
 * - The inbox: an item is consumed once, in the atomic step of the append (or consumption)
 *   naming it; naming an item that is not pending is refused with `InboxItemGoneError`, and
 *   writes nothing. Opening a store takes no lease.
 */
export interface OwnershipStore {
  /** The store's fixed number of virtual shards. */
  readonly shardCount: number;
  /** Claims and renews the owner's fair share of shards (see the interface); the leases held after. */
  claimShards(ownerId: string, options: ClaimShardsOptions): Promise<ShardLease[]>;
  /** Gives up the owner's leases on these shards (ones it does not hold are ignored). */
  releaseShards(ownerId: string, shards: readonly number[]): Promise<void>;
  /** The owners whose liveness has not expired, by id. */
  liveOwners(): Promise<LiveOwner[]>;
  /** Adds a request to its workflow's shard inbox; resolves with the item's id once durable. */
  enqueueInbox(request: InboxRequest): Promise<string>;
  /** Pending items of these shards, oldest first, at most `limit` (default 100). */
  pendingInbox(shards: readonly number[], limit?: number): Promise<InboxItem[]>;
  /** Consumes items without appending (a refused request), under the fence of their shard. */
  consumeInbox(consumptions: readonly InboxConsumption[], fence: ShardFence): Promise<void>;
  /** Whether an item is pending or consumed (with its outcome); `undefined` for an unknown id. */
  inboxStatus(id: string): Promise<InboxStatus | undefined>;
  /**
   * Calls `listener` at each inbox change, and when a run closes (a hint: may miss some);
   * returns the unsubscribe.
   */
  watchInbox(listener: (notice: InboxNotice) => void): () => void;
}

const INBOX_KINDS: readonly string[] = ['start', 'signal', 'cancel', 'update', 'control'];

/**
 * Checks an `enqueueInbox` request (a non-empty workflow id, a known kind, a JSON-safe payload);
 * returns it with its payload as stored (JSON text) and its workflow's shard.
 */
export function checkInboxRequest(
  request: InboxRequest,
  shardCount: number,
): {
  readonly workflowId: WorkflowId;
  readonly kind: InboxKind;
  readonly payloadText: string;
  readonly shard: number;
} {
  const { workflowId, kind, payload } = request ?? ({} as InboxRequest);
  if (typeof workflowId !== 'string' || workflowId === '') {
    throw new InvalidArgumentError('workflowId', `${JSON.stringify(workflowId)} must be a non-empty string`);
  }
  if (!INBOX_KINDS.includes(kind)) {
    throw new InvalidArgumentError(
      'inbox kind',
      `${JSON.stringify(kind)} must be one of ${INBOX_KINDS.join(', ')}`,
    );
  }
  const payloadText = encodePayload(payload, { path: 'inbox payload' });
  return { workflowId, kind, payloadText, shard: shardOf(workflowId, shardCount) };
}

/** Whether a store implements shard ownership (`OwnershipStore`). */
export function supportsOwnership(store: object): store is OwnershipStore {
  return typeof (store as Partial<OwnershipStore>).claimShards === 'function';
}
