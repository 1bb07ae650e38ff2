// Window: the engine process is SIGKILLed at random moments while 200 orders run (3 activities,
// one flaky, one sleep); after the last restart every order completes exactly once, each run has
// one terminal, each activity completion is recorded once, and every history replays.
import { killWorkerProcesses, tempDirs } from '@reprise/testkit/internal';
import { runCrashScenario } from './fixtures/crash-scenario.js';

const dirs = tempDirs('engine-crash');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

// Generous: it runs several worker processes (node and tsx start in seconds on a busy machine)
// and waits only for their exits and lines; the timeout bounds a hang, it times nothing.
it('every order completes exactly once after 3 SIGKILLs, and every history replays', async () => {
  await runCrashScenario(dirs.make(), 3);
}, 300_000);
