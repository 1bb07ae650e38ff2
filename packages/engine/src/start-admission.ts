/**
 * Admission of clients' starts: at most `limit` are in progress at once (from their check to
 * their WorkflowStarted durable, or their failure); the others wait their turn, first come first
 * served.
 *
 * Why: a burst of starts (10,000 `engine.start` calls in one turn) would otherwise register every
 * run, run every first step and put every start in one commit, and all those runs' state would
 * be alive at once across that commit and the next ones. The scavenger then copies and promotes
 * most of what the runs allocate, and collection takes a third of the main thread. Admitted a few
 * dozen at a time, the runs go through their commits in a pipeline, what they allocate dies young,
 * and the burst is done sooner (measured in the engine README, "Admission of starts").
 *
 * Hand-written rather than a limiter from npm: the queued starts must be refused at shutdown
 * (`close`), a queued start must cost no closure of its own (10,000 wait at once, long enough to
 * be promoted), and an admitted start must not wait on its commit through a frame of ours.
 */
import { InvalidArgumentError } from '@reprise/core';

/** `EngineOptions.maxConcurrentStarts` when not given (the figures are in the engine README). */
const DEFAULT_MAX_CONCURRENT_STARTS = 128;

/** `EngineOptions.maxConcurrentStarts`, checked: a whole number of at least 1, or Infinity. */
export function startAdmissionLimit(option: number | undefined): number {
  const limit = option ?? DEFAULT_MAX_CONCURRENT_STARTS;
  if (!(limit >= 1) || !(Number.isInteger(limit) || limit === Number.POSITIVE_INFINITY)) {
    throw new InvalidArgumentError(
      'maxConcurrentStarts',
      `${String(limit)} must be a whole number of at least 1, or Infinity`,
    );
  }
  return limit;
}

export class StartAdmission {
  #inProgress = 0;
  /** Starts waiting for a slot, oldest from `#head`; a slot freed goes straight to the oldest. */
  #queue: QueuedStart[] = [];
  #head = 0;
  #closedWith: Error | undefined;

  constructor(readonly limit: number) {}

  /** How many starts are in progress. */
  get inProgress(): number {
    return this.#inProgress;
  }

  /** How many starts wait for a slot. */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * `start(request, handle)` once a slot is free, holding the slot until the promise it returns
   * settles; what that promise gives. Refused with the `close` error once closed. The function
   * and its two arguments are kept as they are, so a waiting start costs no closure.
   */
  admit<R, H>(start: (request: R, handle: H) => Promise<H>, request: R, handle: H): Promise<H> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    if (this.#inProgress < this.limit) {
      this.#inProgress++;
      return this.#hold(start, request, handle);
    }
    return new Promise<H>((resolve, reject) => {
      this.#queue.push({ start, request, handle, resolve, reject } as QueuedStart);
    });
  }

  /** Refuses every start still waiting with `error`, and every later one. */
  close(error: Error): void {
    this.#closedWith = error;
    const queue = this.#queue;
    const head = this.#head;
    this.#queue = [];
    this.#head = 0;
    for (let index = head; index < queue.length; index++) (queue[index] as QueuedStart).reject(error);
  }

  #hold<R, H>(start: (request: R, handle: H) => Promise<H>, request: R, handle: H): Promise<H> {
    let started: Promise<H>;
    try {
      started = start(request, handle);
    } catch (error) {
      // Released a turn later, as a rejection is: a queue of starts that throw at once (the
      // engine closing) is not handed on in one ever deeper stack.
      started = Promise.reject(error);
    }
    started.then(this.#release, this.#release);
    return started;
  }

  /** The slot of a start that has settled: to the oldest waiting start, or free. */
  readonly #release = (): void => {
    if (this.#head === this.#queue.length) {
      this.#inProgress--;
      return;
    }
    const next = this.#queue[this.#head] as QueuedStart;
    this.#queue[this.#head++] = DONE;
    // Dropped in one splice once mostly consumed: shift() per start is O(n) on a long queue.
    if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#hold(next.start, next.request, next.handle).then(next.resolve, next.reject);
  };
}

/** A start waiting for its turn, and the promise its caller holds. */
interface QueuedStart {
  readonly start: (request: unknown, handle: unknown) => Promise<unknown>;
  readonly request: unknown;
  readonly handle: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const DONE: QueuedStart = {
  start: () => Promise.resolve(),
  request: undefined,
  handle: undefined,
  resolve: () => undefined,
  reject: () => undefined,
};
