// Work that crosses engines sharing a store: a start, signal, update or cancel sent through engine a for a workflow whose shard engine b owns goes through b's inbox, is recorded once by b, and a's call resolves once it is recorded.
import {
  defineWorkflow,
  SharedInMemoryStore,
  shardOf,
  UpdateRejectedError,
  WorkflowAlreadyStartedError,
  type WorkflowEvent,
  type WorkflowId,
  WorkflowNotFoundError,
  type WorkflowStore,
} from '@reprise/core';
import { Engine, type EngineOptions, VirtualClock } from '@reprise/engine';
import { workflowIdInShard } from '@reprise/testkit';

const T0 = 1_767_225_600_000;
const SHARDS = 8;
const quiet = { warn: () => {} };

const cart = defineWorkflow('cart', async (ctx, _input: null) => {
  let total = 0;
  ctx.setUpdateHandler(
    'add',
    (amount: number) => {
      total += amount;
      return total;
    },
    {
      validator: (amount) => {
        if (typeof amount !== 'number') throw new Error('an amount is a number');
      },
    },
  );
  const note = await ctx.waitForSignal<string>('checkout');
  return { note, total };
});

/**
 * An engine's view of the shared store: shutdown leaves it open; `notices: false` loses every
 * notice; `failConsumes` consumptions fail as if the owner died between recording and consuming.
 */
function viewOf(store: SharedInMemoryStore, notices = true, failConsumes = { count: 0 }): WorkflowStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'close') return async () => {};
      if (key === 'watchInbox' && !notices) return () => () => {};
      if (key === 'consumeInbox' && failConsumes.count > 0) {
        return async () => {
          failConsumes.count--;
          throw new Error('connection lost');
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as WorkflowStore;
}

async function twoEngines(
  notices = true,
  failConsumes = { count: 0 },
  workflows: EngineOptions['workflows'] = [cart],
) {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: SHARDS, clock });
  const make = (ownerId: string) =>
    Engine.create({
      store: viewOf(store, notices, failConsumes),
      clock,
      logger: quiet,
      workflows,
      ownership: { ownerId },
    });
  const a = await make('a');
  const b = await make('b');
  const settle = async () => {
    for (let round = 0; round < 3; round++) await Promise.all([a.idle(), b.idle()]);
  };
  const advance = async (ms: number) => {
    const target = clock.now() + ms;
    await settle();
    for (;;) {
      const next = clock.nextTimerAt();
      if (next === undefined || next > target) break;
      await clock.advance(Math.max(0, next - clock.now()));
      await settle();
    }
    await clock.advance(target - clock.now());
    await settle();
  };
  await advance(4_000);
  expect(a.ownedShards()).toEqual([0, 1, 2, 3]);
  expect(b.ownedShards()).toEqual([4, 5, 6, 7]);
  /** Resolves `call` while the clock moves (callers poll for what other engines record). */
  const during = async <T>(call: Promise<T>): Promise<T> => {
    const settled = call.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await advance(2_000);
    const result = (await settled) as { value: T } | { error: unknown };
    if ('error' in result) throw result.error;
    return result.value;
  };
  const close = async () => {
    await a.shutdown();
    await b.shutdown();
  };
  return {
    store,
    a,
    b,
    advance,
    during,
    close,
    idOfB: (prefix: string) => workflowIdInShard(5, SHARDS, prefix),
  };
}

const count = (history: readonly WorkflowEvent[], type: WorkflowEvent['type']) =>
  history.filter((event) => event.type === type).length;

