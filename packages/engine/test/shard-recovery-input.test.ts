// Window: an engine has claimed a dead engine's shard and is recovering its runs when input for
// one of them arrives. Recovery has read the run's row (waiting, nothing to do) and has not yet
// entered the run in memory; a signal recorded straight into the history then would never reach
// the run, which would wait forever. The shard is served only once recovered: the signal goes to
// the inbox, which the engine reads after recovery.
import { SharedInMemoryStore } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { workflowIdInShard } from '@reprise/testkit';
import { countOf, goWaiter, heldSummaryReads, quiet, T0, viewOf, waitFor } from './shared-store-cluster.js';

const SHARDS = 2;

it('a signal sent while its shard is being recovered reaches the run once', async () => {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: SHARDS, clock });
  const id = workflowIdInShard(0, SHARDS, 'waiter');
  // Engine a, a paused process: a clock of its own that never moves, so it never renews.
  const a = await Engine.create({
    store: viewOf(store),
    clock: new VirtualClock(T0),
    logger: quiet,
    workflows: [goWaiter],
    ownership: { ownerId: 'a' },
  });
  await a.start(goWaiter, null, { workflowId: id });
  await a.idle();

  // Engine b's reads of the run's row return late: recovery has read it, not yet acted on it.
  const held = heldSummaryReads(viewOf(store), id);
  const atRow = held.reached;
  const b = await Engine.create({
    store: held.store,
    clock,
    logger: quiet,
    workflows: [goWaiter],
    ownership: { ownerId: 'b' },
  });
  expect(b.ownedShards()).toEqual([]);
  // Past a's lease (3 s by default) on the store's clock, b claims its shards and recovers them.
  let atRowReached = false;
  void atRow.then(() => {
    atRowReached = true;
  });
  while (clock.now() - T0 < 3_000) await clock.advance(1_000);
  await waitFor(clock, () => atRowReached);
  expect(b.ownedShards()).toContain(0);

  const signalled = b.getHandle(id).signal('go', 'x');
  // Recorded already (before the fix) or waiting in the inbox: either way, recovery goes on.
  const signalSeen = async () =>
    countOf(await store.readHistory(id), 'SignalReceived') === 1 ||
    (await store.pendingInbox([0])).length === 1;
  await waitFor(clock, signalSeen);
  held.open();
  for (let step = 0; step < 5; step++) {
    await b.idle();
    await clock.advance(1_000);
  }
  await signalled;
  await b.idle();
  const history = await store.readHistory(id);
  expect(countOf(history, 'SignalReceived')).toBe(1);
  expect(countOf(history, 'WorkflowCompleted')).toBe(1);
  expect(await b.getHandle(id).result()).toBe('got x');
  await b.shutdown();
  await a.shutdown();
});
