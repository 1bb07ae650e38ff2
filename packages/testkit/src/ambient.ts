/**
 * The ambient sources of non-determinism that workflow code must not read: the wall clock
 * (`Date.now()`, `new Date()`) and `Math.random()`. The checks set them for the time a
 * workflow runs, so that a first run and its replay see different values, as they would on a
 * real restart days later on another machine: code that branches on them then diverges every
 * time, not by chance.
 */
export interface Ambient {
  /** What `Date.now()` and `new Date()` read. */
  now(): number;
  /** What `Math.random()` draws. */
  random(): number;
}

let installed = false;

/** A generator of [0, 1) from a 32-bit seed (mulberry32): small, fast and reproducible. */
export function seededStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A stream that draws the same sequence as `seededStream(seed)` shifted by one half: every
 * draw lands on the other side of 0.5 from its twin, so `Math.random() < 0.5` flips.
 */
export function mirroredStream(seed: number): () => number {
  const twin = seededStream(seed);
  return () => (twin() + 0.5) % 1;
}

/**
 * Runs `fn` with `Date.now()`, `new Date()` (without arguments) and `Math.random()` reading
 * `ambient`, and puts the originals back when it settles. Only one such window may be open in
 * a process at a time: checks are not meant to run concurrently.
 */
export async function withAmbient<T>(ambient: Ambient, fn: () => Promise<T>): Promise<T> {
  // An invariant, so a plain Error: runCheck runs checks one at a time, and only a second copy
  // of the testkit in the same process could get here.
  if (installed)
    throw new Error('withAmbient: another check is running in this process; run checks one at a time');
  installed = true;
  const RealDate = globalThis.Date;
  const realRandom = Math.random;
  class AmbientDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(ambient.now());
      else super(...(args as [string | number]));
    }
    static override now(): number {
      return ambient.now();
    }
  }
  globalThis.Date = AmbientDate as DateConstructor;
  Math.random = () => ambient.random();
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
    Math.random = realRandom;
    installed = false;
  }
}
