// Window: an engine process on PostgreSQL is SIGKILLed right after a chosen append, twice, while
// 100 orders run (3 activities, one flaky, one sleep); a last process recovers from the database
// and finishes: every order completes, with one start, one terminal event and each activity
// completion once, and every history replays.
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { runSegment, type WorkflowDefinition, type WorkflowEvent } from '@reprise/core';
import { executionInitFromStart, replayRun } from '@reprise/core/internal';
import { openPostgresStore } from '@reprise/store-postgres';
import { killWorkerProcesses, startWorkerProcess } from '@reprise/testkit/internal';
import { dropTestSchemas, testSchema } from '../../../../test/support/postgres.js';
import { dieAfter } from './fixtures/dying-store.js';
import { order } from './fixtures/order-workflows.js';

const WORKER = join(__dirname, 'fixtures/pg-crash-worker.ts');
const ORDERS = 100;

afterAll(async () => {
  killWorkerProcesses();
  await dropTestSchemas();
});

it('every order completes exactly once after 2 SIGKILLs of its engine process, and replays', async () => {
  const { url, schema } = await testSchema('crash');
  const args = [url, schema, String(ORDERS)];
  const killed: boolean[] = [];
  for (let round = 0; round < 2; round++) {
    // Somewhere between the start loop and the middle of the activity traffic (about six
    // appends an order), right after a chosen append whatever the machine's speed.
    const appends = 1 + ((round * 137) % ORDERS) + Math.floor(Math.random() * ORDERS * 2);
    const worker = startWorkerProcess(WORKER, args, { env: dieAfter(appends) });
    killed.push((await worker.exited).signal === 'SIGKILL');
  }
  expect(killed).toEqual([true, true]);
  const last = startWorkerProcess(WORKER, args);
  await last.waitFor((line) => line === 'done');
  expect((await last.exited).code).toBe(0);

  const store = await openPostgresStore({ connectionString: url, schema });
  try {
    expect(await store.count({ status: 'Completed', workflowType: 'order' })).toBe(ORDERS);
    for (let i = 0; i < ORDERS; i++) {
      const history = await store.readHistory(`order-${i}` as never);
      expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
      const starts = history.filter((event) => event.type === 'WorkflowStarted');
      expect(starts).toHaveLength(1);
      const terminals = history.filter(
        (event) => event.type === 'WorkflowCompleted' || event.type === 'WorkflowFailed',
      );
      expect(terminals).toHaveLength(1);
      const completions = history.filter((event) => event.type === 'ActivityCompleted');
      expect(new Set(completions.map((event) => (event as { activityId: string }).activityId)).size).toBe(3);
      expect(completions).toHaveLength(3);
      const started = starts[0] as Extract<WorkflowEvent, { type: 'WorkflowStarted' }>;
      const replayed = await replayRun(
        executionInitFromStart(started, order as WorkflowDefinition<never, unknown>),
        runSegment(history, started.runId),
      );
      expect(replayed.unmatched).toEqual([]);
      expect(replayed.execution.outcome).toEqual(replayed.recordedOutcome);
    }
  } finally {
    await store.close();
  }
}, 300_000);
