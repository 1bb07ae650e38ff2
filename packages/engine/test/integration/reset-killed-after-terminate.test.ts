// Window: a reset has recorded the old run's WorkflowTerminated, and the process is SIGKILLed
// before the new run is recorded. The workflow is left terminated, never half-copied; a new
// process resets it again, and the new run runs from the point.
import { join } from 'node:path';
import { killWorkerProcesses, startWorkerProcess, tempDirs } from '@reprise/testkit/internal';
import { dieAfter } from './fixtures/dying-store.js';
import { lmdbEngine } from './fixtures/lmdb-env.js';
import { prepare, resetLog, resettable } from './fixtures/reset-workflows.js';

const dirs = tempDirs('engine-reset-crash');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

it('a reset cut after the terminate leaves the run terminated, and can be done again', async () => {
  const dir = dirs.make();
  const worker = startWorkerProcess(join(__dirname, 'fixtures', 'reset-worker.ts'), [dir], {
    env: dieAfter(1, 'WorkflowTerminated'),
  });
  expect((await worker.exited).signal).toBe('SIGKILL');
  expect(worker.lines).toContain('ready');
  expect(worker.lines).not.toContain('reset done');

  const env = await lmdbEngine(dir, { workflows: [resettable], activities: [prepare] });
  const handle = env.engine.getHandle('r');
  const left = await handle.history();
  expect(left.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'ActivityScheduled',
    'ActivityCompleted',
    'WorkflowTerminated',
  ]);
  expect((await handle.describe()).status).toBe('Terminated');

  await handle.reset({ toEventSeq: 1, reason: 'again' });
  await env.idle();
  expect(resetLog).toEqual(['prepare']); // this process ran it once, in the new run
  await handle.signal('go', 'now');
  expect(await handle.result()).toBe('prepared now');
  const history = await handle.history();
  expect(history.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(2);
  expect(history[4]).toMatchObject({ type: 'WorkflowStarted', forkedFrom: { workflowId: 'r', eventSeq: 1 } });
  await env.close();
}, 120_000);
