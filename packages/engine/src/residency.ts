/**
 * Residency: which runs keep their actor and interpreter in memory. Beyond `maxResident`, the
 * least recently used runs that wait on something are evicted (their actor stops; replay
 * rebuilds them when input arrives); with `hibernateAfter`, a run that has waited that long
 * hibernates under its supervisor. Input for a run not in memory brings it back (`rehydrate`), at
 * most `REHYDRATING_AT_ONCE` replays at a time.
 */
import type { Clock } from '@reprise/actors';
import type { WorkflowId } from '@reprise/core';
import type { ActivityExecutor } from './activity-executor.js';
import { EngineClosedError, type Lifecycle } from './lifecycle.js';
import type { Run } from './run.js';
import { type RunEntry, waitingRun } from './run-entry.js';
import type { RunTable } from './run-table.js';
import type { RunSupervision } from './supervision.js';
import type { TimerService } from './timer-service.js';

/** What residency acts through. */
export interface ResidencyPort {
  readonly clock: Clock;
  readonly table: RunTable;
  readonly supervision: RunSupervision;
  readonly timers: TimerService;
  readonly activities: ActivityExecutor;
  readonly lifecycle: Lifecycle;
  /** The most runs kept in memory. */
  readonly maxResident: number;
  /** How long a run waits before it hibernates; infinite when off. */
  readonly hibernateAfter: number;
}

/**
 * How many runs may be replaying at once to take input that arrived while they were out of
 * memory; more wait their turn, their input held. A burst of input for thousands of suspended or
 * hibernated runs (signals to 100,000 runs after a restart) then replays them a few at a time, as
 * recovery does, instead of holding every replay's garbage at once: measured over 20,000 runs
 * woken by a signal each, 1,000 signals at a time, about 11% less CPU with 32 than unbounded.
 */
const REHYDRATING_AT_ONCE = 32;

export class Residency {
  /**
   * Entries whose run actor is alive. Eviction goes by `#quiet`'s order, so this one keeps none:
   * a use of a run already in it changes nothing (a delete and a set at every step of every run
   * made the map rehash its table over and over).
   */
  readonly #resident = new Map<WorkflowId, RunEntry>();
  /**
   * Resident entries whose run began to wait and was not used since, longest waiting first: the
   * candidates for eviction. Kept apart so that an eviction pass looks only at runs it may evict,
   * not past every run still replaying or working (recovery starts thousands at once).
   */
  readonly #quiet = new Map<WorkflowId, RunEntry>();
  /**
   * Whether runs are ever evicted (`maxResident` is finite). Without a bound, `#quiet` would only
   * be written (a delete and a set at every step of every run), never read: it is not kept.
   */
  readonly #evicts: boolean;
  /**
   * Whether `#resident` is kept: only eviction and hibernation read it. With neither (the
   * default), every run's start and close would set and delete an entry that nobody reads, in a
   * map that grows and shrinks with the runs in flight.
   */
  readonly #keepsResident: boolean;
  #evictionQueued = false;
  #hibernationRoundArmed = false;
  /** Runs replaying to take input that arrived while they were out of memory. */
  #rehydrating = 0;
  /** Runs with input held, waiting for a turn to replay, in arrival order. */
  readonly #rehydrateQueue = new Map<WorkflowId, RunEntry>();

  constructor(private readonly port: ResidencyPort) {
    this.#evicts = port.maxResident !== Number.POSITIVE_INFINITY;
    this.#keepsResident = this.#evicts || port.hibernateAfter !== Number.POSITIVE_INFINITY;
  }

  /** Starts the run actor of an entry; `starting` keeps a second start from racing it. */
  startActor(entry: RunEntry): Promise<void> {
    entry.starting = true;
    this.touch(entry);
    // Chained rather than awaited: thousands of starts in flight would each hold a frame.
    return this.port.supervision.startRun(entry).then(
      () => {
        entry.starting = false;
      },
      (error: unknown) => {
        entry.starting = false;
        throw error;
      },
    );
  }

