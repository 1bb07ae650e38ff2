// A process that runs one schedule on an LMDB store on the real clock. The schedule crash test
// SIGKILLs it around fire times and starts it again; `finish` brings it up to date, waits until
// every started workflow has completed, pauses the schedule and exits cleanly. The test has
// it kill itself right after a chosen fire is recorded (see ../fixtures/dying-store.ts).
//
//   crash-worker.ts run <dir> <intervalMs>
//   crash-worker.ts finish <dir>
import { defineWorkflow, ScheduleAlreadyExistsError } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { openLmdbStore } from '@reprise/store-lmdb';
import { mortalStore } from '../fixtures/dying-store.js';
import { stderrLogger } from '../fixtures/worker-kit.js';

const [mode, dataDir, intervalText] = process.argv.slice(2);
const tick = defineWorkflow('tick', async (_ctx, n: number) => n);

process.stdout.write('opening\n');
const store = openLmdbStore({ path: dataDir as string });
const engine = await Engine.create({
  store: mortalStore(store),
  workflows: [tick],
  logger: stderrLogger,
});

if (mode === 'run') {
  try {
    await engine.schedules.create({
      scheduleId: 'crash',
      spec: { every: Number(intervalText) },
      workflowType: 'tick',
      input: 1,
      overlap: 'allowAll',
      catchUp: 'all',
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyExistsError)) throw error;
  }
  process.stdout.write('ready\n');
  // Runs until killed.
} else {
  await engine.schedules.pause('crash', 'crash test finished');
  for (;;) {
    await engine.idle();
    if ((await store.count({ status: 'Running' })) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await engine.shutdown();
  process.stdout.write('done\n');
}
