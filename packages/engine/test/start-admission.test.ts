// A burst of `engine.start` calls is admitted `maxConcurrentStarts` at a time: a start waits its
// turn until an earlier one is durable, shutdown refuses those still waiting, and `result()` of a
// run this engine has just closed answers from memory (the burst's callers ask for results once
// most runs are closed).
import { defineWorkflow, InMemoryStore, SharedInMemoryStore, type WorkflowStore } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { workflowIdInShard } from '@reprise/testkit';
import { reopenable } from './helpers.js';
import { SHARDS, T0, viewOf, waitFor } from './shared-store-cluster.js';

const hello = defineWorkflow('hello', async (_ctx, name: string) => `hello ${name}`);
const broken = defineWorkflow('broken', async (_ctx, name: string) => {
  throw new Error(`no ${name}`);
});
const quiet = { warn: () => undefined };

/**
 * The store, with the appends of the workflow ids in `held` kept waiting until `release()`, and
 * every first append and history read noted in order.
 */
function watched(open: () => WorkflowStore, held: readonly string[] = []) {
  const log: string[] = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const store = new Proxy(open(), {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'append') {
        return async (workflowId: string, ...rest: unknown[]) => {
          log.push(`append ${workflowId}`);
          if (held.includes(workflowId)) await released;
          const appended = await value.call(target, workflowId, ...rest);
          log.push(`durable ${workflowId}`);
          return appended;
        };
      }
      if (property === 'readHistory') {
        return (workflowId: string) => {
          log.push(`read ${workflowId}`);
          return value.call(target, workflowId);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, log, release };
}

it('admits a start only once an earlier one is durable when the limit is reached', async () => {
  const { open } = reopenable(new InMemoryStore());
  const { store, log, release } = watched(open, ['a']);
  const engine = await Engine.create({ store, workflows: [hello], logger: quiet, maxConcurrentStarts: 1 });
  try {
    const first = engine.start(hello, 'a', { workflowId: 'a' });
    const second = engine.start(hello, 'b', { workflowId: 'b' });
    // a's start is held in the store; b has not been admitted, so not even registered.
    await expect(engine.getHandle('b').describe()).rejects.toMatchObject({ code: 'workflow_not_found' });
    release();
    await expect((await first).result()).resolves.toBe('hello a');
    await expect((await second).result()).resolves.toBe('hello b');
    const firsts = log.filter((line) => /^(append|durable) [ab]$/.test(line));
    expect(firsts.indexOf('append b')).toBeGreaterThan(firsts.indexOf('durable a'));
  } finally {
    await engine.shutdown();
  }
});

it('refuses the starts still waiting their turn when shutdown begins, recording nothing of them', async () => {
  const { open } = reopenable(new InMemoryStore());
  const { store, release } = watched(open, ['a']);
  const engine = await Engine.create({ store, workflows: [hello], logger: quiet, maxConcurrentStarts: 1 });
  const first = engine.start(hello, 'a', { workflowId: 'a' }).then(
    () => 'started',
    (error: { code?: string }) => error.code,
  );
  const waiting = engine.start(hello, 'b', { workflowId: 'b' });
  const closing = engine.shutdown();
  await expect(waiting).rejects.toMatchObject({ code: 'engine_closed' });
  release();
  await closing;
  expect(['started', 'engine_closed']).toContain(await first);
  expect(await open().readHistory('b' as never)).toEqual([]);
});

it.each([0, -1, 1.5, Number.NaN, '8'])('refuses maxConcurrentStarts %p', async (maxConcurrentStarts) => {
  await expect(
    Engine.create({ workflows: [hello], maxConcurrentStarts: maxConcurrentStarts as number }),
  ).rejects.toMatchObject({
    code: 'invalid_argument',
    argument: 'maxConcurrentStarts',
    message: expect.stringContaining(String(maxConcurrentStarts)),
  });
});

it('takes Infinity: every start admitted at once', async () => {
  const { open } = reopenable(new InMemoryStore());
  const { store, release } = watched(open, ['a']);
  const engine = await Engine.create({
    store,
    workflows: [hello],
    logger: quiet,
    maxConcurrentStarts: Number.POSITIVE_INFINITY,
  });
  try {
    const first = engine.start(hello, 'a', { workflowId: 'a' });
    // b goes ahead while a's start is held.
    await expect((await engine.start(hello, 'b', { workflowId: 'b' })).result()).resolves.toBe('hello b');
    release();
    await expect((await first).result()).resolves.toBe('hello a');
  } finally {
    await engine.shutdown();
  }
});

it("a start another engine carries out takes no turn: this engine's own starts go on while it waits", async () => {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: SHARDS, clock });
  const make = (ownerId: string, maxConcurrentStarts?: number) =>
    Engine.create({
      store: viewOf(store),
      clock,
      logger: quiet,
      workflows: [hello],
      ownership: { ownerId },
      ...(maxConcurrentStarts === undefined ? {} : { maxConcurrentStarts }),
    });
  const a = await make('a', 1);
  const b = await make('b');
  // a takes every shard at once; b gets its half as leases are renewed on the virtual clock.
  for (let step = 0; b.ownedShards().length < SHARDS / 2; step++) {
    if (step === 100) throw new Error('the shards were never shared between the two engines');
    await clock.advance(500);
    await Promise.all([a.idle(), b.idle()]);
  }
  await waitFor(clock, () => a.ownedShards().length === SHARDS / 2);
  const remoteShard = b.ownedShards()[0] as number;
  const localShard = a.ownedShards()[0] as number;
  // b is gone and the clock stands still: a start of an id in b's shard waits for good.
  await b.shutdown();
  const remote = a.start(hello, 'far', { workflowId: workflowIdInShard(remoteShard, SHARDS, 'far') }).then(
    () => 'started',
    (error: { code?: string }) => error.code,
  );
  const local = await a.start(hello, 'near', { workflowId: workflowIdInShard(localShard, SHARDS, 'near') });
  expect(await local.result()).toBe('hello near');
  await a.shutdown();
  expect(await remote).not.toBe('started');
});

