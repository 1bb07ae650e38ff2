// Window: a process is SIGKILLed in the middle of a patch's life (a run waiting for its signal;
// a run whose PatchMarker was just recorded, nothing after it) and restarted on the next version
// of the code: every run ends on the branch its history chose.
import { join } from 'node:path';
import type { WorkflowEvent, WorkflowId } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { replayHistories } from '@reprise/testkit';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { dieAfter } from './fixtures/dying-store.js';
import { lmdbDir } from './fixtures/lmdb-env.js';
import { type ParcelVersion, parcelVersions } from './fixtures/parcel-versions.js';

const WORKER = join(__dirname, 'fixtures', 'versions-worker.ts');

const run = (dir: string, version: ParcelVersion, actions: string[], env?: NodeJS.ProcessEnv) =>
  startWorkerProcess(WORKER, [dir, version, ...actions], env ? { env } : {});

async function histories(dir: string, ids: string[]): Promise<Record<string, WorkflowEvent[]>> {
  const store = openLmdbStore({ path: dir });
  try {
    const entries = await Promise.all(
      ids.map(async (id) => [id, await store.readHistory(id as WorkflowId)] as const),
    );
    return Object.fromEntries(entries);
  } finally {
    await store.close();
  }
}

const markers = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) => (event.type === 'PatchMarker' ? [`${event.patchId}:${event.deprecated}`] : []));

it('runs killed mid-flight resume on the next version along the branch their history chose', async () => {
  const dir = lmdbDir();

  // v1: a run packs, then waits for its signal; the process is killed there.
  const first = run(dir, 'v1', ['start:old-run', 'waiting:old-run']);
  await first.waitFor((line) => line === 'waiting old-run');
  first.child.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');

  // v2: a new run records its PatchMarker with its first step, and the process dies right after.
  const second = run(dir, 'v2', ['start:new-run'], dieAfter(1, 'PatchMarker'));
  expect((await second.exited).signal).toBe('SIGKILL');
  expect((await histories(dir, ['new-run']))['new-run']?.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'PatchMarker',
    'ActivityScheduled',
  ]);

  // v2 again: the run from v1 keeps posting; the run from v2 goes by courier.
  const third = run(dir, 'v2', [
    'waiting:new-run',
    'signal:old-run',
    'signal:new-run',
    'result:old-run',
    'result:new-run',
  ]);
  await third.waitFor((line) => line === 'done');
  expect(third.lines).toContain('result old-run "posted:old-run"');
  expect(third.lines).toContain('result new-run "couriered:new-run"');

  // v3 deprecates the patch: a run started now records a deprecated marker; killed right after.
  const fourth = run(dir, 'v3', ['start:late-run'], dieAfter(1, 'PatchMarker'));
  expect((await fourth.exited).signal).toBe('SIGKILL');

  // v4 has no patch call: the run from v3 replays and ends by courier.
  const fifth = run(dir, 'v4', ['waiting:late-run', 'signal:late-run', 'result:late-run']);
  await fifth.waitFor((line) => line === 'done');
  expect(fifth.lines).toContain('result late-run "couriered:late-run"');

  const recorded = await histories(dir, ['old-run', 'new-run', 'late-run']);
  expect(markers(recorded['old-run'] ?? [])).toEqual([]);
  expect(markers(recorded['new-run'] ?? [])).toEqual(['courier:false']);
  expect(markers(recorded['late-run'] ?? [])).toEqual(['courier:true']);
  for (const history of Object.values(recorded)) {
    expect(history.filter((event) => event.type === 'WorkflowCompleted')).toHaveLength(1);
  }
  // Replay before deploy: v4 replays the runs that took the courier, and names the one that posted.
  const report = await replayHistories(
    [parcelVersions.v4],
    [recorded['new-run'] ?? [], recorded['late-run'] ?? [], recorded['old-run'] ?? []],
  );
  expect(report.results.map((result) => result.ok)).toEqual([true, true, false]);
  expect(report.results[2]).toMatchObject({
    workflowId: 'old-run',
    error: {
      position: 1,
      recorded: expect.stringContaining('post'),
      requested: expect.stringContaining('courier'),
    },
  });
});
