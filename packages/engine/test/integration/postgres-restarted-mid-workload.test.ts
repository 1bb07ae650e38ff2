// Window: PostgreSQL restarts (`pg_ctl restart -m fast`, every connection cut) while an engine
// runs orders on it. The store reconnects with backoff; every order completes, with one
// terminal event and three activity completions. On a cluster of its own, since it restarts it.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { WorkflowEvent } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { openPostgresStore } from '@reprise/store-postgres';
import {
  type Cluster,
  restartCluster,
  startCluster,
  stopCluster,
} from '../../../../test/support/postgres.js';
import { order, orderActivities } from './fixtures/order-workflows.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 120_000);
afterAll(() => stopCluster(cluster), 120_000);

const ORDERS = 30;
const count = (history: readonly WorkflowEvent[], type: string) =>
  history.filter((event) => event.type === type).length;

it('every order completes once after the server restarts mid-workload', async () => {
  const store = await openPostgresStore({ connectionString: cluster.url, reconnectTimeoutMs: 60_000 });
  const engine = await Engine.create({
    store,
    workflows: [order],
    activities: orderActivities,
    logger: { warn: () => {} },
  });
  const handles = [];
  for (let n = 0; n < ORDERS; n++)
    handles.push(await engine.start(order, `order-${n}`, { workflowId: `order-${n}` }));
  // Mid-workload: every order waits on at least its 300 ms sleep after its start.
  expect(await store.count({ status: 'Completed' })).toBeLessThan(ORDERS);
  await restartCluster(cluster);
  const results = await Promise.all(handles.map((handle) => handle.result()));
  expect(results).toHaveLength(ORDERS);
  for (const handle of handles) {
    const history = await handle.history();
    expect(count(history, 'WorkflowCompleted')).toBe(1);
    expect(count(history, 'ActivityCompleted')).toBe(3);
  }
  await engine.shutdown();
}, 180_000);
