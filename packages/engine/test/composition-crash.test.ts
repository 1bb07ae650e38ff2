// Window: SIGKILL at random moments over a mixed workload — parents and children, signals
// between them, continue-as-new chains, cancellations. After the last restart every run has
// exactly one terminal, each member received its signal once, and every run replays.
import { join } from 'node:path';
import {
  executionInitFromStart,
  replayRun,
  runSegment,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { killWorkerProcesses, startWorkerProcess, tempDirs } from '@reprise/testkit';
import { familyWorkflows } from './fixtures/family-workflows.js';

const WORKER = join(__dirname, 'fixtures', 'family-worker.ts');
const FAMILIES = 40;
const KILLS = 3;
const dirs = tempDirs('engine-family');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const definitions = new Map(familyWorkflows.map((definition) => [definition.name, definition]));
const TERMINALS = [
  'WorkflowCompleted',
  'WorkflowFailed',
  'WorkflowCancelled',
  'WorkflowTimedOut',
  'WorkflowContinuedAsNew',
];

it(`a mixed workload survives ${KILLS} SIGKILLs: one terminal per run, each signal once, every run replays`, async () => {
  const dataDir = dirs.make();
  const lastLines: string[] = [];
  for (let round = 0; round < KILLS; round++) {
    const worker = startWorkerProcess(WORKER, [dataDir, String(FAMILIES)]);
    await worker.waitFor((line) => line === 'recovered');
    await pause(30 + Math.floor(Math.random() * 300));
    await worker.kill();
    lastLines.push(worker.lines.at(-1) ?? '');
  }
  expect(lastLines.some((line) => line !== 'done')).toBe(true);
  const last = startWorkerProcess(WORKER, [dataDir, String(FAMILIES)]);
  try {
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      last.waitFor((line) => line === 'done').finally(() => clearTimeout(deadline)),
      new Promise((_, reject) => {
        deadline = setTimeout(
          () => reject(new Error(`no progress: ${last.lines.slice(-3).join(' | ')}`)),
          60_000,
        );
      }),
    ]);
  } catch (error) {
    await last.kill();
    const store = openLmdbStore({ path: dataDir });
    const stuck = await store.query({ status: 'Running', limit: 5 });
    const details = await Promise.all(
      stuck.items.map(
        async (row) =>
          `${row.workflowId}: ${(await store.readHistory(row.workflowId)).map((event) => event.type).join(' ')}`,
      ),
    );
    await store.close();
    throw new Error(`${(error as Error).message}\n${details.join('\n')}\n${last.stderr()}`);
  }
  expect((await last.exited).code).toBe(0);

  const store = openLmdbStore({ path: dataDir });
  try {
    expect(await store.count({ status: 'Running' })).toBe(0);
    const ids = Array.from({ length: FAMILIES }, (_, i) => `family-${i}`).flatMap((id) => [
      id,
      `${id}-a`,
      `${id}-b`,
    ]);
    for (const id of ids) {
      const history = await store.readHistory(id as never);
      if (history.length === 0) continue; // a member of a family cancelled before it started one
      const starts = history.filter(
        (event): event is Extract<WorkflowEvent, { type: 'WorkflowStarted' }> =>
          event.type === 'WorkflowStarted',
      );
      expect({ id, terminals: history.filter((event) => TERMINALS.includes(event.type)).length }).toEqual({
        id,
        terminals: starts.length,
      });
      const words = history.filter((event) => event.type === 'SignalReceived');
      expect(words.length).toBeLessThanOrEqual(1);
      for (const started of starts) {
        const definition = definitions.get(started.workflowType) as WorkflowDefinition<never, unknown>;
        const replayed = await replayRun(
          executionInitFromStart(started, definition),
          runSegment(history, started.runId),
        );
        expect(replayed.recordedOutcome).toBeDefined();
        if (
          replayed.recordedOutcome?.status !== 'Cancelled' &&
          replayed.recordedOutcome?.status !== 'TimedOut'
        ) {
          expect(replayed.unmatched).toEqual([]);
        }
      }
    }
    const families = await store.query({ workflowType: 'family', limit: 1000 });
    const completed = families.items.filter((row) => row.status === 'Completed');
    expect(completed.length).toBeGreaterThanOrEqual(FAMILIES - Math.ceil(FAMILIES / 5));
  } finally {
    await store.close();
  }
}, 120_000);
