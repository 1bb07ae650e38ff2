// Window: a run is paused, then its process is SIGKILLed. A new process brings it back paused:
// its timer, due while the process was down, fires but is held; resume lets the run finish.
import { join } from 'node:path';
import { killWorkerProcesses, startWorkerProcess, tempDirs } from '@reprise/testkit/internal';
import { lmdbEngine, openStore } from './fixtures/lmdb-env.js';
import { pauseActivities, pauseLog, pauseWorkflows } from './fixtures/pause-workflows.js';

const dirs = tempDirs('engine-pause-crash');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

it('a run paused before a SIGKILL comes back paused, and finishes once resumed', async () => {
  const dir = dirs.make();
  const worker = startWorkerProcess(join(__dirname, 'fixtures', 'pause-worker.ts'), [dir]);
  await worker.waitFor((line) => line === 'paused');
  await worker.kill();

  const store = openStore(dir);
  const left = await store.readHistory('p' as never);
  await store.close();
  expect(left.at(-1)?.type).toBe('WorkflowPaused');

  const env = await lmdbEngine(dir, {
    workflows: pauseWorkflows,
    activities: pauseActivities,
    startAt: (left.at(-1)?.recordedAt ?? 0) + 3_600_000, // its 1m timer fell due while down
  });
  const handle = env.engine.getHandle('p');
  await env.idle();
  await handle.signal('go', 'later');
  await env.advance('1h');
  expect(pauseLog).toEqual([]);
  expect((await handle.describe()).paused).toBe(true);
  await handle.resume();
  expect(await handle.result()).toBe('stamped crashed later');
  expect(pauseLog).toEqual(['crashed']);
  await env.close();
}, 120_000);
