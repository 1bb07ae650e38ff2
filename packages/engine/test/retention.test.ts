// The engine's `retention` option deletes closed workflows older than the period in the
// background, on the engine's clock: open workflows stay, a child stays while its parent runs,
// and a deleted id can be started again.
import {
  asWorkflowId,
  defineWorkflow,
  InMemoryStore,
  InvalidArgumentError,
  type WorkflowStore,
} from '@reprise/core';
import { Engine } from '@reprise/engine';
import { createTestEngine } from '@reprise/testkit';

const quick = defineWorkflow('quick', async (_ctx, n: number) => n * 2);
const waiter = defineWorkflow('waiter', async (ctx) => (await ctx.waitForSignal<string>('go')) ?? 'none');
const parent = defineWorkflow('parent', async (ctx) => {
  const said = await ctx.child(quick, 21, { workflowId: 'the-child' });
  return `${said} ${(await ctx.waitForSignal<string>('go')) ?? 'none'}`;
});

const ids = async (store: WorkflowStore) =>
  (await store.query({ limit: 1000 })).items.map((row) => row.workflowId as string).sort();

it('deletes workflows closed longer ago than the retention period, and nothing else', async () => {
  const env = await createTestEngine({ workflows: [quick, waiter, parent], retention: '30d' });
  try {
    const { engine } = env;
    const store = engine.store;
    for (const id of ['q1', 'q2']) await (await engine.start(quick, 1, { workflowId: id })).result();
    await engine.start(waiter, null, { workflowId: 'open' });
    await engine.start(parent, null, { workflowId: 'parent' });
    await env.idle();
    expect(await ids(store)).toEqual(['open', 'parent', 'q1', 'q2', 'the-child']);

    await env.advance('29d');
    expect(await ids(store)).toEqual(['open', 'parent', 'q1', 'q2', 'the-child']);
    await (await engine.start(quick, 2, { workflowId: 'q3' })).result(); // closes on day 29
    await env.advance('2d');
    // q1 and q2 closed 31 days ago; the child too, but its parent still runs.
    expect(await ids(store)).toEqual(['open', 'parent', 'q3', 'the-child']);
    expect(await store.readHistory(asWorkflowId('q1'))).toEqual([]);
    // The engine closed q1 itself and may answer its result from memory: not once it is deleted.
    await expect(engine.getHandle('q1').result()).rejects.toMatchObject({ code: 'workflow_not_found' });
    expect(await engine.getHandle('q3').result()).toBe(4);

    await engine.getHandle('parent').signal('go', 'now');
    expect(await engine.getHandle('parent').result()).toBe('42 now');
    await env.advance('31d');
    // The parent closed 31 days ago, the child is no longer needed: both go; open stays.
    expect(await ids(store)).toEqual(['open']);

    // A deleted id starts afresh.
    expect(await (await engine.start(quick, 5, { workflowId: 'q1' })).result()).toBe(10);
    expect((await engine.getHandle('q1').history()).map((event) => event.seq)).toEqual([1, 2]);
  } finally {
    await env.close();
  }
});

it('refuses a retention that is not a positive duration, or a store that cannot delete', async () => {
  await expect(Engine.create({ workflows: [quick], retention: 0 })).rejects.toBeInstanceOf(
    InvalidArgumentError,
  );
  await expect(Engine.create({ workflows: [quick], retention: 'soon' as never })).rejects.toThrow();
  const memory = new InMemoryStore();
  const withoutRetention: WorkflowStore = {
    append: (id, events, options) => memory.append(id, events, options),
    readHistory: (id, options) => memory.readHistory(id, options),
    lastSeq: (id) => memory.lastSeq(id),
    listActive: () => memory.listActive(),
    dueTimers: (upTo) => memory.dueTimers(upTo),
    getSummary: (id) => memory.getSummary(id),
    query: (filter) => memory.query(filter),
    count: (filter) => memory.count(filter),
    close: () => memory.close(),
  };
  await expect(
    Engine.create({ workflows: [quick], store: withoutRetention, retention: '30d' }),
  ).rejects.toThrow(/retention.*needs a store that can delete closed workflows/);
  await memory.close();
});
