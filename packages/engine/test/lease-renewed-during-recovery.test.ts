// Window: an engine has claimed shards (a dead or departed engine's) and is recovering their
// runs, and the recovery lasts longer than a lease's TTL (many runs, a busy machine). Its renewals
// must go on meanwhile; if they wait for the recovery, the leases it holds lapse, its next append
// is fenced, it claims the shards again and recovers them again, and a takeover that should take
// one TTL turns into a loop of lapses (seen as a 14 s takeover with 1 s leases on PostgreSQL).
import { FencedError, type ShardFence, SharedInMemoryStore } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { workflowIdInShard } from '@reprise/testkit';
import {
  countOf,
  goWaiter,
  heldSummaryReads,
  quiet,
  T0,
  viewOf,
  waitFor,
  watchedClaims,
} from './shared-store-cluster.js';

const SHARDS = 2;
const TTL = 3_000;

it('renews the leases it holds while it recovers newly claimed shards for longer than their TTL', async () => {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: SHARDS, clock });
  const id = workflowIdInShard(0, SHARDS, 'waiter');
  const a = await Engine.create({
    store: viewOf(store),
    clock,
    logger: quiet,
    workflows: [goWaiter],
    ownership: { ownerId: 'a', leaseTtlMs: TTL },
  });
  await a.start(goWaiter, null, { workflowId: id });
  await a.idle();

  const refused: { error: unknown; fence?: ShardFence }[] = [];
  const held = heldSummaryReads(viewOf(store, refused), id);
  const atRow = held.reached;
  const claims = watchedClaims(held.store, clock);
  const b = await Engine.create({
    store: claims.store,
    clock,
    logger: quiet,
    workflows: [goWaiter],
    ownership: { ownerId: 'b', leaseTtlMs: TTL },
  });
  expect(b.ownedShards()).toEqual([]);
  // Engine a leaves (its shards are free at once); b claims both at its next renewal.
  await a.shutdown();
  let atRowReached = false;
  void atRow.then(() => {
    atRowReached = true;
  });
  // b's recovery of the claimed shards (at its first renewal) is held at the run's row.
  await clock.advance(TTL / 3);
  await waitFor(clock, () => atRowReached);
  expect(atRowReached).toBe(true);
  expect(b.ownedShards()).toEqual([0, 1]);

  // The recovery lasts three TTLs; renewals every third of a TTL keep both leases meanwhile.
  for (let step = 0; step < 18; step++) {
    const claimed = claims.startedAt.length;
    await clock.advance(TTL / 6);
    // Every other step is a renewal's time: it claims, and is answered, before time moves on.
    if (step % 2 === 1) await waitFor(clock, () => claims.answered() === claimed + 1);
  }
  expect(await store.liveOwners()).toEqual([{ ownerId: 'b', shards: SHARDS, expiresAt: expect.any(Number) }]);

  held.open();
  const signalled = b.getHandle(id).signal('go', 'x');
  for (let step = 0; step < 5; step++) {
    await b.idle();
    await clock.advance(500);
  }
  await signalled;
  expect(await b.getHandle(id).result()).toBe('got x');
  expect(refused.filter((entry) => entry.error instanceof FencedError)).toEqual([]);
  expect(b.ownedShards()).toEqual([0, 1]);
  const history = await store.readHistory(id);
  expect(countOf(history, 'SignalReceived')).toBe(1);
  expect(countOf(history, 'WorkflowCompleted')).toBe(1);
  await b.shutdown();
});
