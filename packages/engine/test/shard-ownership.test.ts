// Several engines sharing one store (SharedInMemoryStore, one virtual clock for the store's leases): fair shares, takeover after a lease expires, a zombie's appends fenced, rebalancing without two writers.
import {
  type ActivityDefinition,
  defineActivity,
  defineWorkflow,
  FencedError,
  type ShardFence,
  SharedInMemoryStore,
  shardOf,
  type WorkflowEvent,
} from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { workflowIdInShard } from '@reprise/testkit';
import { cluster, quiet, SHARDS, T0, viewOf } from './shared-store-cluster.js';

const instant = defineActivity('charge', async (n: number) => n * 2);
const order = defineWorkflow('order', async (ctx, n: number) => {
  const charged = await ctx.activity(instant, n, { retry: { maximumAttempts: 1 } });
  await ctx.sleep('2s');
  return charged;
});

const count = (history: readonly WorkflowEvent[], type: WorkflowEvent['type']) =>
  history.filter((event) => event.type === type).length;

function expectDisjoint(owned: readonly number[][]): void {
  const all = owned.flat();
  expect(new Set(all).size).toBe(all.length);
}

describe('several engines on one store', () => {
  it('share the shards fairly: a newcomer gets its half, a few shards at a time, never one shard to both', async () => {
    const c = cluster();
    const a = await c.engine({ workflows: [order], activities: [instant], ownership: { ownerId: 'a' } });
    expect(a.ownedShards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const b = await c.engine({
      workflows: [order],
      activities: [instant],
      ownership: { ownerId: 'b', maxNewShards: 1 },
    });
    expect(b.ownedShards()).toEqual([]);
    await c.advance(10_000, () => expectDisjoint([a.ownedShards(), b.ownedShards()]));
    expect(a.ownedShards()).toEqual([0, 1, 2, 3]);
    expect(b.ownedShards()).toEqual([4, 5, 6, 7]);
    await c.close();
  });

  it('takes over the runs of an engine that stops renewing, finishes them once, and fences the zombie', async () => {
    const c = cluster();
    // Engine a runs on a clock of its own that the test never moves: a paused process. Its
    // activity hangs until the test lets it go.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hanging = defineActivity('charge', async (n: number) => {
      await gate;
      return n * 2;
    });
    const refused: { error: unknown; fence?: ShardFence }[] = [];
    const a = await Engine.create({
      store: viewOf(c.store, refused),
      clock: new VirtualClock(T0),
      logger: quiet,
      workflows: [order],
      activities: [hanging as ActivityDefinition<number, number>],
      ownership: { ownerId: 'a' },
    });
    const ids = Array.from({ length: 12 }, (_, n) => `order-${n}`);
    for (const [n, workflowId] of ids.entries()) await a.start(order, n, { workflowId });
    await a.idle().catch(() => {});
    const b = await c.engine({ workflows: [order], activities: [instant], ownership: { ownerId: 'b' } });
    expect(b.ownedShards()).toEqual([]);
    // Past a's TTL on the store's clock, b claims every shard and recovers a's runs.
    await c.advance(3_000 + 2_000);
    expect(b.ownedShards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await c.advance(3_000);
    for (const [n, workflowId] of ids.entries()) {
      expect(await b.getHandle(workflowId).result()).toBe(n * 2);
    }
    const before = await Promise.all(ids.map((id) => c.store.readHistory(id as never)));
    // The zombie wakes: its attempts end, its runs try to record them, and are refused.
    release();
    await a.idle();
    const fenced = refused.filter((entry) => entry.error instanceof FencedError);
    expect(fenced.length).toBeGreaterThan(0);
    expect(a.ownedShards().length).toBeLessThan(SHARDS);
    for (const entry of fenced) expect(a.ownedShards()).not.toContain(entry.fence?.shard);
    const after = await Promise.all(ids.map((id) => c.store.readHistory(id as never)));
    expect(after).toEqual(before);
    for (const history of after) {
      expect(count(history, 'WorkflowCompleted')).toBe(1);
      expect(count(history, 'ActivityCompleted')).toBe(1);
      expect(count(history, 'WorkflowStarted')).toBe(1);
    }
    await a.shutdown();
    await c.close();
  });

  it('rebalances when a third engine joins without two writers of one shard, and every run completes once', async () => {
    const c = cluster();
    const options = (ownerId: string) => ({
      workflows: [order],
      activities: [instant],
      ownership: { ownerId, maxNewShards: 2 },
    });
    const a = await c.engine(options('a'));
    const b = await c.engine(options('b'));
    await c.advance(5_000);
    const ids = Array.from({ length: 24 }, (_, n) => `run-${n}`);
    // Each run is started by the engine that owns its shard (the others would use the inbox).
    const ownerOf = (id: string) =>
      c.engines.find((engine) => engine.ownedShards().includes(shardOf(id, SHARDS)));
    for (const [n, workflowId] of ids.entries()) await ownerOf(workflowId)?.start(order, n, { workflowId });
    const third = await c.engine(options('c'));
    await c.advance(12_000, () => expectDisjoint([a.ownedShards(), b.ownedShards(), third.ownedShards()]));
    expect([a, b, third].map((engine) => engine.ownedShards().length).sort()).toEqual([2, 3, 3]);
    for (const [n, workflowId] of ids.entries()) {
      const history = await c.store.readHistory(workflowId as never);
      expect(count(history, 'WorkflowCompleted')).toBe(1);
      expect(count(history, 'ActivityCompleted')).toBe(1);
      expect(history.find((event) => event.type === 'WorkflowCompleted')).toMatchObject({ result: n * 2 });
    }
    await c.close();
  });

  it('hands an engine that shuts down its shards to the others at their next renewal', async () => {
    const c = cluster();
    const a = await c.engine({ workflows: [order], activities: [instant], ownership: { ownerId: 'a' } });
    const b = await c.engine({ workflows: [order], activities: [instant], ownership: { ownerId: 'b' } });
    await c.advance(4_000);
    const id = workflowIdInShard(a.ownedShards()[0] as number, SHARDS, 'moving');
    await a.start(order, 5, { workflowId: id });
    await a.shutdown();
    await c.advance(4_000);
    expect(b.ownedShards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await b.getHandle(id).result()).toBe(10);
    await c.close();
  });
});

