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
  readonly #background = new Set<Promise<unknown>>();
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

  /** Work started outside a caller's await; a failure is logged (not while shutting down). */
  track(task: Promise<unknown>): void {
    // One then() both forgets the task and logs its failure: every run's exit comes through here.
    const tracked: Promise<void> = task.then(
      () => {
        this.#background.delete(tracked);
      },
      (error: unknown) => {
        this.#background.delete(tracked);
        if (!this.#closing) this.logger.warn('background task failed', { error });
      },
    );
    this.#background.add(tracked);
  }

  /** How much tracked work is in flight. */
  get inFlight(): number {
    return this.#background.size;
  }

  /** Resolves once no tracked work is in flight, including work started meanwhile. */
  async drain(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }
}
