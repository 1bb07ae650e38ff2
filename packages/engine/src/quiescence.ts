/**
 * Quiescence: whether the engine has anything in progress, for `engine.idle()` (tests and tools
 * on a virtual clock). Timers pending do not count: only the caller can move a virtual clock.
 */
import { settle } from '@reprise/core/internal';
import type { ActivityExecutor } from './activity-executor.js';
import type { Lifecycle } from './lifecycle.js';
import type { RunTable } from './run-table.js';
import type { RunSupervision } from './supervision.js';

/** How many event-loop turns without progress make running activities count as waiting. */
const IDLE_ACTIVITY_TURNS = 20;

/** What quiescence looks at. */
export interface QuiescencePort {
  readonly lifecycle: Lifecycle;
  readonly table: RunTable;
  readonly supervision: RunSupervision;
  readonly activities: ActivityExecutor;
}

/**
 * Resolves once nothing is in progress: every resident run waits for input, no activity attempt
 * runs, no append or exit handling is under way.
 */
export async function waitForQuiescence(port: QuiescencePort): Promise<void> {
  let quietTurns = 0;
  let waitingTurns = 0;
  let progress = -1;
  while (quietTurns < 3) {
    await settle();
    const state = quiescence(port);
    quietTurns = state === 'quiet' ? quietTurns + 1 : 0;
    // Attempts that make no progress for a while wait on something outside (often the
    // virtual clock that only the caller can move): the engine itself is idle.
    if (state === 'activities' && port.activities.progress === progress) {
      if (++waitingTurns >= IDLE_ACTIVITY_TURNS) return;
    } else {
      waitingTurns = 0;
    }
    progress = port.activities.progress;
  }
}

function quiescence({
  lifecycle,
  table,
  supervision,
  activities,
}: QuiescencePort): 'quiet' | 'activities' | 'busy' {
  if (lifecycle.inFlight > 0) return 'busy';
  for (const recorder of table.recorders()) if (!recorder.idle) return 'busy';
  for (const entry of table.entries()) {
    if (entry.stalled) continue;
    if (entry.starting || entry.pending.length > 0) return 'busy';
    if (supervision.has(entry) && !supervision.hibernating(entry) && !entry.run?.quiet) return 'busy';
  }
  return activities.running > 0 ? 'activities' : 'quiet';
}
