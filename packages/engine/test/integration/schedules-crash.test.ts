// Window: the process is SIGKILLed around fire times (between a fire's record and its start,
// and during recovery's catch-up); afterwards no fire of the spec is lost and none is doubled.
// Whether a kill falls between a record and its start is left to chance here, so nothing counts
// those; schedules-restart.test.ts closes that window deterministically.
import { tempDirs } from '@reprise/testkit/internal';
import { runScheduleCrashScenario } from './schedules-crash.js';

const dirs = tempDirs('schedule-crash');
afterAll(() => dirs.removeAll());

it('after SIGKILLs around fire times, every fire is recorded once and starts its workflow once', async () => {
  const outcome = await runScheduleCrashScenario(dirs.make(), 4, 50);
  expect(outcome.skipped).toBe(0);
  expect(outcome.recorded).toEqual(outcome.expected);
  expect(outcome.expected.length).toBeGreaterThan(20);
  for (const start of outcome.starts) expect(start).toEqual({ ...start, started: 1, status: 'Completed' });
}, 60_000);
