// Several engines on one PostgreSQL schema (each with its own connection pool): takeover of a paused engine's runs after its lease expires on the database's clock, the zombie's appends fenced, and work sent through one engine to runs another owns (start, signal, update), with notifications on and off.
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  type ActivityDefinition,
  defineActivity,
  defineWorkflow,
  FencedError,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';
import { Engine, type EngineOptions, VirtualClock } from '@reprise/engine';
import { openPostgresStore } from '@reprise/store-postgres';
import { workflowIdInShard } from '@reprise/testkit';
import { dropTestSchemas, sql, testSchema } from '../../../../test/support/postgres.js';

afterAll(() => dropTestSchemas());

const T0 = 1_767_225_600_000;
const SHARDS = 8;
// A lease long against the wall time a step of the test takes: the database's clock moves on
// with the wall clock besides the offset the test adds, and tests never depend on machine speed.
const TTL = 60_000;
/** The inbox poll, in virtual time: each step of `advance` is a few queries per engine. */
const POLL = 5_000;
const quiet = { warn: () => {} };
const count = (history: readonly WorkflowEvent[], type: WorkflowEvent['type']) =>
  history.filter((event) => event.type === type).length;

/** Engines on one schema; `advance` moves the engines' virtual clock and the database's clock together. */
async function pgCluster(prefix: string, notifications = true) {
  const { url, schema } = await testSchema(prefix);
  const clock = new VirtualClock(T0);
  const engines: Engine[] = [];
  const stores: WorkflowStore[] = [];
  const open = async (refused?: unknown[]) => {
    const store = await openPostgresStore(
      { connectionString: url, maxConnections: 4 },
      { schema, shardCount: SHARDS, notifications },
    );
    stores.push(store);
    if (!refused) return store;
    return new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key !== 'append') {
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return async (...args: Parameters<WorkflowStore['append']>) => {
          try {
            return await target.append(...args);
          } catch (error) {
            refused.push(error);
            throw error;
          }
        };
      },
    }) as WorkflowStore;
  };
  const settle = async () => {
    for (let round = 0; round < 3; round++) await Promise.all(engines.map((engine) => engine.idle()));
  };
  const advance = async (ms: number) => {
    const target = clock.now() + ms;
    await settle();
    for (;;) {
      const next = clock.nextTimerAt();
      if (next === undefined || next > target) break;
      const step = Math.max(0, next - clock.now());
      await sql(url, `UPDATE "${schema}".store_config SET clock_offset_ms = clock_offset_ms + $1`, [step]);
      await clock.advance(step);
      await settle();
    }
    const rest = target - clock.now();
    await sql(url, `UPDATE "${schema}".store_config SET clock_offset_ms = clock_offset_ms + $1`, [rest]);
    await clock.advance(rest);
    await settle();
  };
  return {
    clock,
    open,
    advance,
    async engine(
      ownerId: string,
      workflows: EngineOptions['workflows'],
      activities: EngineOptions['activities'] = [],
    ) {
      const engine = await Engine.create({
        store: await open(),
        clock,
        logger: quiet,
        workflows,
        activities,
        ownership: { ownerId, leaseTtlMs: TTL, pollMs: POLL },
      });
      engines.push(engine);
      return engine;
    },
    /**
     * Resolves `call` while the clock moves a poll at a time (callers poll for what other
     * engines record; a call's own queries are not work `idle` waits for).
     */
    async during<T>(call: Promise<T>): Promise<T> {
      let done = false;
      const settled = call.then(
        (value) => {
          done = true;
          return { value };
        },
        (error: unknown) => {
          done = true;
          return { error };
        },
      );
      for (let polls = 0; polls < 40 && !done; polls++) await advance(POLL);
      const result = (await settled) as { value: T } | { error: unknown };
      if ('error' in result) throw result.error;
      return result.value;
    },
    async close() {
      await Promise.all(engines.map((engine) => engine.shutdown()));
      await Promise.all(stores.map((store) => store.close()));
    },
  };
}

const instant = defineActivity('charge', async (n: number) => n * 2);
const order = defineWorkflow('order', async (ctx, n: number) => {
  const charged = await ctx.activity(instant, n, { retry: { maximumAttempts: 1 } });
  await ctx.sleep('2s');
  return charged;
});

const cart = defineWorkflow('cart', async (ctx, _input: null) => {
  let total = 0;
  ctx.setUpdateHandler('add', (amount: number) => {
    total += amount;
    return total;
  });
  const note = await ctx.waitForSignal<string>('checkout');
  return { note, total };
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
});
