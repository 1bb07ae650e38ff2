// Schedules and retention on a store several engines share: a schedule fires only in the engine that owns its history's shard, with that shard's fence, so each slot fires once; retention deletes only in owned shards.
import {
  ConcurrencyConflict,
  type DeleteClosedOptions,
  defineWorkflow,
  FencedError,
  ShardMovedError,
  shardOf,
  type WorkflowStore,
} from '@reprise/core';
import type { Engine } from '@reprise/engine';
import { cluster, SHARDS, viewOf } from './shared-store-cluster.js';

const tick = defineWorkflow('tick', async () => 'ticked');

/** A schedule id whose history (`schedule:<id>`) is in one of these shards. */
function scheduleIdIn(shards: readonly number[], prefix: string): string {
  for (let index = 0; ; index++) {
    const scheduleId = `${prefix}-${index}`;
    if (shards.includes(shardOf(`schedule:${scheduleId}`, SHARDS))) return scheduleId;
  }
}

const MINUTE = 60_000;

describe('schedules on a store several engines share', () => {
  it('fire each slot once, in the owner of the schedule’s shard only, and move with the shard', async () => {
    const c = cluster();
    const refused: { error: unknown }[] = [];
    const a = await c.engine({
      workflows: [tick],
      store: viewOf(c.store, refused),
      ownership: { ownerId: 'a' },
    });
    const b = await c.engine({
      workflows: [tick],
      store: viewOf(c.store, refused),
      ownership: { ownerId: 'b' },
    });
    await c.advance(4_000);
    expect(a.ownedShards()).toHaveLength(SHARDS / 2);
    const scheduleId = scheduleIdIn(a.ownedShards(), 'every-minute');
    // A change to a schedule of another engine's shard is refused with a typed error.
    await expect(
      b.schedules.create({ scheduleId, spec: { every: '1m' }, workflowType: 'tick', input: null }),
    ).rejects.toBeInstanceOf(ShardMovedError);
    const created = await a.schedules.create({
      scheduleId,
      spec: { every: '1m' },
      workflowType: 'tick',
      input: null,
    });
    expect(created.scheduleId).toBe(scheduleId);
    await expect(b.schedules.pause(scheduleId)).rejects.toBeInstanceOf(ShardMovedError);
    // The other engine sees it from the store.
    expect((await b.schedules.list()).map((summary) => summary.scheduleId)).toEqual([scheduleId]);
    expect((await b.schedules.describe(scheduleId)).workflowType).toBe('tick');

    await c.advance(10 * MINUTE);
    // The owner goes away; the other engine takes its shards, and the schedule with them.
    await a.shutdown();
    c.engines.splice(c.engines.indexOf(a), 1);
    await c.advance(10 * MINUTE);
    expect(b.ownedShards()).toHaveLength(SHARDS);
    expect((await b.schedules.describe(scheduleId)).paused).toBe(false);

    const history = await c.store.readHistory(`schedule:${scheduleId}` as never);
    const fires = history.flatMap((event) => (event.type === 'ScheduleTriggered' ? [event.fireAt] : []));
    expect(new Set(fires).size).toBe(fires.length);
    // Every minute slot of the 20 minutes fired once, before and after the move.
    expect(fires.length).toBeGreaterThanOrEqual(19);
    for (let index = 1; index < fires.length; index++) {
      expect((fires[index] as number) - (fires[index - 1] as number)).toBe(MINUTE);
    }
    for (const fireAt of fires) {
      const started = await c.store.readHistory(`${scheduleId}@${new Date(fireAt).toISOString()}` as never);
      expect(started.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
    }
    // Nobody wrote a schedule history it did not own: no conflict, no fenced append.
    expect(
      refused.filter(({ error }) => error instanceof ConcurrencyConflict || error instanceof FencedError),
    ).toEqual([]);
    await c.close();
  });
});

describe('retention on a store several engines share', () => {
  it('deletes in the shards each engine owns only', async () => {
    const c = cluster();
    const calls: { owner: string; shards: readonly number[] | undefined }[] = [];
    const spying = (owner: string): WorkflowStore => {
      const view = viewOf(c.store) as WorkflowStore & {
        deleteClosed(options: DeleteClosedOptions): Promise<unknown>;
      };
      return new Proxy(view, {
        get(target, key) {
          if (key === 'deleteClosed') {
            return (options: DeleteClosedOptions) => {
              calls.push({ owner, shards: options.shards });
              return target.deleteClosed(options);
            };
          }
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
      });
    };
    const engines: Engine[] = [];
    for (const owner of ['a', 'b']) {
      engines.push(
        await c.engine({
          workflows: [tick],
          store: spying(owner),
          retention: '1h',
          // Renewals and inbox polls every 20 s and 60 s of the two hours the clock moves, not
          // every 1 s and 0.5 s: some 14,400 clock steps, each settling both engines, took over
          // a minute (the jest hang bound) in the full suite on a busy machine; now some 360.
          ownership: { ownerId: owner, leaseTtlMs: 60_000, pollMs: 60_000 },
        }),
      );
    }
    await c.advance(60_000);
    const [a, b] = engines as [Engine, Engine];
    const ids: string[] = [];
    for (let index = 0; index < 16; index++) {
      const workflowId = `done-${index}`;
      const owner = a.ownedShards().includes(shardOf(workflowId, SHARDS)) ? a : b;
      await (await owner.start(tick, null, { workflowId })).result();
      ids.push(workflowId);
    }
    calls.length = 0;
    await c.advance(2 * 3_600_000);
    for (const workflowId of ids) expect(await c.store.readHistory(workflowId as never)).toEqual([]);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const engine = call.owner === 'a' ? a : b;
      expect(call.shards).toEqual(engine.ownedShards());
    }
    await c.close();
  });
});
