// `ctx.upsertSearchAttributes` records SearchAttributesUpdated, and `engine.list` filters see the
// new values while the run is still running: with an activity in flight, while it waits on a
// signal (resident, evicted or hibernated), and once it has closed.
import { defineActivity, defineWorkflow, InMemoryStore, type WorkflowStore } from '@reprise/core';
import type { Residency } from '@reprise/engine';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { inbox } from '../helpers.js';
import { lmdbDir, openStore } from './fixtures/lmdb-env.js';

let releaseGate: (() => void) | undefined;
const gate = defineActivity(
  'stage-gate',
  () =>
    new Promise<string>((resolve) => {
      releaseGate = () => resolve('through');
    }),
);

const staged = defineWorkflow('staged', async (ctx) => {
  ctx.upsertSearchAttributes({ stage: 'reserving', attempts: 1 });
  await ctx.activity(gate, null);
  ctx.upsertSearchAttributes({ stage: 'waiting' });
  await ctx.waitForSignal('go');
  ctx.upsertSearchAttributes({ stage: 'done', attempts: null });
  return 'shipped';
});

const stores: [string, () => WorkflowStore][] = [
  ['in-memory', () => new InMemoryStore()],
  ['LMDB', () => openStore(lmdbDir())],
];
const residencies: [Residency, { maxResident?: number; hibernateAfter?: number }][] = [
  ['resident', {}],
  ['suspended', { maxResident: 1 }],
  ['hibernated', { hibernateAfter: 0 }],
];
const cases = stores.flatMap(([storeName, store]) =>
  residencies.map(([residencyName, residency]) => [storeName, residencyName, store, residency] as const),
);

/** The ids and statuses `engine.list` gives for one search-attribute filter. */
async function listed(env: TestEngine, searchAttributes: Record<string, string>) {
  const page = await env.engine.list({ searchAttributes });
  return page.items.map((item) => ({ workflowId: item.workflowId, status: item.status }));
}

it.each(cases)(
  '%s store, %s while waiting: list sees each upsert while the run is running, and the history records it',
  async (_storeName, waitingResidency, makeStore, residency) => {
    const env = await createTestEngine({
      workflows: [staged, inbox],
      activities: [gate],
      store: makeStore(),
      searchAttributes: { stage: 'keyword', attempts: 'int' },
      ...residency,
    });
    const handle = await env.engine.start(staged, null, { workflowId: 'order-1' });
    await env.idle();
    // The gate activity is in flight: the run has not waited, closed or been evicted yet.
    expect((await handle.describe()).pendingActivities).toHaveLength(1);
    expect(await listed(env, { stage: 'reserving' })).toEqual([{ workflowId: 'order-1', status: 'Running' }]);
    expect(
      (await env.engine.list({ status: 'Running', searchAttributes: { attempts: 1 } })).items,
    ).toHaveLength(1);
    expect((await handle.describe()).searchAttributes).toEqual({ stage: 'reserving', attempts: 1 });

    releaseGate?.();
    await env.idle();
    // A bystander run takes the one resident place: with maxResident 1, order-1 is evicted.
    await env.engine.start(inbox, null, { workflowId: 'bystander' });
    await env.idle();
    expect(await handle.describe()).toMatchObject({ status: 'Running', residency: waitingResidency });
    expect(await listed(env, { stage: 'reserving' })).toEqual([]);
    expect(await listed(env, { stage: 'waiting' })).toEqual([{ workflowId: 'order-1', status: 'Running' }]);
    expect((await handle.describe()).searchAttributes).toEqual({ stage: 'waiting', attempts: 1 });

    await handle.signal('go');
    expect(await handle.result()).toBe('shipped');
    expect(await listed(env, { stage: 'waiting' })).toEqual([]);
    expect(await listed(env, { stage: 'done' })).toEqual([{ workflowId: 'order-1', status: 'Completed' }]);
    expect((await handle.describe()).searchAttributes).toEqual({ stage: 'done' });

    const updates = (await handle.history()).flatMap((event) =>
      event.type === 'SearchAttributesUpdated' ? [event.searchAttributes] : [],
    );
    expect(updates).toEqual([
      { stage: 'reserving', attempts: 1 },
      { stage: 'waiting' },
      { stage: 'done', attempts: null },
    ]);
    await env.close();
  },
);