  /**
   * Starts the actor of a suspended run again (or wakes a hibernated one); replay rebuilds it,
   * then it takes its pending input. Nothing to do while an actor is alive or starting (a crashed
   * one is being restarted by its supervisor, and its next run takes the pending input too).
   * Beyond `REHYDRATING_AT_ONCE` replays under way, the run waits in line.
   */
  rehydrate(entry: RunEntry): void {
    const { supervision, lifecycle } = this.port;
    if (entry.starting || lifecycle.closing || this.#rehydrateQueue.has(entry.workflowId)) return;
    if (!supervision.hibernating(entry) && supervision.has(entry)) return;
    if (this.#rehydrating >= REHYDRATING_AT_ONCE) {
      this.#rehydrateQueue.set(entry.workflowId, entry);
      return;
    }
    this.#rehydrating++;
    lifecycle.track(this.#bringBack(entry).finally(() => this.#rehydrated()));
  }

  /** Wakes or starts the run's actor; resolves once its replay is done. */
  async #bringBack(entry: RunEntry): Promise<void> {
    const { supervision } = this.port;
    if (supervision.hibernating(entry)) {
      this.touch(entry);
      supervision.wakeRun(entry);
    } else {
      await this.startActor(entry);
    }
    await entry.run?.ready;
  }

  /**
   * A replay is done: the next runs in line take their turn. Once shutdown has begun none will,
   * and the callers of the input they hold learn so.
   */
  #rehydrated(): void {
    this.#rehydrating--;
    for (const next of this.#rehydrateQueue.values()) {
      if (this.#rehydrating >= REHYDRATING_AT_ONCE && !this.port.lifecycle.closing) return;
      this.#rehydrateQueue.delete(next.workflowId);
      if (this.port.table.get(next.workflowId) !== next) continue;
      if (this.port.lifecycle.closing) {
        for (const item of next.takePending()) item.ack?.reject(new EngineClosedError());
        continue;
      }
      this.rehydrate(next);
    }
  }

  /** The run was used: it is resident, and no longer waiting with nothing to do. */
  touch(entry: RunEntry): void {
    if (!this.#keepsResident) return;
    this.#resident.set(entry.workflowId, entry);
    if (this.#evicts) this.#quiet.delete(entry.workflowId);
    this.#scheduleEviction();
  }

  /** The workflow's run left memory for good (closed, or its start abandoned). */
  forget(workflowId: WorkflowId): void {
    this.#resident.delete(workflowId);
    this.#quiet.delete(workflowId);
    this.#rehydrateQueue.delete(workflowId);
  }

  /** A run began to wait: a moment to evict others, and the start of its wait for hibernation. */
  waiting(run: Run): void {
    const { hibernateAfter, table, clock } = this.port;
    // Neither evicted nor hibernated (the default): nothing to note, not even a lookup.
    if (!this.#evicts && hibernateAfter === Number.POSITIVE_INFINITY) return;
    const entry = table.get(run.workflowId);
    if (this.#evicts && entry?.run === run && this.#resident.has(run.workflowId)) {
      this.#quiet.delete(run.workflowId);
      this.#quiet.set(run.workflowId, entry);
    }
    this.#scheduleEviction();
    if (hibernateAfter === Number.POSITIVE_INFINITY) return;
    if (entry?.run !== run) return;
    entry.quietSince = clock.now();
    if (!this.#hibernationRoundArmed) this.#armHibernationRound(entry.quietSince + hibernateAfter);
  }

  #scheduleEviction(): void {
    if (this.#resident.size <= this.port.maxResident || this.#evictionQueued) return;
    this.#evictionQueued = true;
    queueMicrotask(() => {
      this.#evictionQueued = false;
      this.#evict();
    });
  }

  /** Evicts the runs that have waited longest, down to `maxResident`. */
  #evict(): void {
    let excess = this.#resident.size - this.port.maxResident;
    for (const entry of this.#quiet.values()) {
      if (excess <= 0) break;
      this.#quiet.delete(entry.workflowId);
      const run = waitingRun(entry);
      // No longer waiting (input is on its way, or it hibernated): it comes back when it waits.
      if (!run || !this.#resident.has(entry.workflowId)) continue;
      this.#resident.delete(entry.workflowId);
      excess--;
      run.requestStop();
      this.port.lifecycle.track(this.port.supervision.stopRun(entry));
    }
  }

  /** The next round of `#hibernateQuiet`: on the clock, or in a microtask when runs hibernate at once. */
  #armHibernationRound(at: number): void {
    this.#hibernationRoundArmed = true;
    if (this.port.hibernateAfter === 0) queueMicrotask(() => this.#hibernateQuiet());
    else this.port.timers.arm('hibernation', at, () => this.#hibernateQuiet());
  }

  /**
   * Hibernates the resident runs that have waited `hibernateAfter` with no activity attempt
   * running; the next round comes when the earliest of the others is due, at least a quarter
   * of `hibernateAfter` later, so a round's cost is shared by many runs.
   */
  #hibernateQuiet(): void {
    this.#hibernationRoundArmed = false;
    const { lifecycle, clock, hibernateAfter, supervision } = this.port;
    if (lifecycle.closing) return;
    const now = clock.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const entry of this.#resident.values()) {
      const run = waitingRun(entry);
      if (!run || entry.stalled || run.stopping || this.#attemptRunning(run)) continue;
      const due = entry.quietSince + hibernateAfter;
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      if (supervision.hibernateRun(entry)) {
        this.#resident.delete(entry.workflowId);
        this.#quiet.delete(entry.workflowId);
      }
    }
    if (nextDue !== Number.POSITIVE_INFINITY) {
      this.#armHibernationRound(Math.max(nextDue, now + hibernateAfter / 4));
    }
  }

  /**
   * Whether one of the run's activities has an attempt running. One waiting for its retry does
   * not count: its timer outlives the run's interpreter, and the attempt's end wakes the run.
   */
  #attemptRunning(run: Run): boolean {
    for (const activityId of run.activities.keys()) {
      if (this.port.activities.isRunning(run.workflowId, activityId)) return true;
    }
    return false;
  }
}
