// Window: a lease claim that takes long (a busy server, a busy process). The next renewal is due
// a third of the TTL after the previous claim began; counted from its end, renewals would be a
// third of the TTL plus a claim's duration apart, and with slow claims they would reach the
// store after the leases had expired.
import { defineWorkflow, type OwnershipStore, SharedInMemoryStore, type WorkflowStore } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { quiet, T0, viewOf } from './shared-store-cluster.js';

const TTL = 3_000;
const idle = defineWorkflow('idle', async () => null);

it('renews a third of the TTL after the previous claim began, however long that claim took', async () => {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: 2, clock });
  const claims: number[] = [];
  let gate: Promise<void> | undefined;
  const view = new Proxy(viewOf(store), {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key !== 'claimShards') {
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return async (...args: Parameters<OwnershipStore['claimShards']>) => {
        claims.push(clock.now() - T0);
        if (gate) await gate;
        return (target as unknown as OwnershipStore).claimShards(...args);
      };
    },
  }) as WorkflowStore;
  const engine = await Engine.create({
    store: view,
    clock,
    logger: quiet,
    workflows: [idle],
    ownership: { ownerId: 'a', leaseTtlMs: TTL },
  });
  const turns = async () => {
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  expect(claims).toEqual([0]);
  // The renewal at a third of the TTL takes a quarter of the TTL to answer.
  let answer: () => void = () => {};
  gate = new Promise<void>((resolve) => {
    answer = resolve;
  });
  await clock.advance(TTL / 3);
  await turns();
  expect(claims).toEqual([0, TTL / 3]);
  await clock.advance(TTL / 4);
  gate = undefined;
  answer();
  await turns();
  // The next one is due at two thirds of the TTL, not a third of it after the slow one ended.
  await clock.advance((2 * TTL) / 3 - clock.now() + T0);
  await turns();
  expect(claims).toEqual([0, TTL / 3, (2 * TTL) / 3]);
  expect(engine.ownedShards()).toEqual([0, 1]);
  await engine.shutdown();
});