describe('an engine whose leases expired while nobody took them', () => {
  it('claims them again at its first refused append, and its runs carry on', async () => {
    const waiting = defineWorkflow(
      'waiting',
      async (ctx, n: number) => n + ((await ctx.waitForSignal<number>('go')) ?? 0),
    );
    // The store's clock runs ahead of the engine's (a pause longer than the TTL, as the store sees it).
    const clock = new VirtualClock(T0);
    let skew = 0;
    const store = new SharedInMemoryStore({ shardCount: SHARDS, clock: { now: () => clock.now() + skew } });
    const refused: { error: unknown; fence?: ShardFence }[] = [];
    const engine = await Engine.create({
      store: viewOf(store, refused),
      clock,
      logger: quiet,
      workflows: [waiting],
      ownership: { ownerId: 'a' },
    });
    const handle = await engine.start(waiting, 4, { workflowId: 'skewed' });
    await engine.idle();
    skew = 10_000;
    // The signal's append is refused: the caller is told, and the engine claims its shards again.
    await expect(handle.signal('go', 1)).rejects.toThrow(/shard \d+/);
    await engine.idle();
    expect(refused.filter((entry) => entry.error instanceof FencedError)).toHaveLength(1);
    expect(engine.ownedShards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await handle.signal('go', 2);
    expect(await handle.result()).toBe(6);
    const history = await store.readHistory('skewed' as never);
    expect(count(history, 'SignalReceived')).toBe(1);
    expect(count(history, 'WorkflowCompleted')).toBe(1);
    await engine.shutdown();
  });
});

describe('a recovery of newly claimed shards that fails', () => {
  it('gives the shards up and recovers them at the next renewal', async () => {
    const c = cluster();
    const a = await c.engine({ workflows: [order], activities: [instant], ownership: { ownerId: 'a' } });
    const ids = Array.from({ length: 6 }, (_, n) => `flaky-${n}`);
    for (const [n, workflowId] of ids.entries()) await a.start(order, n, { workflowId });
    await c.settle();
    // Engine b's first recovery after its start fails (the store drops a read).
    let failures = 1;
    const flaky = new Proxy(viewOf(c.store), {
      get(target, key) {
        const value = Reflect.get(target, key, target) as (...args: unknown[]) => unknown;
        if (key !== 'listActive') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => {
          const shards = (args[0] as { shards?: number[] } | undefined)?.shards ?? [];
          if (shards.length > 0 && failures-- > 0) throw new Error('connection reset');
          return value.apply(target, args);
        };
      },
    });
    const b = await c.engine({
      store: flaky,
      workflows: [order],
      activities: [instant],
      ownership: { ownerId: 'b' },
    });
    await a.shutdown();
    await c.advance(4_000);
    expect(failures).toBeLessThan(0);
    expect(b.ownedShards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const [n, workflowId] of ids.entries()) expect(await b.getHandle(workflowId).result()).toBe(n * 2);
    await c.close();
  });
});

describe('ownership options', () => {
  it('refuses bad ones with an InvalidArgumentError naming them', async () => {
    const store = new SharedInMemoryStore({ shardCount: SHARDS });
    for (const [ownership, named] of [
      [{ ownerId: '' }, 'ownership.ownerId'],
      [{ leaseTtlMs: 0 }, 'ownership.leaseTtlMs'],
      [{ pollMs: Number.NaN }, 'ownership.pollMs'],
      [{ maxNewShards: 0.5 }, 'ownership.maxNewShards'],
    ] as const) {
      await expect(Engine.create({ store, workflows: [order], ownership })).rejects.toThrow(named);
    }
    expect(await store.liveOwners()).toEqual([]);
    await store.close();
  });
});
