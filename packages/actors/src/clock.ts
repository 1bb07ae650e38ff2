/**
 * Time for the actor system. This is the only module that reads the wall clock or arms real
 * timers; everything else asks a {@link Clock}, so tests can swap in a {@link VirtualClock}.
 */

/** Same shape as XState's own clock, so it can be passed to `createActor({ clock })`. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns an id for {@link Clock.clearTimeout}. */
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  /** Cancels a timer armed by {@link Clock.setTimeout}; unknown or fired ids are ignored. */
  clearTimeout(id: unknown): void;
}

/**
 * The longest delay one host timer can hold. Node and browsers store a delay in a signed 32-bit
 * integer and turn a longer one into 1 ms (with a `TimeoutOverflowWarning`), so a 30-day sleep
 * would fire at once and a re-arming caller would spin.
 */
export const MAX_HOST_TIMER_MS = 2 ** 31 - 1;

/** A {@link systemClock} timer: the host timer armed for the piece of the delay now running. */
interface PiecewiseTimer {
  current: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Arms `fn` after `ms` as a chain of host timers of at most {@link MAX_HOST_TIMER_MS} each, so
 * every delay fires at its time and never early. The pieces count elapsed delay, not the wall
 * clock, as a single host timer does.
 */
function armInPieces(fn: (...args: unknown[]) => void, ms: number): PiecewiseTimer {
  const timer: PiecewiseTimer = { current: undefined };
  const arm = (remaining: number): void => {
    timer.current =
      remaining > MAX_HOST_TIMER_MS
        ? setTimeout(() => arm(remaining - MAX_HOST_TIMER_MS), MAX_HOST_TIMER_MS)
        : setTimeout(fn, remaining);
  };
  // Same reading of odd delays as VirtualClock: negative, NaN or infinite means "now".
  arm(Number.isFinite(ms) && ms > 0 ? ms : 0);
  return timer;
}

/**
 * The real clock: `Date.now()` and the host's timers. Any delay may be given: one longer than a
 * host timer can hold (2^31-1 ms) is armed in pieces, each at most that long.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => armInPieces(fn, ms),
  clearTimeout: (id) => {
    const current = (id as Partial<PiecewiseTimer> | null | undefined)?.current;
    if (current !== undefined) clearTimeout(current);
  },
};

interface VirtualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: (...args: unknown[]) => void;
}

/**
 * Lets every pending promise reaction run: resolves on the host's next macrotask turn, after
 * the microtask queue has drained. Arms no timer that could outlive it.
 */
function yieldToHost(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (immediate !== undefined) return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Deterministic clock for tests and simulations: time only moves when told to.
 *
 * Timers fire in due-time order, ties in the order they were armed. After each one the host's
 * microtasks are allowed to settle, so timers armed by a fired callback (or by the promise
 * chains it started) are honoured when they fall inside the window being advanced.
 */
export class VirtualClock implements Clock {
  private time: number;
  private nextId = 1;
  /** Pending timers, kept sorted by (at, id). */
  private timers: VirtualTimer[] = [];

  /** @param startAt - the initial epoch-ms reading; 0 by default. */
  constructor(startAt = 0) {
    this.time = startAt;
  }

  /** The virtual time, epoch ms. */
  now(): number {
    return this.time;
  }

  /** Arms a virtual timer due at `now() + max(0, ms)`. */
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: VirtualTimer = { id: this.nextId++, at: this.time + delay, fn };
    // Insert after every timer due at the same time or earlier (creation order for ties).
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid]!.at <= timer.at) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
    return timer.id;
  }

  /** Cancels a pending virtual timer. */
  clearTimeout(id: unknown): void {
    const index = this.timers.findIndex((t) => t.id === id);
    if (index >= 0) this.timers.splice(index, 1);
  }

  /** When the earliest armed timer is due, or `undefined` when none is armed. */
  nextTimerAt(): number | undefined {
    return this.timers[0]?.at;
  }

  /** How many timers are armed and not yet fired. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing due timers in time order (ties in creation order) and
   * letting microtasks settle after each, then sets the time to exactly `now() + ms`.
   * `advance(0)` fires timers already due and settles pending promise chains.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + Math.max(0, ms);
    await yieldToHost();
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > target) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fn();
      await yieldToHost();
    }
    this.time = target;
    await yieldToHost();
  }

  /** Advances to the next pending timer and fires it; resolves `false` when none is pending. */
  async runNext(): Promise<boolean> {
    await yieldToHost();
    const next = this.timers.shift();
    if (next === undefined) return false;
    this.time = Math.max(this.time, next.at);
    next.fn();
    await yieldToHost();
    return true;
  }
}
