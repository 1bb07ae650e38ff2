// The engine on @reprise/store-postgres, end to end: orders with activities (one flaky, retried),
// a timer and a signal run to completion; an engine restarted midway on the same schema recovers
// the waiting runs from PostgreSQL (timers re-armed, signals delivered after recovery).
import { afterAll, expect, it } from '@jest/globals';
import type { WorkflowEvent } from '@reprise/core';
import { openPostgresStore } from '@reprise/store-postgres';
import { createTestEngine } from '@reprise/testkit';
import { dropTestSchemas, testSchema } from '../../../../test/support/postgres.js';
import { approvedOrder, approvedOrderActivities } from './fixtures/pg-orders.js';

afterAll(() => dropTestSchemas());

const ORDERS = 20;
const options = { workflows: [approvedOrder], activities: approvedOrderActivities };
const count = (history: readonly WorkflowEvent[], type: string) =>
  history.filter((event) => event.type === type).length;

it('runs orders with activities, timers and signals across an engine restart', async () => {
  const { url, schema } = await testSchema('engine');
  const open = () => openPostgresStore({ connectionString: url, schema, maxConnections: 4 });
  const first = await createTestEngine({ ...options, store: await open() });
  const ids = Array.from({ length: ORDERS }, (_, n) => `order-${n}`);
  for (const id of ids) await first.engine.start(approvedOrder, id, { workflowId: id });
  await first.idle();
  await first.advance('1s'); // retries of the flaky charge, then the sleeps
  await first.idle();
  expect((await first.engine.list({ status: 'Running' })).items).toHaveLength(ORDERS);
  for (const id of ids) {
    const history = await first.engine.getHandle(id).history();
    expect([count(history, 'ActivityCompleted'), count(history, 'TimerFired')]).toEqual([2, 1]);
  }
  const at = first.clock.now();
  await first.close();

  // A new engine on the same schema: every order is waiting for its approval.
  const second = await createTestEngine({ ...options, store: await open(), startAt: at });
  for (const id of ids) await second.engine.getHandle(id).signal('approve', `boss of ${id}`);
  await second.advance('1s');
  for (const id of ids) {
    const handle = second.engine.getHandle(id);
    expect(await handle.result()).toEqual({
      reserved: `reserved:${id}`,
      charged: expect.stringMatching(new RegExp(`^charged:${id}:attempt[12]$`)),
      approver: `boss of ${id}`,
      shipped: `shipped:${id}`,
    });
    const history = await handle.history();
    expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
    expect(count(history, 'WorkflowCompleted')).toBe(1);
    expect(count(history, 'ActivityCompleted')).toBe(3);
    expect(count(history, 'TimerFired')).toBe(1);
    expect(count(history, 'SignalReceived')).toBe(1);
  }
  expect((await second.engine.list({ status: 'Completed' })).items).toHaveLength(ORDERS);
  await second.close();
}, 120_000);
