// Window: runs that only wait are not replayed when the engine starts after a SIGKILL. A signal
// recorded in the store while the process was down (by another process) must still be taken by
// its run, an activity attempt in flight at the kill must run again, and a run that only waits
// stays out of memory until something arrives for it.
import { join } from 'node:path';
import type { WorkflowEvent, WorkflowId } from '@reprise/core';
import { killWorkerProcesses, startWorkerProcess, tempDirs } from '@reprise/testkit/internal';
import { lmdbEngine, openStore } from './fixtures/lmdb-env.js';
import { slowMode, waitingActivities, waitingBuild, waitingWorkflows } from './fixtures/waiting-workflows.js';

const dirs = tempDirs('engine-recovery-without-replay');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

it('after a SIGKILL: a signal recorded while down is taken, an attempt in flight runs again, waiting runs stay suspended', async () => {
  const dir = dirs.make();
  const worker = startWorkerProcess(join(__dirname, 'fixtures', 'waiting-worker.ts'), [dir]);
  await worker.waitFor((line) => line === 'ready');
  await worker.kill();

  // Another process records a signal for a run while no engine runs it.
  const store = openStore(dir);
  const id = 'signalled-while-down' as WorkflowId;
  const before = await store.readHistory(id);
  const last = before.at(-1) as WorkflowEvent;
  await store.append(
    id,
    [
      {
        type: 'SignalReceived',
        signalName: 'go',
        payload: 'while down',
        workflowId: id,
        seq: last.seq + 1,
        recordedAt: last.recordedAt + 1,
      },
    ],
    { expectedSeq: last.seq },
  );
  const timerStarted = (await store.readHistory('timer' as WorkflowId)).find(
    (event) => event.type === 'TimerStarted',
  );
  await store.close();

  slowMode.hang = false;
  const env = await lmdbEngine(dir, {
    workflows: waitingWorkflows,
    activities: waitingActivities,
    buildId: waitingBuild,
    startAt: last.recordedAt + 2,
  });
  const { engine } = env;
  expect(await engine.getHandle(id).result()).toBe('ada approved: while down');
  expect(await engine.getHandle('in-flight').result()).toBe('sweep done');
  expect(slowMode.attempts.length).toBeGreaterThan(0);

  // The runs that only wait were not replayed: no actor until something arrives for them.
  expect((await engine.getHandle('still-waiting').describe()).residency).toBe('suspended');
  expect((await engine.getHandle('timer').describe()).residency).toBe('suspended');
  await engine.getHandle('still-waiting').signal('go', 'later');
  expect(await engine.getHandle('still-waiting').result()).toBe('bob approved: later');
  // Its timer was armed from the store's timer index: it fires at its time, not before.
  const fireAt = (timerStarted as { fireAt: number }).fireAt;
  await env.advance(fireAt - env.clock.now() - 1);
  expect((await engine.getHandle('timer').describe()).status).toBe('Running');
  await env.advance(1);
  expect(await engine.getHandle('timer').result()).toBe('cy reminded');
  await env.close();
}, 120_000);
