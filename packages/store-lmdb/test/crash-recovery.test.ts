// SIGKILL at random moments while many workflows append: nothing acknowledged is lost, no
// history has a gap, and the derived data agrees with the histories (3 kills; soak: 50).
import { afterAll, expect, it } from '@jest/globals';
import { killWorkers } from './child-process.js';
import { killAndCheck } from './crash-rounds.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('crash');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

// Generous: it runs several worker processes (node and tsx start in seconds on a busy machine)
// and waits only for their exits and lines; the timeout bounds a hang, it times nothing.
it('keeps every acknowledged append across 3 SIGKILLs', async () => {
  const { acks } = await killAndCheck(dirs.make(), 3, 7);
  expect(acks).toBeGreaterThan(0);
}, 300_000);
