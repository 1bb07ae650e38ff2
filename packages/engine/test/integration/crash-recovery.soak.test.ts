// The long version of crash-recovery.test.ts (npm run soak): 25 SIGKILLs while orders keep
// arriving (200 more per restart), repeated twice.
import { killWorkerProcesses, tempDirs } from '@reprise/testkit/internal';
import { runCrashScenario } from './fixtures/crash-scenario.js';

const dirs = tempDirs('engine-crash-soak');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

it.each([1, 2])(
  'round %i: every order completes exactly once after 25 SIGKILLs',
  async () => {
    await runCrashScenario(dirs.make(), 25, true);
  },
  600_000,
);
