// 1,000 schedules firing every second for a minute on the virtual clock: 60,000 fires, each one
// workflow; each schedule keeps ten recent actions and nothing else. `npm run soak`.
import { runScheduleLoad } from './schedules-load.js';

it('1,000 schedules every second for 60 s: 60,000 fires, each one workflow, all completed', async () => {
  const outcome = await runScheduleLoad(1000, 60);
  expect(outcome).toEqual({
    workflows: 60_000,
    completed: 60_000,
    running: 0,
    firstSchedule: 60,
    lastSchedule: 60,
    schedules: 1000,
    kept: [
      { recent: 10, waiting: 0, open: 0 },
      { recent: 10, waiting: 0, open: 0 },
    ],
  });
}, 300_000);
