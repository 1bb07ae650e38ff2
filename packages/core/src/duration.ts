import { DurationError } from './errors.js';

/** Milliseconds, or a string of a number and a unit: `'250ms'`, `'5s'`, `'2m'`, `'1h'`, `'1d'`, `'1.5h'`. */
export type Duration = number | `${number}${DurationUnit}`;
/** The units a duration string may use. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const unitMs: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const durationPattern = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)\s*$/;

/**
 * The number of milliseconds a duration denotes, rounded to a whole millisecond.
 * Throws `DurationError` (code `invalid_duration`) naming the value for anything else:
 * negative or non-finite numbers, unknown units, empty strings.
 */
export function toMs(duration: Duration | string): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw new DurationError(duration);
    return Math.round(duration);
  }
  if (typeof duration !== 'string') throw new DurationError(duration);
  const match = durationPattern.exec(duration);
  if (!match) throw new DurationError(duration);
  const ms = Number(match[1]) * unitMs[match[2] as DurationUnit];
  if (!Number.isFinite(ms)) throw new DurationError(duration);
  return Math.round(ms);
}
