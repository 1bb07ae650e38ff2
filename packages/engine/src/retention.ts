/**
 * Retention: with the engine's `retention` option, closed workflows whose latest run closed
 * longer ago than that are deleted in the background (history, visibility row, index entries),
 * in batches of `RETENTION_BATCH`, each one atomic step of the store (`deleteClosed`). A sweep
 * runs when the engine starts and then every `sweepInterval(retention)`; a sweep goes through
 * every batch due, one after the other, and stops between batches when the engine shuts down.
 * What may be deleted is the store's rule (core's `retentionCandidates`): never an open
 * workflow, never a child whose parent still runs. On a store several engines share, each
 * engine deletes only in the shards it owns at the time of each batch.
 */
import type { Clock } from '@reprise/actors';
import type { RetentionStore, WorkflowId } from '@reprise/core';
import type { Lifecycle } from './lifecycle.js';
import type { EngineLogger } from './options.js';

/** How many workflows one retention batch deletes (one transaction of the store). */
export const RETENTION_BATCH = 100;

/** The longest wait between two sweeps. */
const MAX_SWEEP_INTERVAL_MS = 3_600_000;

/** How often retention sweeps: a tenth of the retention period, at most an hour, at least a second. */
export function sweepInterval(retentionMs: number): number {
  return Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1000, Math.floor(retentionMs / 10)));
}

/** What retention needs of the engine. */
export interface RetentionPort {
  readonly store: RetentionStore;
  readonly clock: Clock;
  readonly lifecycle: Lifecycle;
  readonly logger: EngineLogger;
  /**
   * The shards whose workflows this engine may delete: those it owns on a store shared by
   * several engines (each sweeps its own), `undefined` for a store it owns whole.
   */
  shards(): readonly number[] | undefined;
  /** Workflows it has just deleted (what is known of them in memory goes). */
  deleted(workflowIds: readonly WorkflowId[]): void;
}

/** The background deletion of workflows closed longer ago than the retention period. */
export class Retention {
  #timer: unknown;
  #stopped = false;

  constructor(
    private readonly port: RetentionPort,
    /** The retention period, in ms. */
    readonly retentionMs: number,
  ) {}

  /** Sweeps now, then every `sweepInterval`. */
  start(): void {
    this.#arm(0);
  }

  /** No more sweeps; a sweep under way stops after its current batch. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.port.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delay: number): void {
    if (this.#stopped) return;
    this.#timer = this.port.clock.setTimeout(() => {
      this.#timer = undefined;
      // Tracked: shutdown waits for the batch under way, idle() counts it as busy.
      this.port.lifecycle.track(this.#sweep().finally(() => this.#arm(sweepInterval(this.retentionMs))));
    }, delay);
  }

  /** Deletes every batch due now; how many workflows it deleted. */
  async #sweep(): Promise<number> {
    const closedBefore = this.port.clock.now() - this.retentionMs;
    let deleted = 0;
    let cursor: string | undefined;
    do {
      if (this.#stopped || this.port.lifecycle.closing) break;
      const shards = this.port.shards();
      if (shards?.length === 0) break;
      const batch = await this.port.store.deleteClosed({
        closedBefore,
        limit: RETENTION_BATCH,
        ...(cursor === undefined ? {} : { cursor }),
        ...(shards === undefined ? {} : { shards }),
      });
      deleted += batch.deleted.length;
      this.port.deleted(batch.deleted);
      cursor = batch.cursor;
    } while (cursor !== undefined);
    return deleted;
  }
}
