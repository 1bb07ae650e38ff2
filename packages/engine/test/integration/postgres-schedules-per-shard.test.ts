// Two engines on one PostgreSQL schema: a schedule fires only in the engine that owns its history's shard (with that shard's fence), each slot once; the other engine refuses to change it and lists it from the store.
import { afterAll, describe, expect, it } from '@jest/globals';
import { defineWorkflow, ShardMovedError, shardOf, type WorkflowId } from '@reprise/core';
import { dropTestSchemas } from '../../../../test/support/postgres.js';
import { pgCluster, SHARDS, TTL } from './postgres-cluster.js';

afterAll(async () => {
  await dropTestSchemas();
});

const tick = defineWorkflow('tick', async () => 'ticked');
const MINUTE = 60_000;

describe('a schedule on a PostgreSQL store two engines share', () => {
  it('fires each slot once, in the owner of its shard only', async () => {
    const c = await pgCluster('sched_shard');
    try {
      const a = await c.engine('a', [tick]);
      const b = await c.engine('b', [tick]);
      await c.advance(2 * TTL);
      expect(a.ownedShards()).toHaveLength(SHARDS / 2);
      let scheduleId = '';
      for (let index = 0; scheduleId === ''; index++) {
        const candidate = `pg-every-minute-${index}`;
        if (a.ownedShards().includes(shardOf(`schedule:${candidate}`, SHARDS))) scheduleId = candidate;
      }
      const options = { scheduleId, spec: { every: '1m' }, workflowType: 'tick', input: null } as const;
      await expect(b.schedules.create(options)).rejects.toBeInstanceOf(ShardMovedError);
      await a.schedules.create(options);
      expect((await b.schedules.list()).map((summary) => summary.scheduleId)).toEqual([scheduleId]);
      await c.advance(10 * MINUTE);

      const store = await c.open();
      const history = await store.readHistory(`schedule:${scheduleId}` as WorkflowId);
      const fires = history.flatMap((event) => (event.type === 'ScheduleTriggered' ? [event.fireAt] : []));
      expect(fires.length).toBeGreaterThanOrEqual(9);
      expect(new Set(fires).size).toBe(fires.length);
      for (let index = 1; index < fires.length; index++) {
        expect((fires[index] as number) - (fires[index - 1] as number)).toBe(MINUTE);
      }
      for (const fireAt of fires) {
        const started = await store.readHistory(
          `${scheduleId}@${new Date(fireAt).toISOString()}` as WorkflowId,
        );
        expect(started.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
      }
    } finally {
      await c.close();
    }
  });
});
