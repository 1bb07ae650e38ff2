// Window: an engine starting up is recovering the runs of the shards it claimed when it loses one
// of them (its lease lapsed on a busy machine, another engine took it). The runs its recovery
// enters for that shard afterwards are leftovers: kept, a later claim of the shard would pass
// over them (they are in memory already) and they would write on top of histories they have not
// read (a signal refused with ConcurrencyConflict). They leave memory when the recovery ends.
import { defineWorkflow, SharedInMemoryStore, type WorkflowEvent } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { heldSummaryReads, quiet, T0, viewOf } from './shared-store-cluster.js';

const TTL = 3_000;
const count = (history: readonly WorkflowEvent[], type: WorkflowEvent['type']) =>
  history.filter((event) => event.type === type).length;

const waiter = defineWorkflow('waiter', async (ctx) => {
  const first = await ctx.waitForSignal<string>('go');
  const second = await ctx.waitForSignal<string>('go');
  return `${first} ${second}`;
});

it('lets go of the runs it recovered for a shard lost meanwhile, and recovers them afresh when it claims the shard again', async () => {
  const clock = new VirtualClock(T0);
  let skew = 0;
  const store = new SharedInMemoryStore({ shardCount: 1, clock: { now: () => clock.now() + skew } });
  const id = 'waiter-1';
  const seed = await Engine.create({
    store: viewOf(store),
    clock,
    logger: quiet,
    workflows: [waiter],
    ownership: { ownerId: 'seed', leaseTtlMs: TTL },
  });
  await seed.start(waiter, null, { workflowId: id });
  await seed.idle();
  await seed.shutdown();

  // Engine a starts: claims the shard, its recovery is held at the run's row.
  const held = heldSummaryReads(viewOf(store), id, { firstOnly: true });
  const atRow = held.reached;
  const creating = Engine.create({
    store: held.store,
    clock,
    logger: quiet,
    workflows: [waiter],
    ownership: { ownerId: 'a', leaseTtlMs: TTL },
  });
  await atRow;
  // a's lease lapses as the store sees it; engine b takes the shard and records a signal.
  skew = TTL;
  const b = await Engine.create({
    store: viewOf(store),
    clock,
    logger: quiet,
    workflows: [waiter],
    ownership: { ownerId: 'b', leaseTtlMs: TTL },
  });
  expect(b.ownedShards()).toEqual([0]);
  await b.getHandle(id).signal('go', 'from-b');
  await b.idle();
  // a's renewal finds the shard gone, then its recovery goes on and enters the run.
  await clock.advance(TTL / 3);
  held.open();
  const a = await creating;
  await a.idle();
  expect(a.ownedShards()).toEqual([]);
  expect(a.supervisionTree().types.flatMap((type) => type.runs)).toEqual([]);

  // b leaves; a claims the shard again and serves the run as the store has it.
  await b.shutdown();
  for (let step = 0; step < 3; step++) {
    await clock.advance(TTL / 3);
    await a.idle();
  }
  expect(a.ownedShards()).toEqual([0]);
  await a.getHandle(id).signal('go', 'from-a');
  await a.idle();
  expect(await a.getHandle(id).result()).toBe('from-b from-a');
  const history = await store.readHistory(id as never);
  expect(count(history, 'SignalReceived')).toBe(2);
  expect(count(history, 'WorkflowCompleted')).toBe(1);
  await a.shutdown();
});
