/**
 * Restart intensity bookkeeping, as OTP's supervisor keeps it: the times of recent automatic
 * restarts in whole seconds of monotonic time. A restart is added (the current one included),
 * those older than the period are forgotten, and the supervisor gives up when more than
 * `intensity` remain.
 */

/** The seconds at which recent automatic restarts happened, newest last. */
export type RestartLog = readonly number[];

/** What recording one restart yields. */
export interface RestartVerdict {
  /** The log to keep. */
  readonly log: RestartLog;
  /** True when the restarts within the period now exceed the intensity: give up. */
  readonly exceeded: boolean;
}

/**
 * Records an automatic restart at monotonic time `nowMs`.
 *
 * Time is counted in whole seconds, as `erlang:monotonic_time(second)`: a restart made in
 * second `s` still counts in second `s + period/1000` and is forgotten after it.
 */
export function recordRestart(
  log: RestartLog,
  nowMs: number,
  intensity: number,
  periodMs: number,
): RestartVerdict {
  const now = Math.floor(nowMs / 1000);
  const threshold = now - periodMs / 1000;
  const kept = log.filter((second) => second >= threshold);
  kept.push(now);
  return { log: kept, exceeded: kept.length > intensity };
}
