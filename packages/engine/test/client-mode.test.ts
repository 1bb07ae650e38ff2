// A client engine (ownership.claimShards: false) runs nothing and holds no shard: every operation it is asked reaches the owner through the inbox, and resolves once the owner has carried it out; with no owner, the call waits in the inbox until an engine takes the shard.
import {
  defineActivity,
  defineWorkflow,
  InMemoryStore,
  InvalidArgumentError,
  ShardMovedError,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import { watchedHistoryReads } from './helpers.js';
import { cluster, quiet, SHARDS, viewOf } from './shared-store-cluster.js';

const step = defineActivity('step', async (n: number) => n + 1);
const counter = defineWorkflow('counter', async (ctx, start: number) => {
  let total = await ctx.activity(step, start);
  ctx.setQueryHandler('total', () => total);
  ctx.setUpdateHandler('add', (amount: number) => {
    total += amount;
    return total;
  });
  const done = await ctx.waitForSignal<string>('done');
  return { total, done };
});

const types = (history: readonly WorkflowEvent[]) => history.map((event) => event.type);

describe('a client engine (claimShards: false)', () => {
  it('holds no shard and carries every operation to the owner through the inbox', async () => {
    const c = cluster();
    const owner = await c.engine({
      workflows: [counter],
      activities: [step],
      ownership: { ownerId: 'owner' },
    });
    const client = await c.engine({
      workflows: [counter],
      ownership: { ownerId: 'client', claimShards: false },
    });
    await c.advance(4_000);
    expect(client.ownedShards()).toEqual([]);
    // It counts in no fair share: the owner keeps every shard.
    expect(owner.ownedShards()).toHaveLength(SHARDS);
    expect((await c.store.liveOwners()).map((live) => live.ownerId)).toEqual(['owner']);

    const handle = await client.start(counter, 1, { workflowId: 'count-1' });
    await c.advance(1_000);
    expect(await handle.query('total', null)).toBe(2);
    expect(await handle.executeUpdate('add', 5)).toBe(7);
    await handle.pause('maintenance');
    expect(types(await c.store.readHistory('count-1' as WorkflowId))).toContain('WorkflowPaused');
    await handle.resume();
    expect(types(await c.store.readHistory('count-1' as WorkflowId))).toContain('WorkflowResumed');
    await handle.signal('done', 'yes');
    await c.advance(1_000);
    expect(await handle.result()).toEqual({ total: 7, done: 'yes' });

    // Fork and reset of a closed run, through the owner.
    const history = await c.store.readHistory('count-1' as WorkflowId);
    const firstStep = history.find((event) => event.type === 'ActivityCompleted') as WorkflowEvent;
    const forked = await client.fork('count-1', { fromEventSeq: firstStep.seq, workflowId: 'count-1-fork' });
    expect(forked.workflowId).toBe('count-1-fork');
    const reset = await client.start(counter, 10, { workflowId: 'count-2' });
    await c.advance(1_000);
    const resetHistory = await c.store.readHistory('count-2' as WorkflowId);
    const resetPoint = resetHistory.find((event) => event.type === 'ActivityCompleted') as WorkflowEvent;
    await reset.reset({ toEventSeq: resetPoint.seq, reason: 'again' });
    const after = types(await c.store.readHistory('count-2' as WorkflowId));
    expect(after.filter((type) => type === 'WorkflowStarted')).toHaveLength(2);

    // Cancel and terminate.
    const cancelled = await client.start(counter, 0, { workflowId: 'count-3' });
    expect((await cancelled.cancel('enough')).status).toBe('Running');
    const terminated = await client.start(counter, 0, { workflowId: 'count-4' });
    await terminated.terminate('stop');
    expect(types(await c.store.readHistory('count-4' as WorkflowId))).toContain('WorkflowTerminated');
    await c.advance(1_000);

    // Nothing was run or written by the client itself; schedules are the owner's.
    expect(client.supervisionTree().types.flatMap((type) => type.runs)).toEqual([]);
    await expect(
      client.schedules.create({
        scheduleId: 'nightly',
        spec: { every: '1d' },
        workflowType: 'counter',
        input: 0,
      }),
    ).rejects.toBeInstanceOf(ShardMovedError);
    await c.close();
  });

  it('leaves a start in the inbox while no engine owns the shard, and it resolves when one takes it', async () => {
    const c = cluster();
    const client = await c.engine({
      workflows: [counter],
      ownership: { ownerId: 'client', claimShards: false },
    });
    let started = false;
    const starting = client.start(counter, 1, { workflowId: 'waits' }).then((handle) => {
      started = true;
      return handle;
    });
    await c.advance(10_000);
    expect(started).toBe(false);
    expect(await c.store.readHistory('waits' as WorkflowId)).toEqual([]);
    const pending = await c.store.pendingInbox([...Array(SHARDS).keys()]);
    expect(pending.map((item) => [item.workflowId, item.kind])).toEqual([['waits', 'start']]);

    await c.engine({ workflows: [counter], activities: [step], ownership: { ownerId: 'owner' } });
    await c.advance(2_000);
    const handle = await starting;
    expect((await handle.describe()).status).toBe('Running');
    await c.close();
  });

  it('is refused on a store without shard ownership, naming the option', async () => {
    await expect(
      Engine.create({
        store: new InMemoryStore(),
        workflows: [counter],
        clock: new VirtualClock(0),
        logger: quiet,
        ownership: { claimShards: false },
      }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      Engine.create({
        store: viewOf(cluster().store),
        workflows: [counter],
        logger: quiet,
        ownership: { claimShards: 'no' as never },
      }),
    ).rejects.toThrow(/ownership\.claimShards/);
  });
  it("wakes a caller waiting on a run's result when the owner closes the run, not at its poll", async () => {
    const c = cluster();
    const owner = await c.engine({
      workflows: [counter],
      activities: [step],
      ownership: { ownerId: 'owner' },
    });
    await c.advance(4_000);
    const id = 'count-awaited' as WorkflowId;
    await owner.start(counter, 1, { workflowId: id });
    await c.advance(1_000);
    // The client's reads of the run's history say when the waiter has seen it open.
    const watched = watchedHistoryReads(viewOf(c.store), id);
    const client = await c.engine({
      store: watched.store,
      workflows: [counter],
      ownership: { ownerId: 'client', claimShards: false },
    });
    const result = client.getHandle(id).result();
    await watched.firstRead;
    // The virtual clock stands still from here: no poll of the client's can come.
    await owner.getHandle(id).signal('done', 'now');
    expect(await result).toEqual({ total: 2, done: 'now' });
    await c.close();
  });
});
