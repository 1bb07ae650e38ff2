import {
  type AppendResult,
  ConcurrencyConflict,
  type EventBody,
  type EventStore,
  envelopeEvents,
  FencedError,
  type InboxConsumption,
  type ShardFence,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';

/**
 * How a writer fences its appends (`shard-ownership.ts`): the fence of the workflow's shard, or
 * a throw when this engine does not own it; and who hears of a refused fence.
 */
export interface Fencing {
  /** The fence for an append to the workflow; `undefined` for a store with no ownership. */
  fence(workflowId: WorkflowId): ShardFence | undefined;
  /** An append was refused: the shard is no longer this engine's. */
  fenced(workflowId: WorkflowId, error: FencedError): void;
}

/** A settled promise, shared: what an idle writer, a start already recorded, a run with no effects hold. */
export const SETTLED: Promise<void> = Promise.resolve();

/**
 * The single writer of one workflow's history. It knows the head seq, so each append is
 * conditional on nobody else having written since; and it runs the workflow's writes one at a
 * time (`exclusive`), so reading the history and deciding what to append is never interleaved
 * with another writer in this process. A writer in another process shows up as a
 * `ConcurrencyConflict`, after which the caller re-reads (`sync`).
 */
export class Recorder {
  #head = 0;
  #tail: Promise<unknown> = SETTLED;
  #busy = 0;

  constructor(
    readonly workflowId: WorkflowId,
    private readonly store: EventStore,
    private readonly fencing?: Fencing,
  ) {}

  /** The last seq this writer knows of. */
  get head(): number {
    return this.#head;
  }

  /** Whether work is queued or running (the recorder can be dropped when not). */
  get idle(): boolean {
    return this.#busy === 0;
  }

  /**
   * Runs `task` after every task queued before it; the result is the task's own. An idle writer
   * starts it at once (a run's steps nearly always find theirs idle).
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    // The tail may be a run's step write, which can reject (see `appendInTurn`): what is queued
    // behind it runs either way.
    const run = this.#busy++ === 0 ? startNow(task) : this.#tail.then(task, task);
    this.#tail = run.then(
      () => this.#settled(),
      () => this.#settled(),
    );
    return run;
  }

  #settled(): void {
    // An idle writer holds no promise of its own: thousands of waiting runs each have one.
    if (--this.#busy === 0) this.#tail = SETTLED;
  }

  /** Takes the head from a history just read. */
  sync(history: readonly WorkflowEvent[]): void {
    this.#head = history.length === 0 ? 0 : (history[history.length - 1] as WorkflowEvent).seq;
  }

  /** Reads the whole history and takes its head. */
  async read(): Promise<WorkflowEvent[]> {
    const history = await this.store.readHistory(this.workflowId);
    this.sync(history);
    return history;
  }

  /**
   * Appends bodies as the next events, all recorded at `recordedAt`. Call it inside `exclusive`.
   * `afterSeq` is the last event the caller has seen (the head by default): an append on top of
   * anything it has not seen fails with `ConcurrencyConflict`.
   */
  append(
    bodies: readonly EventBody[],
    recordedAt: number,
    afterSeq = this.#head,
    consumeInbox?: readonly InboxConsumption[],
  ): Promise<WorkflowEvent[]> {
    return this.#write(bodies, recordedAt, afterSeq, consumeInbox, false, false);
  }

  /**
   * `append` in the writer's turn (as `exclusive` runs it), for a writer that has seen the
   * history through `afterSeq` (a run's step, its final step): on a `ConcurrencyConflict`
   * another writer got there first, and the head is read again before the error goes on.
   */
  appendInTurn(bodies: readonly EventBody[], recordedAt: number, afterSeq: number): Promise<WorkflowEvent[]> {
    if (this.#busy !== 0)
      return this.exclusive(() => this.#write(bodies, recordedAt, afterSeq, undefined, true, false));
    // An idle writer (a run's step nearly always finds it so) writes at once, and the write
    // itself ends the turn: no task closure, and no promise chained on it to count it done,
    // lives while the run waits for its commit. What is queued meanwhile chains on the write.
    this.#busy++;
    const written = this.#write(bodies, recordedAt, afterSeq, undefined, true, true);
    this.#tail = written;
    return written;
  }

  /**
   * Appends `bodies` on top of `afterSeq`; `endsTurn`: the write's settling ends the writer's
   * turn (see `appendInTurn`), before whoever awaits it goes on. Not an async function: a step
   * waiting for its commit holds two small callbacks, not a suspended frame.
   */
  #write(
    bodies: readonly EventBody[],
    recordedAt: number,
    afterSeq: number,
    consumeInbox: readonly InboxConsumption[] | undefined,
    rereadOnConflict: boolean,
    endsTurn: boolean,
  ): Promise<WorkflowEvent[]> {
    let events: WorkflowEvent[];
    let appended: Promise<AppendResult>;
    try {
      events = envelopeEvents(this.workflowId, afterSeq, recordedAt, bodies);
      const fence = this.fencing?.fence(this.workflowId);
      appended = this.store.append(
        this.workflowId,
        events,
        fence === undefined
          ? { expectedSeq: afterSeq }
          : { expectedSeq: afterSeq, fence, ...(consumeInbox ? { consumeInbox } : {}) },
      );
    } catch (error) {
      appended = Promise.reject(error);
      events = [];
    }
    return appended.then(
      (result) => {
        this.#head = result.lastSeq;
        if (endsTurn) this.#settled();
        return events;
      },
      (error: unknown) => this.#writeFailed(error, rereadOnConflict, endsTurn),
    );
  }

  async #writeFailed(error: unknown, rereadOnConflict: boolean, endsTurn: boolean): Promise<never> {
    try {
      if (error instanceof FencedError) this.fencing?.fenced(this.workflowId, error);
      if (rereadOnConflict && error instanceof ConcurrencyConflict) await this.read();
    } finally {
      if (endsTurn) this.#settled();
    }
    throw error;
  }
}

/** Starts `task` now; a synchronous throw becomes its rejection, as if it had been queued. */
function startNow<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}
