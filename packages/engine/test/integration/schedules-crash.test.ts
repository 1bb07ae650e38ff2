// Window: the process is SIGKILLed around fire times (between a fire's record and its start,
// and during recovery's catch-up); afterwards no fire of the spec is lost and none is doubled.
// Each kill falls right after a fire's record, on the real clock and LMDB;
// schedules-restart.test.ts closes that window step by step on the virtual clock.
import { tempDirs } from '@reprise/testkit/internal';
import { FIRES_BEFORE_KILL, runScheduleCrashScenario } from './schedules-crash.js';

const dirs = tempDirs('schedule-crash');
afterAll(() => dirs.removeAll());

// Generous: it runs several worker processes (node and tsx start in seconds on a busy machine)
// and waits only for their exits and lines; the timeout bounds a hang, it times nothing.
it('after SIGKILLs around fire times, every fire is recorded once and starts its workflow once', async () => {
  const outcome = await runScheduleCrashScenario(dirs.make(), 4, 50);
  expect(outcome.skipped).toBe(0);
  expect(outcome.recorded).toEqual(outcome.expected);
  // The two workers that ran on took that many fires each before their kill: many fires, at
  // any speed.
  expect(outcome.expected.length).toBeGreaterThanOrEqual(2 * FIRES_BEFORE_KILL);
  for (const start of outcome.starts) expect(start).toEqual({ ...start, started: 1, status: 'Completed' });
}, 300_000);
