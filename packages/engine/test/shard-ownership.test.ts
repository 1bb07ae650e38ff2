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
  type WorkflowStore,
} from '@reprise/core';
import { Engine, type EngineOptions, VirtualClock } from '@reprise/engine';
import { workflowIdInShard } from '@reprise/testkit';

const T0 = 1_767_225_600_000;
const SHARDS = 8;
const quiet = { warn: () => {} };

/** One engine's view of the shared store: its shutdown does not close it for the others; appends refused are kept. */
function viewOf(
  store: SharedInMemoryStore,
  refused: { error: unknown; fence?: ShardFence }[] = [],
): WorkflowStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'close') return async () => {};
      if (key === 'append') {
        return async (...args: Parameters<WorkflowStore['append']>) => {
          try {
            return await target.append(...args);
          } catch (error) {
            refused.push({ error, ...(args[2].fence ? { fence: args[2].fence } : {}) });
            throw error;
          }
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as WorkflowStore;
}

/** Engines on one store; `advance` moves the shared clock timer by timer, letting every engine settle. */
function cluster() {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: SHARDS, clock });
  const engines: Engine[] = [];
  const settle = async () => {
    for (let round = 0; round < 3; round++) await Promise.all(engines.map((engine) => engine.idle()));
  };
  return {
    clock,
    store,
    engines,
    async engine(options: Omit<EngineOptions, 'store'> & { store?: WorkflowStore }): Promise<Engine> {
      const engine = await Engine.create({ store: viewOf(store), clock, logger: quiet, ...options });
      engines.push(engine);
      return engine;
    },
    settle,
    async advance(ms: number, each?: () => void): Promise<void> {
      const target = clock.now() + ms;
      await settle();
      for (;;) {
        each?.();
        const next = clock.nextTimerAt();
        if (next === undefined || next > target) break;
        await clock.advance(Math.max(0, next - clock.now()));
        await settle();
      }
      await clock.advance(target - clock.now());
      await settle();
      each?.();
    },
    async close(): Promise<void> {
      await Promise.all(engines.map((engine) => engine.shutdown()));
    },
  };
}

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
