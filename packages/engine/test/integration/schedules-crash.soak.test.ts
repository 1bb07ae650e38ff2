// Window (long version): 40 SIGKILLs around fire times and during recovery; afterwards no fire
// of the spec is lost and none is doubled. `npm run soak`.
import { tempDirs } from '@reprise/testkit/internal';
import { runScheduleCrashScenario } from './schedules-crash.js';

const dirs = tempDirs('schedule-crash-soak');
afterAll(() => dirs.removeAll());

it('after 40 SIGKILLs, every fire is recorded once and starts its workflow once', async () => {
  const outcome = await runScheduleCrashScenario(dirs.make(), 40, 20);
  expect(outcome.skipped).toBe(0);
  expect(outcome.recorded).toEqual(outcome.expected);
  for (const start of outcome.starts) expect(start).toEqual({ ...start, started: 1, status: 'Completed' });
}, 600_000);
