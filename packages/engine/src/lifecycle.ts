/**
 * The engine's lifecycle: whether it still takes work, and the work it started outside any
 * caller's await (exit handling, child starts, signal deliveries, timer fires). Shutdown waits
 * for that work before the store closes; `idle()` counts it as busy.
 */
import { RepriseError } from '@reprise/core';
import type { EngineLogger } from './options.js';

/** The engine has been shut down. */
export class EngineClosedError extends RepriseError {
  /** Always `engine_closed`. */
  readonly code = 'engine_closed';
  constructor() {
    super('the engine has been shut down');
  }
}

/** Whether the engine takes work, and what it has in flight. */
export class Lifecycle {
  /**
   * How much tracked work is in flight: a count, not a set of the tasks (every run's exit is
   * tracked, and a set of 10,000 rehashes as it grows and drains).
   */
  #inFlight = 0;
  /** Those waiting in `drain` for the count to reach 0. */
  #drainWaiters: (() => void)[] | undefined;
  #closing = false;
  #closed = false;

  constructor(private readonly logger: EngineLogger) {}

  /** Shutdown has begun: no new work is taken, failures of work in flight are expected. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Throws EngineClosedError once shutdown has begun. */
  assertOpen(): void {
    if (this.#closing || this.#closed) throw new EngineClosedError();
  }

  /** Starts shutting down; false if it had already begun. */
  beginShutdown(): boolean {
    if (this.#closing) return false;
    this.#closing = true;
    return true;
  }

  /** Shutdown is over. */
  closed(): void {
    this.#closed = true;
  }

  /**
   * Work started outside a caller's await; a failure is logged as `failure` (not while shutting
   * down), with the workflow it concerns when given.
   */
  track(task: Promise<unknown>, failure = 'background task failed', workflowId?: string): void {
    this.#inFlight++;
    // One then() both counts the task out and logs its failure: every run's exit comes through here.
    task.then(
      () => this.#settled(),
      (error: unknown) => {
        this.#settled();
        if (!this.#closing)
          this.logger.warn(failure, workflowId === undefined ? { error } : { workflowId, error });
      },
    );
  }

  #settled(): void {
    if (--this.#inFlight > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = undefined;
    if (waiters) for (const resolve of waiters) resolve();
  }

  /** How much tracked work is in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves once no tracked work is in flight, including work started meanwhile. */
  drain(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.#drainWaiters) this.#drainWaiters.push(resolve);
      else this.#drainWaiters = [resolve];
    });
  }
}
