// 1,000 schedules firing every second on the virtual clock: every fire starts its workflow, and
// what a schedule keeps in memory stays bounded (ten recent actions, nothing waiting or open).
// The full minute is schedules-load.soak.test.ts; time and heap figures: bench/schedules.
import { runScheduleLoad } from './schedules-load.js';

// Two seconds of fires: a thousand fires due at each instant is the load; more seconds only
// repeat it (the soak version runs sixty), and five ran out of the 60 s limit on a busy machine.
// The work is fixed (virtual clock): the limit, now 300 s, only bounds a hang.
it('1,000 schedules every second for 2 s: 2,000 fires, each one workflow, all completed', async () => {
  const outcome = await runScheduleLoad(1000, 2);
  expect(outcome).toEqual({
    workflows: 2000,
    completed: 2000,
    running: 0,
    firstSchedule: 2,
    lastSchedule: 2,
    schedules: 1000,
    kept: [
      { recent: 2, waiting: 0, open: 0 },
      { recent: 2, waiting: 0, open: 0 },
    ],
  });
}, 300_000);
