import type { Clock } from '@reprise/actors';

interface Entry {
  readonly key: string;
  readonly fireAt: number;
  /** Arming order: timers due at the same time fire in the order they were armed. */
  readonly order: number;
  fire: (data: never) => void;
  data: unknown;
}

/**
 * A timer's key, made flat: a template literal would keep a chain of string pieces per timer
 * besides the flat copy a map lookup makes of it, and thousands of runs each wait on a timer.
 */
export const timerKey = (...parts: string[]): string => parts.join('/');

/**
 * All of the engine's timers on one clock timeout: a min-heap by fire time, with the clock
 * armed for the earliest entry only. Cancelling removes an entry lazily. A timer whose time has
 * already passed fires on the next turn.
 */
export class TimerService {
  readonly #heap: Entry[] = [];
  readonly #live = new Map<string, Entry>();
  #armedFor: number | undefined;
  #armed = 0;
  #handle: unknown;
  #stopped = false;

  constructor(private readonly clock: Clock) {}

  /** How many timers are waiting. */
  get size(): number {
    return this.#live.size;
  }

  /**
   * Arms (or re-arms) the timer `key` to call `fire(data)` at `fireAt`. One `fire` shared by
   * many timers, each with its own `data`, costs less than a closure per timer.
   */
  arm<T>(key: string, fireAt: number, fire: (data: T) => void, data?: T): void {
    if (this.#stopped) return;
    // Arming again for the same time (a run rebuilt by replay) keeps the timer's place among
    // those due with it; the latest callback is the one called.
    const armed = this.#live.get(key);
    if (armed?.fireAt === fireAt) {
      armed.fire = fire;
      armed.data = data;
      return;
    }
    const entry: Entry = { key, fireAt, order: this.#armed++, fire, data };
    this.#live.set(key, entry);
    this.#push(entry);
    this.#schedule();
  }

  /** Disarms the timer `key`, if armed. */
  disarm(key: string): void {
    this.#live.delete(key);
  }

  /** Stops for good: nothing fires afterwards and no clock timeout is left behind. */
  stop(): void {
    this.#stopped = true;
    this.#live.clear();
    this.#heap.length = 0;
    if (this.#handle !== undefined) this.clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedFor = undefined;
  }

  #schedule(): void {
    this.#dropStale();
    const next = this.#heap[0];
    if (!next) {
      if (this.#handle !== undefined) this.clock.clearTimeout(this.#handle);
      this.#handle = undefined;
      this.#armedFor = undefined;
      return;
    }
    if (this.#armedFor !== undefined && this.#armedFor <= next.fireAt) return;
    if (this.#handle !== undefined) this.clock.clearTimeout(this.#handle);
    this.#armedFor = next.fireAt;
    this.#handle = this.clock.setTimeout(() => this.#fireDue(), Math.max(0, next.fireAt - this.clock.now()));
  }

  #fireDue(): void {
    this.#handle = undefined;
    this.#armedFor = undefined;
    const now = this.clock.now();
    const due: Entry[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (!top || top.fireAt > now) break;
      this.#pop();
      this.#live.delete(top.key);
      due.push(top);
    }
    for (const entry of due) entry.fire(entry.data as never);
    if (!this.#stopped) this.#schedule();
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (!top || this.#live.get(top.key) === top) return;
      this.#pop();
    }
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, heap[parent] as Entry)) break;
      heap[index] = heap[parent] as Entry;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Entry, heap[left] as Entry) ? right : left;
      if (!before(heap[child] as Entry, last)) break;
      heap[index] = heap[child] as Entry;
      index = child;
    }
    heap[index] = last;
  }
}

/** Whether `a` fires before `b`: earlier, or due at the same time and armed first. */
const before = (a: Entry, b: Entry): boolean =>
  a.fireAt < b.fireAt || (a.fireAt === b.fireAt && a.order < b.order);
