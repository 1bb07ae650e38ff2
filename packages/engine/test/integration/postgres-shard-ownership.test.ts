// Several engines on one PostgreSQL schema (each with its own connection pool): takeover of a paused engine's runs after its lease expires on the database's clock, the zombie's appends fenced, and work sent through one engine to runs another owns (start, signal, update), with notifications on and off.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  type ActivityDefinition,
  defineActivity,
  defineWorkflow,
  FencedError,
  type OwnershipStore,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { workflowIdInShard } from '@reprise/testkit';
import { killWorkerProcesses, startWorkerProcess } from '@reprise/testkit/internal';
import { dropTestSchemas, sql } from '../../../../test/support/postgres.js';
import { watchedHistoryReads } from '../helpers.js';
import { cart } from './fixtures/inbox-cart.js';
import { POLL, pgCluster, quiet, SHARDS, T0, TTL } from './postgres-cluster.js';

const WORKER = join(__dirname, 'fixtures/pg-inbox-owner-worker.ts');

afterAll(async () => {
  killWorkerProcesses();
  await dropTestSchemas();
});

/**
 * Resolves once `store` hears NOTIFY on the inbox channel (its LISTEN connection is up: a notice
 * sent before that is lost, as a hint may be). Probes are notices of an item of no shard.
 */
async function untilListening(store: OwnershipStore, url: string, schema: string): Promise<void> {
  for (let probe = 0; ; probe++) {
    const id = `probe-${probe}`;
    const heard = new Promise<boolean>((resolve) => {
      const off = store.watchInbox((notice) => {
        if (notice.kind === 'enqueued' && notice.id === id) {
          off();
          resolve(true);
        }
      });
      setTimeout(() => {
        off();
        resolve(false);
      }, 200);
    });
    const wire = { schema, origin: 'probe', kind: 'enqueued', id, shard: -1 };
    await sql(url, `SELECT pg_notify('reprise_inbox', $1)`, [JSON.stringify(wire)]);
    if (await heard) return;
  }
}

const count = (history: readonly WorkflowEvent[], type: WorkflowEvent['type']) =>
  history.filter((event) => event.type === type).length;

const instant = defineActivity('charge', async (n: number) => n * 2);
const order = defineWorkflow('order', async (ctx, n: number) => {
  const charged = await ctx.activity(instant, n, { retry: { maximumAttempts: 1 } });
  await ctx.sleep('2s');
  return charged;
});

