// Window: pinned runs of build A are in flight when the process is SIGKILLed; an engine of
// build B opens the store (and is killed too): it must leave A's runs untouched (no replay, no
// events) and list them as waiting for A; an engine of build A resumes them.
import { join } from 'node:path';
import type { WorkflowEvent, WorkflowId } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { lmdbDir } from './fixtures/lmdb-env.js';

const WORKER = join(__dirname, 'fixtures', 'pinned-worker.ts');
const run = (dir: string, buildId: string, actions: string[]) =>
  startWorkerProcess(WORKER, [dir, buildId, ...actions]);

async function historyOf(dir: string, id: string): Promise<WorkflowEvent[]> {
  const store = openLmdbStore({ path: dir });
  try {
    return await store.readHistory(id as WorkflowId);
  } finally {
    await store.close();
  }
}

it('an engine of another build leaves pinned runs alone; their own build resumes them', async () => {
  const dir = lmdbDir();
  const a = run(dir, 'A', ['start:a1', 'waiting:a1']);
  await a.waitFor((line) => line === 'waiting a1');
  a.child.kill('SIGKILL');
  expect((await a.exited).signal).toBe('SIGKILL');
  const before = await historyOf(dir, 'a1');

  const b = run(dir, 'B', ['start:b1', 'waiting:b1', 'list']);
  const listed = await b.waitFor((line) => line.startsWith('list '));
  b.child.kill('SIGKILL');
  expect((await b.exited).signal).toBe('SIGKILL');
  expect(JSON.parse(listed.slice('list '.length))).toEqual([
    { workflowId: 'a1', status: 'Running', buildId: 'A', waitingForBuild: 'A' },
    { workflowId: 'b1', status: 'Running', buildId: 'B' },
  ]);
  expect(await historyOf(dir, 'a1')).toEqual(before);

  const again = run(dir, 'A', ['list', 'signal:a1', 'result:a1']);
  await again.waitFor((line) => line === 'done');
  expect(again.lines).toContain('result a1 "posted:a1"');
  expect(JSON.parse((again.lines.find((line) => line.startsWith('list ')) ?? '').slice(5))).toEqual([
    { workflowId: 'a1', status: 'Running', buildId: 'A' },
    { workflowId: 'b1', status: 'Running', buildId: 'B', waitingForBuild: 'B' },
  ]);
  // Carried on by the build that started it: no BuildChanged.
  expect((await historyOf(dir, 'a1')).some((event) => event.type === 'BuildChanged')).toBe(false);
  expect((await historyOf(dir, 'b1')).map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'ActivityScheduled',
    'ActivityCompleted',
  ]);
});
