// Window: a lease claim that takes long (a busy server, a busy process). The next renewal is due
// a third of the TTL after the previous claim began; counted from its end, renewals would be a
// third of the TTL plus a claim's duration apart, and with slow claims they would reach the
// store after the leases had expired.
import { defineWorkflow, SharedInMemoryStore } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { quiet, T0, viewOf, waitFor, watchedClaims } from './shared-store-cluster.js';

const TTL = 3_000;
const idle = defineWorkflow('idle', async () => null);

it('renews a third of the TTL after the previous claim began, however long that claim took', async () => {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: 2, clock });
  let gate: Promise<void> | undefined;
  const claims = watchedClaims(viewOf(store), clock, () => gate);
  const sinceT0 = () => claims.startedAt.map((at) => at - T0);
  const engine = await Engine.create({
    store: claims.store,
    clock,
    logger: quiet,
    workflows: [idle],
    ownership: { ownerId: 'a', leaseTtlMs: TTL },
  });
  expect(sinceT0()).toEqual([0]);
  // The renewal at a third of the TTL takes a quarter of the TTL to answer.
  let answer: () => void = () => {};
  gate = new Promise<void>((resolve) => {
    answer = resolve;
  });
  await clock.advance(TTL / 3);
  await waitFor(clock, () => claims.startedAt.length === 2);
  expect(sinceT0()).toEqual([0, TTL / 3]);
  await clock.advance(TTL / 4);
  gate = undefined;
  answer();
  await waitFor(clock, () => claims.answered() === 2);
  // The next one is due at two thirds of the TTL, not a third of it after the slow one ended
  // (which would not come within this advance: the wait below would give up).
  await clock.advance((2 * TTL) / 3 - clock.now() + T0);
  await waitFor(clock, () => claims.startedAt.length === 3);
  expect(sinceT0()).toEqual([0, TTL / 3, (2 * TTL) / 3]);
  expect(engine.ownedShards()).toEqual([0, 1]);
  await engine.shutdown();
});