describe('the inbox between engines', () => {
  it('delivers a signal and an update sent through a to a run owned by b, each recorded once', async () => {
    const { store, a, b, during, close, idOfB } = await twoEngines();
    const id = idOfB('cart');
    await b.start(cart, null, { workflowId: id });
    const viaA = a.getHandle(id);
    expect(await during(viaA.executeUpdate('add', 5, { updateId: 'u-1' }))).toBe(5);
    await expect(during(viaA.executeUpdate('add', 'five' as never))).rejects.toBeInstanceOf(
      UpdateRejectedError,
    );
    await viaA.signal('checkout', 'leave at the door');
    expect(await during(viaA.result())).toEqual({ note: 'leave at the door', total: 5 });
    const history = await store.readHistory(id);
    expect(count(history, 'SignalReceived')).toBe(1);
    expect(count(history, 'UpdateAccepted')).toBe(1);
    expect(count(history, 'WorkflowCompleted')).toBe(1);
    // b ran it: a never had it in memory.
    expect(a.supervisionTree().types.flatMap((type) => type.runs)).toEqual([]);
    expect(await store.pendingInbox([...Array(SHARDS).keys()])).toEqual([]);
    await close();
  });

  it('starts through a a workflow whose id hashes to b’s shard: b records it and runs it', async () => {
    const { store, a, b, during, close, idOfB } = await twoEngines();
    const id = idOfB('started-via-a');
    expect(shardOf(id, SHARDS)).toBe(5);
    const handle = await a.start(cart, null, { workflowId: id });
    expect(handle.workflowId).toBe(id);
    expect(count(await store.readHistory(id), 'WorkflowStarted')).toBe(1);
    expect(b.supervisionTree().types.flatMap((type) => type.runs.map((run) => run.workflowId))).toEqual([id]);
    await expect(a.start(cart, null, { workflowId: id })).rejects.toBeInstanceOf(WorkflowAlreadyStartedError);
    const existing = await a.start(cart, null, { workflowId: id, onConflict: 'useExisting' });
    expect(existing.workflowId).toBe(id);
    await handle.signal('checkout', 'done');
    expect(await during(handle.result())).toEqual({ note: 'done', total: 0 });
    expect(count(await store.readHistory(id), 'WorkflowStarted')).toBe(1);
    await close();
  });

  it('cancels through a a run owned by b, and refuses a signal to an unknown workflow with its typed error', async () => {
    const { store, a, b, close, idOfB } = await twoEngines();
    const id = idOfB('to-cancel');
    await b.start(cart, null, { workflowId: id });
    expect(await a.getHandle(id).cancel('changed my mind')).toEqual({ status: 'Running' });
    await b.idle();
    const history = await store.readHistory(id);
    expect(count(history, 'WorkflowCancelRequested')).toBe(1);
    expect(history.at(-1)?.type).toBe('WorkflowCancelled');
    await expect(a.getHandle(idOfB('nobody')).signal('checkout', 'x')).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    await close();
  });

  it('still delivers when every notice is lost: the owner finds the item at its next poll', async () => {
    const { store, a, during, close, idOfB } = await twoEngines(false);
    const id = idOfB('polled') as WorkflowId;
    const handle = await during(a.start(cart, null, { workflowId: id }));
    await during(handle.signal('checkout', 'polled'));
    expect(await during(handle.result())).toEqual({ note: 'polled', total: 0 });
    expect(count(await store.readHistory(id), 'SignalReceived')).toBe(1);
    await close();
  });

  it('records an item once when its owner fails between recording and consuming it: the retry only consumes it', async () => {
    const failConsumes = { count: 0 };
    const { store, a, b, during, close, idOfB } = await twoEngines(true, failConsumes);
    const id = idOfB('retried');
    await b.start(cart, null, { workflowId: id });
    failConsumes.count = 2;
    await during(a.getHandle(id).signal('checkout', 'once'));
    expect(failConsumes.count).toBe(0);
    const history = await store.readHistory(id);
    expect(count(history, 'SignalReceived')).toBe(1);
    expect(await during(a.getHandle(id).result())).toEqual({ note: 'once', total: 0 });
    await close();
  });

  it('runs a child whose id is in the other engine’s shard there, and hands its outcome to the parent; signals between workflows cross too', async () => {
    const child = defineWorkflow('child', async (ctx, n: number) => {
      const extra = await ctx.waitForSignal<number>('extra');
      return n + (extra ?? 0);
    });
    const parent = defineWorkflow('parent', async (ctx, childId: string) => {
      const handle = await ctx.startChild(child, 1, { workflowId: childId });
      await ctx.signalWorkflow(childId, 'extra', 41);
      return handle.result();
    });
    const workflows = [cart, child, parent];
    const { store, a, b, during, close, idOfB } = await twoEngines(true, { count: 0 }, workflows);
    const childId = idOfB('child');
    const parentId = workflowIdInShard(1, SHARDS, 'parent');
    const handle = await a.start(parent, childId, { workflowId: parentId });
    expect(await during(handle.result())).toBe(42);
    const childHistory = await store.readHistory(childId);
    expect(count(childHistory, 'WorkflowStarted')).toBe(1);
    expect(count(childHistory, 'SignalReceived')).toBe(1);
    expect(childHistory[0]).toMatchObject({ parent: { workflowId: parentId } });
    const parentHistory = await store.readHistory(parentId as WorkflowId);
    expect(count(parentHistory, 'ChildWorkflowCompleted')).toBe(1);
    expect(count(parentHistory, 'WorkflowCompleted')).toBe(1);
    expect(b.supervisionTree().types.flatMap((type) => type.runs)).toEqual([]);
    await close();
  });

  it('terminates a child on the other engine when its parent closes (parentClosePolicy terminate)', async () => {
    const forever = defineWorkflow('forever', async (ctx) => {
      await ctx.waitForSignal('never');
      return 'unreachable';
    });
    const shortParent = defineWorkflow('short-parent', async (ctx, childId: string) => {
      await ctx.startChild(forever, null, { workflowId: childId });
      return 'parent done';
    });
    const workflows = [cart, forever, shortParent];
    const { store, a, during, advance, close, idOfB } = await twoEngines(true, { count: 0 }, workflows);
    const childId = idOfB('orphan');
    const handle = await a.start(shortParent, childId, { workflowId: workflowIdInShard(2, SHARDS, 'p') });
    expect(await during(handle.result())).toBe('parent done');
    await advance(2_000);
    const childHistory = await store.readHistory(childId);
    expect(childHistory.at(-1)).toMatchObject({ type: 'WorkflowTerminated' });
    await close();
  });

  it('decides a start from the inbox once the owner’s own start of the id, not recorded yet, is recorded or undone', async () => {
    // Window: b starts a closed id as a new id (no read); its first append will find the history.
    // A start from a that b takes meanwhile must not meet that attempt as an open run.
    const { store, a, b, during, close, idOfB } = await twoEngines();
    const id = idOfB('reused');
    const first = await b.start(cart, null, { workflowId: id });
    await first.signal('checkout', 'first');
    expect(await during(first.result())).toEqual({ note: 'first', total: 0 });
    const local = b.start(cart, null, { workflowId: id, idReusePolicy: 'rejectDuplicate' });
    const remote = a.start(cart, null, { workflowId: id });
    await expect(during(local)).rejects.toMatchObject({ code: 'workflow_already_started' });
    const second = await during(remote);
    const history = await store.readHistory(id);
    expect(count(history, 'WorkflowStarted')).toBe(2);
    expect((await second.describe()).status).toBe('Running');
    await close();
  });
});
