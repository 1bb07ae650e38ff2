// Window: an update is recorded as UpdateAccepted, then the process is SIGKILLed before its handler
// ends (its activity in flight). A new process recovers the run, the handler runs to its end once,
// and a caller there awaits the update by its id.
import { join } from 'node:path';
import { killWorkerProcesses, startWorkerProcess, tempDirs } from '@reprise/testkit/internal';
import { lmdbEngine, openStore } from './fixtures/lmdb-env.js';
import { addLog, counter, updateActivities } from './fixtures/update-workflows.js';

const dirs = tempDirs('engine-update-crash');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

it('an update accepted before a SIGKILL completes once after recovery, awaited by its id', async () => {
  const dir = dirs.make();
  const worker = startWorkerProcess(join(__dirname, 'fixtures', 'update-worker.ts'), [dir], {
    env: { ...process.env, REPRISE_UPDATE_HANG: '1' },
  });
  await worker.waitFor((line) => line === 'accepted');
  await worker.kill();
  expect((await worker.exited).signal).toBe('SIGKILL');

  const store = openStore(dir);
  const left = await store.readHistory('counter' as never);
  await store.close();
  const types = left.map((event) => event.type);
  expect(types).toContain('UpdateAccepted');
  expect(types).not.toContain('UpdateCompleted');

  const env = await lmdbEngine(dir, {
    workflows: [counter],
    activities: updateActivities,
    startAt: (left.at(-1)?.recordedAt ?? 0) + 1,
  });
  const handle = env.engine.getHandle('counter');
  const answer = handle.executeUpdate('add', 5, { updateId: 'add-5' });
  await env.idle();
  await env.advance('1s');
  expect(await answer).toBe(15);
  expect(addLog).toEqual([5]);
  const history = await handle.history();
  expect(history.filter((event) => event.type === 'UpdateAccepted')).toHaveLength(1);
  expect(history.filter((event) => event.type === 'UpdateCompleted')).toHaveLength(1);
  expect(await handle.query('total')).toBe(15);
  await env.close();
}, 120_000);
