import type { FireTimes } from './spec.js';

/**
 * What happens to fires that were missed (the engine was down, or so busy that it handled them
 * late): `all` takes each in order, `one` (default) takes only the latest, `skip` takes none.
 */
export type CatchUpPolicy = 'all' | 'one' | 'skip';

/** Every catch-up policy, for checking input. */
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['all', 'one', 'skip'];

/** A fire handled more than this long after its nominal time counts as missed. */
export const MISSED_AFTER_MS = 1000;

/** One step of bringing a schedule up to date: take a fire, or pass over a range of them. */
export type DueStep =
  | { readonly kind: 'fire'; readonly fireAt: number }
  | {
      readonly kind: 'skip';
      /** The first and last nominal fire passed over (every fire between them is too). */
      readonly from: number;
      readonly upTo: number;
      readonly reason: 'catchUp' | 'catchUpWindow';
    };

/** The catch-up settings a schedule has. */
export interface CatchUpSettings {
  readonly catchUp: CatchUpPolicy;
  /** How late a fire may still be taken, in ms; older fires are passed over whatever the policy. */
  readonly catchUpWindow: number;
}

/**
 * The steps that bring a schedule whose fires up to `cursor` were handled up to `now`, in time
 * order. Fires older than the catch-up window are passed over as one range; fires missed
 * (over {@link MISSED_AFTER_MS} late) follow the catch-up policy; fires on time are taken.
 * A generator: a long backlog under `all` is walked one fire at a time, never held whole.
 */
export function* dueSteps(
  times: FireTimes,
  cursor: number,
  now: number,
  settings: CatchUpSettings,
): Generator<DueStep> {
  let next = times.after(cursor);
  if (next === undefined || next > now) return;
  const windowStart = now - settings.catchUpWindow;
  if (next < windowStart) {
    const lastExpired = times.atOrBefore(windowStart - 1) as number;
    yield { kind: 'skip', from: next, upTo: lastExpired, reason: 'catchUpWindow' };
    next = times.after(lastExpired);
  }
  const missedUpTo = now - MISSED_AFTER_MS - 1; // more than MISSED_AFTER_MS late
  if (next !== undefined && next <= missedUpTo) {
    const lastMissed = times.atOrBefore(missedUpTo) as number;
    switch (settings.catchUp) {
      case 'all':
        while (next !== undefined && next <= lastMissed) {
          yield { kind: 'fire', fireAt: next };
          next = times.after(next);
        }
        break;
      case 'one':
        if (next < lastMissed) {
          yield {
            kind: 'skip',
            from: next,
            upTo: times.atOrBefore(lastMissed - 1) as number,
            reason: 'catchUp',
          };
        }
        yield { kind: 'fire', fireAt: lastMissed };
        next = times.after(lastMissed);
        break;
      case 'skip':
        yield { kind: 'skip', from: next, upTo: lastMissed, reason: 'catchUp' };
        next = times.after(lastMissed);
        break;
    }
  }
  while (next !== undefined && next <= now) {
    yield { kind: 'fire', fireAt: next };
    next = times.after(next);
  }
}
