/**
 * Shard ownership: which workflows this engine may write when several engines share a store
 * (`OwnershipStore` in `@reprise/core`). At create it claims a fair share of the store's shards
 * and recovers only their runs; a renewal loop on the engine's clock (every third of the lease's
 * TTL) keeps the leases, gives up shards beyond the fair share when engines join, and claims
 * free ones (a few at a time) when engines leave or die. Every append carries the fence of its
 * shard (`fence`, through each workflow's `Recorder`); when an append is refused with
 * `FencedError`, or a renewal no longer returns a shard, the shard's runs are dropped from
 * memory at once: their actors stop, nothing more is written for them, their pending calls are
 * rejected with `ShardMovedError`. A shard claimed later is recovered exactly as a restart
 * recovers (`recover` limited to it). A store without the contract counts as one shard, owned.
 */
import type { Clock } from '@reprise/actors';
import {
  type FencedError,
  type OwnershipStore,
  type ShardFence,
  ShardMovedError,
  shardOf,
  supportsOwnership,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';
import { newWorkflowId } from '@reprise/core/internal';
import type { ActivityExecutor } from './activity-executor.js';
import type { Lifecycle } from './lifecycle.js';
import type { EngineLogger, OwnershipOptions } from './options.js';
import type { Fencing } from './recorder.js';
import type { Residency } from './residency.js';
import type { RunEntry } from './run-entry.js';
import type { RunTable } from './run-table.js';
import type { RunSupervision } from './supervision.js';
import type { TimerService } from './timer-service.js';

/** The defaults of `OwnershipOptions`. */
export const DEFAULT_LEASE_TTL_MS = 3_000;
const DEFAULT_POLL_MS = 500;
const DEFAULT_MAX_NEW_SHARDS = 8;

/** What shard ownership acts through. */
export interface ShardOwnershipPort {
  readonly store: WorkflowStore;
  readonly clock: Clock;
  readonly timers: TimerService;
  readonly table: RunTable;
  readonly lifecycle: Lifecycle;
  readonly logger: EngineLogger;
  readonly residency: Residency;
  readonly supervision: RunSupervision;
  readonly activities: ActivityExecutor;
  disarmExecutionTimeout(run: Pick<RunEntry, 'workflowId' | 'runId'>): void;
  /** Recovers the runs of these shards, as `Engine.create` recovers all of them. */
  recover(shards: readonly number[]): Promise<void>;
  /** The shards were claimed or lost, or a poll is due: the inbox service reads its items. */
  pollInbox(): void;
  /** The shard was dropped (its runs already are): what else runs per shard (schedules) stops. */
  dropped(shard: number): void;
}

export class ShardOwnership implements Fencing {
  readonly #store: (WorkflowStore & OwnershipStore) | undefined;
  readonly ownerId: string;
  readonly ttlMs: number;
  readonly pollMs: number;
  readonly #maxNewShards: number;
  /** The epoch of each shard held. */
  readonly #held = new Map<number, number>();
  /**
   * Shards held whose recovery is under way or queued, with the epoch it recovers them for: not
   * served yet (`owns` is false for their workflows), so that no input is recorded into a
   * history that recovery has already read and would then never reach its run. Calls for them
   * go to the inbox, read once recovery ends.
   */
  readonly #recovering = new Map<number, number>();
  /**
   * The last recovery of each shard claimed, settled or not: a shard lost while recovering and
   * claimed again is recovered again only after the first recovery ends, never beside it.
   * Recoveries of other shards do not wait (a takeover is not queued behind a long rebalancing).
   */
  readonly #recoveries = new Map<number, Promise<void>>();
  /** A renewal is under way (claim, drops): the next waits for it. */
  #renewing = false;
  /** Engine-clock time at which the last successful claim began. */
  #claimedAt = Number.NEGATIVE_INFINITY;
  #stopped = false;

  constructor(
    private readonly port: ShardOwnershipPort,
    options: OwnershipOptions = {},
  ) {
    this.#store = supportsOwnership(port.store) ? port.store : undefined;
    this.ownerId = options.ownerId ?? `engine-${newWorkflowId()}`;
    this.ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#maxNewShards = options.maxNewShards ?? DEFAULT_MAX_NEW_SHARDS;
    this.client = options.claimShards === false;
  }

  /** A client engine (`claimShards: false`): it holds no shard, ever; everything goes to the owners. */
  readonly client: boolean;

  /** Whether the store is shared (implements ownership); otherwise this engine owns everything. */
  get shared(): boolean {
    return this.#store !== undefined;
  }

  /** The store's shard count (1 for a store without ownership). */
  get shardCount(): number {
    return this.#store?.shardCount ?? 1;
  }

  /** The shards this engine holds now, in order. */
  heldShards(): number[] {
    return this.#store ? [...this.#held.keys()].sort((a, b) => a - b) : [0];
  }

  /** The workflow's shard. */
  shardOf(workflowId: string): number {
    return this.#store ? shardOf(workflowId, this.#store.shardCount) : 0;
  }

  /** Whether this engine serves the workflow now: holds its shard, recovered. */
  owns(workflowId: string): boolean {
    if (!this.#store) return true;
    const shard = shardOf(workflowId, this.#store.shardCount);
    return this.#held.has(shard) && !this.#recovering.has(shard);
  }

  /** {@inheritDoc Fencing.fence} */
  fence(workflowId: WorkflowId): ShardFence | undefined {
    if (!this.#store) return undefined;
    const shard = shardOf(workflowId, this.#store.shardCount);
    const epoch = this.#held.get(shard);
    if (epoch === undefined) throw new ShardMovedError(workflowId, shard);
    return { shard, epoch };
  }

  /** {@inheritDoc Fencing.fenced} */
  fenced(workflowId: WorkflowId, error: FencedError): void {
    const shard = this.shardOf(workflowId);
    // A refusal of an epoch already given up (a late append) says nothing about the current one.
    if (this.#held.get(shard) !== error.fenceEpoch) return;
    this.port.logger.warn('append refused: the shard is another engine’s now; its runs are dropped here', {
      shard,
      workflowId,
      error: error.message,
    });
    this.#drop(shard);
    // Claim again now: a lease that only expired (a pause longer than the TTL, a store clock
    // that ran ahead) and that nobody took comes back at once, with a new epoch, and its runs
    // are recovered; one that another engine holds stays with it.
    this.port.lifecycle.track(this.renew());
  }

  /**
   * Claims this engine's first share of shards (the whole fair share at once), then renews on
   * the engine's clock. Nothing to do for a store without ownership.
   */
  async start(): Promise<void> {
    if (!this.#store || this.client) return;
    const startedAt = this.port.clock.now();
    const leases = await this.#store.claimShards(this.ownerId, { ttlMs: this.ttlMs });
    this.#claimedAt = startedAt;
    for (const lease of leases) this.#held.set(lease.shard, lease.epoch);
    this.#armRenewal(startedAt);
  }

  /** Stops renewing and gives the held shards back, so that others take them at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.port.timers.disarm('ownership/renew');
    if (!this.#store || this.#held.size === 0) return;
    const shards = this.heldShards();
    this.#held.clear();
    try {
      await this.#store.releaseShards(this.ownerId, shards);
    } catch (error) {
      this.port.logger.warn('could not release the shards at shutdown; they expire instead', { error });
    }
  }

  /**
   * Arms the next renewal a third of the TTL after the claim that began at `claimStartedAt`, or
   * at once if that has passed: counted from the claim's end, renewals would be a third of the
   * TTL plus a claim's duration apart, and claims slowed by a busy machine would come after
   * their leases expired.
   */
  #armRenewal(claimStartedAt: number): void {
    if (this.#stopped) return;
    const due = Math.max(this.port.clock.now(), claimStartedAt + this.ttlMs / 3);
    this.port.timers.arm('ownership/renew', due, () => this.port.lifecycle.track(this.renew()));
  }

  /**
   * One renewal: claims again, drops the shards no longer returned (or returned with another
   * epoch), and queues the recovery of the new ones. A failed claim keeps the leases until the
   * engine's own count of the TTL runs out, then drops every shard (the store has given them up
   * by then). The renewal does not wait for the recovery: a recovery of many runs may last
   * longer than a TTL, and the leases held, those being recovered included, must not lapse
   * meanwhile (lapsed, they are fenced at the next append, claimed and recovered again: a loop).
   */
  async renew(): Promise<void> {
    const store = this.#store;
    if (!store || this.client || this.#renewing || this.#stopped || this.port.lifecycle.closing) return;
    this.#renewing = true;
    const startedAt = this.port.clock.now();
    try {
      let leases: Awaited<ReturnType<OwnershipStore['claimShards']>>;
      try {
        leases = await store.claimShards(this.ownerId, {
          ttlMs: this.ttlMs,
          maxNewShards: this.#maxNewShards,
        });
      } catch (error) {
        if (this.port.lifecycle.closing) return;
        this.port.logger.warn('lease renewal failed', { ownerId: this.ownerId, error });
        if (this.port.clock.now() - this.#claimedAt >= this.ttlMs) {
          for (const shard of this.heldShards()) this.#drop(shard);
        }
        return;
      }
      if (this.#stopped || this.port.lifecycle.closing) return;
      this.#claimedAt = startedAt;
      const now = new Map(leases.map((lease) => [lease.shard, lease.epoch]));
      for (const [shard, epoch] of [...this.#held]) {
        if (now.get(shard) !== epoch) this.#drop(shard);
      }
      const gained: number[] = [];
      for (const [shard, epoch] of now) {
        if (this.#held.has(shard)) continue;
        this.#held.set(shard, epoch);
        gained.push(shard);
      }
      if (gained.length > 0) {
        const tenures = new Map(gained.map((shard) => [shard, now.get(shard) as number]));
        for (const [shard, epoch] of tenures) this.#recovering.set(shard, epoch);
        this.port.lifecycle.track(this.#afterEarlierRecoveries(gained, () => this.#recoverClaimed(tenures)));
      }
    } finally {
      this.#renewing = false;
      this.#armRenewal(startedAt);
    }
  }

  /**
   * Recovers the shards claimed at start, through `recover` (`Engine.create`'s recovery), as a
   * renewal's claims are recovered: a renewal that claims one of them again after losing it
   * waits for this recovery, and the runs it entered for a shard lost meanwhile leave memory.
   */
  recoverStartShards(recover: (shards: readonly number[]) => Promise<void>): Promise<void> {
    const tenures = new Map(this.#held);
    return this.#afterEarlierRecoveries([...tenures.keys()], async () => {
      try {
        await recover([...tenures.keys()]);
      } finally {
        this.#dropLeftovers(tenures);
      }
    });
  }

  /**
   * Runs `recovery` of `shards` once the earlier recoveries of any of them have ended; a
   * recovery of other shards goes on beside it.
   */
  #afterEarlierRecoveries(shards: readonly number[], recovery: () => Promise<void>): Promise<void> {
    const earlier = shards.flatMap((shard) => this.#recoveries.get(shard) ?? []);
    const run = Promise.all(earlier).then(recovery);
    const settled = run.catch(() => {}); // the caller sees the failure
    for (const shard of shards) this.#recoveries.set(shard, settled);
    void settled.then(() => {
      for (const shard of shards) if (this.#recoveries.get(shard) === settled) this.#recoveries.delete(shard);
    });
    return run;
  }

  /** The runs left in memory for shards of `tenures` (shard → epoch) no longer held under that epoch leave. */
  #dropLeftovers(tenures: ReadonlyMap<number, number>): void {
    for (const [shard, epoch] of tenures) if (this.#held.get(shard) !== epoch) this.#dropRuns(shard);
  }

  /**
   * Recovers shards claimed by a renewal (shard → epoch claimed), then serves them and reads
   * their inbox. Runs still in memory for them are leftovers of an earlier tenure (entered by a
   * recovery or a replay after the shard was lost) and leave first: recovery would pass over
   * them, and they know nothing of what the owners since have recorded. A shard lost before or
   * during its recovery is not served: the runs the recovery entered for it leave again.
   */
  async #recoverClaimed(tenures: ReadonlyMap<number, number>): Promise<void> {
    const current = () => [...tenures].filter(([shard, epoch]) => this.#held.get(shard) === epoch);
    try {
      const shards = current().map(([shard]) => shard);
      if (shards.length === 0 || this.#stopped || this.port.lifecycle.closing) return;
      for (const shard of shards) this.#dropRuns(shard);
      await this.port.recover(shards);
      this.port.pollInbox();
    } catch (error) {
      // Not served until recovered: given up here (the store still counts them ours), so the
      // next renewal returns them as new and recovers them again.
      this.port.logger.warn('recovery of newly claimed shards failed; tried again at the next renewal', {
        shards: [...tenures.keys()],
        error,
      });
      for (const [shard] of current()) this.#drop(shard);
    } finally {
      for (const [shard, epoch] of tenures)
        if (this.#recovering.get(shard) === epoch) this.#recovering.delete(shard);
      this.#dropLeftovers(tenures);
    }
  }

  /**
   * Drops a shard: this engine writes nothing more for it. Its runs leave memory at once (their
   * actors stopped, their activity attempts aborted, their execution timeouts disarmed), and
   * whoever waits on them is told (`ShardMovedError`), or, for result waiters, reads again.
   */
  #drop(shard: number): void {
    if (!this.#held.delete(shard)) return;
    this.#dropRuns(shard);
  }

  /** The runs of a shard not held (any more) leave memory; what else runs per shard stops. */
  #dropRuns(shard: number): void {
    const { table, residency, supervision, activities, lifecycle } = this.port;
    for (const entry of [...table.entries()]) {
      if (this.shardOf(entry.workflowId) !== shard) continue;
      table.remove(entry);
      residency.forget(entry.workflowId);
      this.port.disarmExecutionTimeout(entry);
      activities.cancelRun(entry.workflowId, entry.runId);
      const moved = new ShardMovedError(entry.workflowId, shard);
      for (const item of entry.takePending()) item.ack?.reject(moved);
      entry.stop();
      if (supervision.has(entry)) lifecycle.track(supervision.stopRun(entry));
      table.changed(entry.workflowId);
    }
    // Another engine may start those workflows again: their outcomes here may go stale.
    table.closedOutcomes.forgetWhere((workflowId) => this.shardOf(workflowId) === shard);
    this.port.dropped(shard);
  }
}
