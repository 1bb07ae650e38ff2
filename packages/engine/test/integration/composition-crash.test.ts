// Window: SIGKILL at random moments over a mixed workload — parents and children, signals
// between them, continue-as-new chains, cancellations, withTimeout scopes, executionTimeouts,
// search attributes, and every other worker keeping only a few runs in memory (maxResident).
// After the last restart every run has exactly one terminal, each member received its signal
// once, every run replays, and each family ended as planned. The soak version kills more often.
import { killWorkerProcesses, tempDirs } from '@reprise/testkit/internal';
import { runFamilyScenario } from './fixtures/family-scenario.js';

const FAMILIES = 40;
const KILLS = 3;
const dirs = tempDirs('engine-family');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

// Generous: it runs several worker processes (node and tsx start in seconds on a busy machine)
// and waits only for their exits and lines; the timeout bounds a hang, it times nothing.
it(`a mixed workload survives ${KILLS} SIGKILLs: one terminal per run, each signal once, every run replays, families end as planned`, async () => {
  await runFamilyScenario(dirs.make(), FAMILIES, KILLS);
}, 300_000);