describe('result() of a run this engine closed', () => {
  it('answers from memory, with what the history says, and follows a new run of the id', async () => {
    const { open } = reopenable(new InMemoryStore());
    const { store, log } = watched(open);
    const engine = await Engine.create({ store, workflows: [hello, broken], logger: quiet });
    const reads = () => log.filter((line) => line.startsWith('read ')).length;
    try {
      await (await engine.start(hello, 'one', { workflowId: 'x' })).result();
      await (await engine.start(broken, 'way', { workflowId: 'bad' })).result().catch(() => undefined);
      const big = 'y'.repeat(20_000);
      await (await engine.start(hello, big, { workflowId: 'big' })).result();

      const before = reads();
      expect(await engine.getHandle('x').result()).toBe('hello one');
      const fromMemory = await engine
        .getHandle('bad')
        .result()
        .catch((error: unknown) => error);
      expect(reads()).toBe(before);
      // Too large to keep: read from the store, and still right.
      expect(await engine.getHandle('big').result()).toBe(`hello ${big}`);
      expect(reads()).toBe(before + 1);

      // An engine with nothing in memory reads the same outcome from the history.
      const other = await Engine.create({ store: open(), workflows: [hello, broken], logger: quiet });
      const fromHistory = await other
        .getHandle('bad')
        .result()
        .catch((error: unknown) => error);
      await other.shutdown();
      expect(fromMemory).toBeInstanceOf(Error);
      expect({ ...(fromMemory as object), message: (fromMemory as Error).message }).toEqual({
        ...(fromHistory as object),
        message: (fromHistory as Error).message,
      });

      // A new run of the id: its result, not the one remembered.
      await (await engine.start(hello, 'two', { workflowId: 'x' })).result();
      expect(await engine.getHandle('x').result()).toBe('hello two');
    } finally {
      await engine.shutdown();
    }
  });
});
