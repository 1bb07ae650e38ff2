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
 * (`close`), and an admitted start must not wait on its commit through a frame of ours.
 */
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
   * `start()` once a slot is free, holding the slot until the promise it returns settles; what
   * that promise gives. Refused with the `close` error once closed.
   */
  admit<T>(start: () => Promise<T>): Promise<T> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    if (this.#inProgress < this.limit) {
      this.#inProgress++;
      return this.#hold(start);
    }
    return new Promise<void>((admitted, refused) => {
      this.#queue.push({ admitted, refused });
    }).then(() => this.#hold(start));
  }

  /** Refuses every start still waiting with `error`, and every later one. */
  close(error: Error): void {
    this.#closedWith = error;
    const queue = this.#queue;
    const head = this.#head;
    this.#queue = [];
    this.#head = 0;
    for (let index = head; index < queue.length; index++) (queue[index] as QueuedStart).refused(error);
  }

  #hold<T>(start: () => Promise<T>): Promise<T> {
    let started: Promise<T>;
    try {
      started = start();
    } catch (error) {
      this.#release();
      return Promise.reject(error);
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
    next.admitted();
  };
}

interface QueuedStart {
  admitted(): void;
  refused(error: Error): void;
}

const DONE: QueuedStart = { admitted: () => undefined, refused: () => undefined };
