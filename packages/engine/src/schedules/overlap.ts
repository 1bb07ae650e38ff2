/**
 * What a fire does while a workflow the schedule started is still open, named as Temporal names
 * its overlap policies:
 * - `skip` (default): the fire is passed over.
 * - `bufferOne`: the fire waits and starts when the open run closes; at most one fire waits,
 *   later ones are passed over.
 * - `bufferAll`: every fire waits, and they start one after another as runs close.
 * - `cancelOther`: the open run is asked to cancel; the fire waits for it to close, then starts.
 *   At most one fire waits, as with `bufferOne`.
 * - `terminateOther`: the open run is ended at once (recorded Terminated, no clean-up code runs)
 *   and the fire starts.
 * - `allowAll`: the fire starts; any number of runs may be open together.
 *
 * The names (`OverlapPolicy`, `OVERLAP_POLICIES`) are part of the model, since a
 * `ScheduleTriggered` records the policy a trigger or backfill gave: they live in `@reprise/core`
 * and are exported from here too. This file states what they mean.
 */
import type { OverlapPolicy } from '@reprise/core';

export { OVERLAP_POLICIES, type OverlapPolicy } from '@reprise/core';

/**
 * Whether a new fire is taken (recorded, then started now or when its turn comes) or passed
 * over, given how many of the schedule's runs are open and how many taken fires wait to start.
 */
export function admitFire(policy: OverlapPolicy, open: number, waiting: number): 'take' | 'skip' {
  switch (policy) {
    case 'allowAll':
    case 'bufferAll':
    case 'terminateOther':
      return 'take';
    case 'skip':
      return open > 0 || waiting > 0 ? 'skip' : 'take';
    case 'bufferOne':
    case 'cancelOther':
      return waiting > 0 ? 'skip' : 'take';
  }
}

/**
 * What to do for the oldest waiting fire (taken under `policy`) while `open` runs of the
 * schedule are open: start it, make room first (cancel or terminate the open runs), or wait for
 * a run to close.
 */
export function nextForWaiting(
  policy: OverlapPolicy,
  open: number,
): 'start' | 'cancel' | 'terminate' | 'wait' {
  if (open === 0 || policy === 'allowAll') return 'start';
  if (policy === 'terminateOther') return 'terminate';
  if (policy === 'cancelOther') return 'cancel';
  return 'wait';
}

/**
 * The order in which fires recorded but never started wait again after a restart, given the
 * runs open then: a fire whose own policy (given by a trigger or backfill) acts on the open runs
 * instead of waiting for them (`nextForWaiting` is not `wait`) goes ahead of the others, as it
 * went ahead when it was taken; each group keeps the order the fires were recorded in.
 */
export function waitingOrder<Fire extends { readonly overlap?: OverlapPolicy }>(
  recorded: readonly Fire[],
  open: number,
): Fire[] {
  const first: Fire[] = [];
  const rest: Fire[] = [];
  for (const fire of recorded) (goesAhead(fire.overlap, open) ? first : rest).push(fire);
  return [...first, ...rest];
}

/**
 * Whether a fire given its own policy (by a trigger or backfill) goes ahead of the fires waiting
 * under the schedule's: its policy acts on the `open` runs instead of waiting for them.
 */
export function goesAhead(overlap: OverlapPolicy | undefined, open: number): boolean {
  return overlap !== undefined && nextForWaiting(overlap, open) !== 'wait';
}
