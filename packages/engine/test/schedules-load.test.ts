// 1,000 schedules firing every second on the virtual clock: every fire starts its workflow, and
// what a schedule keeps in memory stays bounded (ten recent actions, nothing waiting or open).
// The full minute is schedules-load.soak.test.ts; time and heap figures: bench/schedules.
import { runScheduleLoad } from './schedules-load.js';

it('1,000 schedules every second for 5 s: 5,000 fires, each one workflow, all completed', async () => {
  const outcome = await runScheduleLoad(1000, 5);
  expect(outcome).toEqual({
    workflows: 5000,
    completed: 5000,
    running: 0,
    firstSchedule: 5,
    lastSchedule: 5,
    schedules: 1000,
    kept: [
      { recent: 5, waiting: 0, open: 0 },
      { recent: 5, waiting: 0, open: 0 },
    ],
  });
}, 60_000);
