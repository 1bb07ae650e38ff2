// PostgreSQL restarted (`pg_ctl restart -m fast`) while appends go on: every connection is cut,
// some appends mid-statement. The store reconnects with backoff; each append succeeds exactly
// once (one cut after its commit is found committed, not retried into a conflict), and every
// history is whole. Runs on a cluster of its own, since it restarts it.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents, type WorkflowId } from '@reprise/core';
import { type Cluster, restartCluster, startCluster, stopCluster } from '../../../test/support/postgres.js';
import { openPostgresStore } from '../src/index.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 120_000);
afterAll(() => stopCluster(cluster), 120_000);

const WORKFLOWS = 8;
const EVENTS = 40;

it('reconnects after a restart, and every append lands exactly once', async () => {
  const store = await openPostgresStore({ connectionString: cluster.url, maxConnections: 4 });
  let appended = 0;
  let wakeRestart: () => void = () => {};
  const halfway = new Promise<void>((resolve) => {
    wakeRestart = resolve;
  });
  const appendAll = async (workflowId: WorkflowId) => {
    for (let seq = 1; seq <= EVENTS; seq++) {
      const body =
        seq === 1
          ? {
              type: 'WorkflowStarted' as const,
              workflowType: 'w',
              input: null,
              runId: asRunId('r'),
              parentRunId: null,
            }
          : { type: 'SignalReceived' as const, signalName: 's', payload: seq };
      await store.append(workflowId, envelopeEvents(workflowId, seq - 1, 1_000 + seq, [body]), {
        expectedSeq: seq - 1,
      });
      if (++appended === (WORKFLOWS * EVENTS) / 4) wakeRestart();
    }
  };
  const ids = Array.from({ length: WORKFLOWS }, (_, n) => asWorkflowId(`restart-${n}`));
  const appending = Promise.all(ids.map(appendAll));
  await halfway;
  const atRestart = appended;
  await restartCluster(cluster);
  await appending;
  expect(atRestart).toBeLessThan(WORKFLOWS * EVENTS); // the restart cut appends in flight
  expect(appended).toBe(WORKFLOWS * EVENTS);
  for (const id of ids) {
    const history = await store.readHistory(id);
    expect(history.map((event) => event.seq)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect((await store.getSummary(id))?.historyLength).toBe(EVENTS);
  }
  await store.close();
}, 120_000);
