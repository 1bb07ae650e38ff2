// The long version of composition-crash.test.ts (npm run soak): twice as many families and 20
// SIGKILLs, repeated twice.
import { killWorkerProcesses, tempDirs } from '@reprise/testkit/internal';
import { runFamilyScenario } from './fixtures/family-scenario.js';

const dirs = tempDirs('engine-family-soak');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

it.each([1, 2])(
  'round %i: a mixed workload of 80 families survives 20 SIGKILLs',
  async () => {
    await runFamilyScenario(dirs.make(), 80, 20);
  },
  900_000,
);
