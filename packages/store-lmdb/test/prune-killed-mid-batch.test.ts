// A SIGKILL while a prune deletes closed workflows, batch after batch: every workflow is left
// whole or gone (never part of its history, or a row without events), every batch acknowledged
// before the kill is gone, and what the store derives from the histories still agrees (verify).

import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, type EventBody, envelopeEvents, projectHistory } from '@reprise/core';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { openLmdbStore } from '../src/index.js';
import { killWorkers } from './child-process.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('prune');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

const PRUNER = join(__dirname, 'fixtures', 'prune-worker.ts');
const T0 = 1_700_000_000_000;
const WORKFLOWS = 400;
const EVENTS = 24;
const BATCH = 40;

it('leaves each workflow whole or gone when killed in the middle of a prune', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  const ids = Array.from({ length: WORKFLOWS }, (_, n) => asWorkflowId(`w${n}`));
  // Closed ones (every fourth stays open) with long histories, so a batch's transaction takes a while.
  await Promise.all(
    ids.map(async (id, n) => {
      const bodies: EventBody[] = [
        {
          type: 'WorkflowStarted',
          workflowType: 'order',
          input: n,
          runId: asRunId(`r${n}`),
          parentRunId: null,
        },
      ];
      for (let i = 0; i < EVENTS - 2; i++)
        bodies.push({ type: 'SignalReceived', signalName: 's', payload: { i, pad: 'x'.repeat(200) } });
      if (n % 4 !== 0) bodies.push({ type: 'WorkflowCompleted', result: n });
      await store.append(id, envelopeEvents(id, 0, T0 + n, bodies), { expectedSeq: 0 });
    }),
  );
  await store.close();

  const pruner = startWorkerProcess(PRUNER, [path, String(T0 + WORKFLOWS + 1), String(BATCH)]);
  // Killed once the first batch has committed, while the next ones are being written.
  await pruner.waitFor((line) => line.startsWith('batch 1 '));
  await pruner.kill();
  const acknowledged = pruner.lines
    .filter((line) => line.startsWith('batch '))
    .flatMap((line) => line.split(' ').slice(2));
  expect(acknowledged.length).toBeGreaterThan(0);

  const after = openLmdbStore({ path });
  try {
    expect((await after.verify()).problems).toEqual([]);
    let gone = 0;
    for (const [n, id] of ids.entries()) {
      const history = await after.readHistory(id);
      const summary = await after.getSummary(id);
      if (history.length === 0) {
        expect(summary).toBeUndefined();
        expect(n % 4).not.toBe(0); // an open workflow is never deleted
        gone++;
        continue;
      }
      expect(history.length).toBe(n % 4 === 0 ? EVENTS - 1 : EVENTS);
      expect(summary).toEqual(projectHistory(history).summary);
    }
    for (const id of acknowledged) expect(await after.readHistory(asWorkflowId(id))).toEqual([]);
    expect(gone).toBeGreaterThanOrEqual(acknowledged.length);
    // A prune run to the end afterwards leaves only the open workflows.
    let cursor: string | undefined;
    do {
      cursor = (
        await after.deleteClosed({
          closedBefore: T0 + WORKFLOWS + 1,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        })
      ).cursor;
    } while (cursor);
    expect(await after.count({})).toBe(WORKFLOWS / 4);
    expect((await after.verify()).problems).toEqual([]);
  } finally {
    await after.close();
  }
}, 300_000);