describe('several engines on one PostgreSQL schema', () => {
  it('takes over the runs of a paused engine after its lease expires, once each, and fences the zombie', async () => {
    const c = await pgCluster('own_takeover');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hanging = defineActivity('charge', async (n: number) => {
      await gate;
      return n * 2;
    });
    const refused: unknown[] = [];
    // Engine a: a clock of its own that never moves (a paused process), an activity that hangs.
    const a = await Engine.create({
      store: await c.open(refused),
      clock: new VirtualClock(T0),
      logger: quiet,
      workflows: [order],
      activities: [hanging as ActivityDefinition<number, number>],
      ownership: { ownerId: 'a', leaseTtlMs: TTL, pollMs: POLL },
    });
    const ids = Array.from({ length: 8 }, (_, n) => `order-${n}`);
    for (const [n, workflowId] of ids.entries()) await a.start(order, n, { workflowId });
    await a.idle();
    const b = await c.engine('b', [order], [instant]);
    expect(b.ownedShards()).toEqual([]);
    await c.advance(TTL + TTL / 2);
    expect(b.ownedShards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await c.advance(5_000);
    for (const [n, workflowId] of ids.entries()) expect(await b.getHandle(workflowId).result()).toBe(n * 2);
    const before = await Promise.all(ids.map((id) => b.getHandle(id).history()));
    release();
    await a.idle();
    expect(refused.some((error) => error instanceof FencedError)).toBe(true);
    const after = await Promise.all(ids.map((id) => b.getHandle(id).history()));
    expect(after).toEqual(before);
    for (const history of after) {
      expect(count(history, 'WorkflowCompleted')).toBe(1);
      expect(count(history, 'ActivityCompleted')).toBe(1);
    }
    await a.shutdown();
    await c.close();
  });

  for (const notifications of [true, false]) {
    it(`carries a start, an update and a signal sent through a to b's shard (notifications ${notifications ? 'on' : 'off'})`, async () => {
      const c = await pgCluster(`own_inbox_${notifications}`, notifications);
      const a = await c.engine('a', [cart]);
      const b = await c.engine('b', [cart]);
      await c.advance(TTL);
      expect(a.ownedShards()).toEqual([0, 1, 2, 3]);
      expect(b.ownedShards()).toEqual([4, 5, 6, 7]);
      const id = workflowIdInShard(6, SHARDS, 'pg-cart') as WorkflowId;
      const handle = await c.during(a.start(cart, null, { workflowId: id }));
      expect(await c.during(handle.executeUpdate('add', 3))).toBe(3);
      await c.during(handle.signal('checkout', 'via a'));
      expect(await c.during(handle.result())).toEqual({ note: 'via a', total: 3 });
      const history = await handle.history();
      expect(count(history, 'WorkflowStarted')).toBe(1);
      expect(count(history, 'UpdateAccepted')).toBe(1);
      expect(count(history, 'SignalReceived')).toBe(1);
      expect(a.supervisionTree().types.flatMap((type) => type.runs)).toEqual([]);
      await c.close();
    });
  }

  it('wakes a caller waiting on the result of a run another engine owns when the run closes, not at its poll', async () => {
    const c = await pgCluster('own_result_close');
    const owner = await c.engine('b', [cart]);
    await c.advance(TTL);
    expect(owner.ownedShards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const id = 'cart-awaited' as WorkflowId;
    await owner.start(cart, null, { workflowId: id });
    // A client engine whose history reads say when the waiter has read the open run once.
    const store = await c.open();
    const watched = watchedHistoryReads(store, id);
    const client = await Engine.create({
      store: watched.store,
      clock: c.clock,
      logger: quiet,
      workflows: [cart],
      ownership: { ownerId: 'a', claimShards: false, pollMs: POLL },
    });
    await untilListening(store as unknown as OwnershipStore, c.url, c.schema);
    const result = client.getHandle(id).result();
    await watched.firstRead;
    // The virtual clock stands still from here: no poll of the client's can come.
    await owner.getHandle(id).signal('checkout', 'closed');
    expect(await result).toEqual({ note: 'closed', total: 0 });
    await client.shutdown();
    await c.close();
  });

  // Window: the owner has recorded the signal an inbox item asked for and dies before the item is
  // marked consumed. The next owner must not record it again, and the caller's call must resolve.
  it('an owner SIGKILLed between recording an inbox signal and consuming its item: the next owner only consumes it', async () => {
    const c = await pgCluster('own_inbox_kill', true, 1);
    const id = 'cart-killed' as WorkflowId;
    const worker = startWorkerProcess(WORKER, [c.url, c.schema, id]);
    await worker.waitFor((line) => line === 'started');
    const a = await c.engine('a', [cart]);
    expect(a.ownedShards()).toEqual([]);
    const signalled = a.getHandle(id).signal('checkout', 'once');
    expect((await worker.exited).signal).toBe('SIGKILL');
    const store = await c.open();
    const recorded = await store.readHistory(id);
    expect(count(recorded, 'SignalReceived')).toBe(1);
    expect(await (store as unknown as OwnershipStore).pendingInbox([0])).toHaveLength(1);
    // The worker's lease expires on the database's clock; a claims the shard and the item.
    await c.during(signalled);
    expect(a.ownedShards()).toEqual([0]);
    expect(await c.during(a.getHandle(id).result())).toEqual({ note: 'once', total: 0 });
    const history = await store.readHistory(id);
    expect(count(history, 'SignalReceived')).toBe(1);
    expect(count(history, 'WorkflowCompleted')).toBe(1);
    expect(await (store as unknown as OwnershipStore).pendingInbox([0])).toEqual([]);
    await c.close();
  });
});
