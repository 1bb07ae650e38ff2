/**
 * The lease rule of `OwnershipStore`, as data in memory on an injected clock: who holds which
 * shard, under which epoch, until when; the fair share; the fence check. A store that keeps its
 * leases in process memory (the in-memory store) uses it; a store shared between processes
 * keeps the same rule in its own transaction (see `OwnershipStore`).
 */
import { FencedError, InvalidArgumentError } from './errors.js';
import {
  type ClaimShardsOptions,
  checkShardCount,
  type LiveOwner,
  type ShardFence,
  type ShardLease,
} from './ownership.js';

interface Lease {
  owner: string | undefined;
  epoch: number;
  expiresAt: number;
}

/** Checks `claimShards`' arguments; returns the new-shard limit (infinite when absent). */
export function checkClaim(ownerId: unknown, options: ClaimShardsOptions): number {
  if (typeof ownerId !== 'string' || ownerId === '') {
    throw new InvalidArgumentError('ownerId', `${JSON.stringify(ownerId)} must be a non-empty string`);
  }
  const { ttlMs, maxNewShards } = options ?? ({} as ClaimShardsOptions);
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new InvalidArgumentError('ttlMs', `${JSON.stringify(ttlMs)} must be a positive number of ms`);
  }
  if (maxNewShards === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(maxNewShards) || maxNewShards < 0) {
    throw new InvalidArgumentError(
      'maxNewShards',
      `${JSON.stringify(maxNewShards)} must be a non-negative integer`,
    );
  }
  return maxNewShards;
}

/** The fair share of one owner among `owners` live ones. */
export const fairShare = (shardCount: number, owners: number): number =>
  Math.ceil(shardCount / Math.max(1, owners));

export class ShardLeases {
  readonly #leases: Lease[];
  readonly #owners = new Map<string, number>();

  constructor(
    readonly shardCount: number,
    private readonly now: () => number,
  ) {
    checkShardCount(shardCount);
    this.#leases = Array.from({ length: shardCount }, () => ({ owner: undefined, epoch: 0, expiresAt: 0 }));
  }

  /** See `OwnershipStore.claimShards`. */
  claim(ownerId: string, options: ClaimShardsOptions): ShardLease[] {
    const maxNew = checkClaim(ownerId, options);
    const now = this.now();
    const expiresAt = now + options.ttlMs;
    this.#owners.set(ownerId, expiresAt);
    const fair = fairShare(this.shardCount, this.#liveOwnerCount(now));
    const held: number[] = [];
    for (let shard = 0; shard < this.shardCount; shard++) {
      if (this.#holds(shard, ownerId, now)) held.push(shard);
    }
    // Beyond the fair share: the highest shards go back, to be claimed by the newcomers.
    while (held.length > fair) {
      const shard = held.pop() as number;
      (this.#leases[shard] as Lease).owner = undefined;
    }
    for (const shard of held) (this.#leases[shard] as Lease).expiresAt = expiresAt;
    let claimed = 0;
    for (let shard = 0; shard < this.shardCount && held.length < fair && claimed < maxNew; shard++) {
      const lease = this.#leases[shard] as Lease;
      if (lease.owner !== undefined && lease.expiresAt > now) continue;
      lease.owner = ownerId;
      lease.epoch += 1;
      lease.expiresAt = expiresAt;
      held.push(shard);
      claimed++;
    }
    return held
      .sort((a, b) => a - b)
      .map((shard) => ({ shard, epoch: (this.#leases[shard] as Lease).epoch, expiresAt }));
  }

  /** See `OwnershipStore.releaseShards`. */
  release(ownerId: string, shards: readonly number[]): void {
    const now = this.now();
    for (const shard of shards) {
      if (Number.isInteger(shard) && this.#holds(shard, ownerId, now)) {
        (this.#leases[shard] as Lease).owner = undefined;
      }
    }
    // An owner left with nothing has left (an engine shutting down): it no longer counts.
    for (let shard = 0; shard < this.shardCount; shard++) if (this.#holds(shard, ownerId, now)) return;
    this.#owners.delete(ownerId);
  }

  /** See `OwnershipStore.liveOwners`. */
  liveOwners(): LiveOwner[] {
    const now = this.now();
    const owners: LiveOwner[] = [];
    for (const [ownerId, expiresAt] of this.#owners) {
      if (expiresAt <= now) {
        this.#owners.delete(ownerId);
        continue;
      }
      let shards = 0;
      for (let shard = 0; shard < this.shardCount; shard++) if (this.#holds(shard, ownerId, now)) shards++;
      owners.push({ ownerId, shards, expiresAt });
    }
    return owners.sort((a, b) => (a.ownerId < b.ownerId ? -1 : a.ownerId > b.ownerId ? 1 : 0));
  }

  /** Throws `FencedError` unless the fence's lease is held and unexpired now. */
  checkFence(fence: ShardFence): void {
    const { shard, epoch } = fence ?? ({} as ShardFence);
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.shardCount) {
      throw new InvalidArgumentError(
        'fence.shard',
        `${JSON.stringify(shard)} is not a shard of 0..${this.shardCount - 1}`,
      );
    }
    const lease = this.#leases[shard] as Lease;
    if (lease.epoch !== epoch) throw new FencedError(shard, epoch, lease.epoch, 'epoch');
    if (lease.owner === undefined) throw new FencedError(shard, epoch, lease.epoch, 'released');
    if (lease.expiresAt <= this.now()) throw new FencedError(shard, epoch, lease.epoch, 'expired');
  }

  #holds(shard: number, ownerId: string, now: number): boolean {
    const lease = this.#leases[shard] as Lease;
    return lease.owner === ownerId && lease.expiresAt > now;
  }

  #liveOwnerCount(now: number): number {
    let count = 0;
    for (const [ownerId, expiresAt] of this.#owners) {
      if (expiresAt > now) count++;
      else this.#owners.delete(ownerId);
    }
    return count;
  }
}
