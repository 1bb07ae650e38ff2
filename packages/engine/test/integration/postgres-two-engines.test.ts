// Two engines sharing one PostgreSQL schema (each with its own store: its own pool and LISTEN
// connection, as two processes have): a start sent through engine a for a workflow whose shard
// engine b leases goes through b's inbox, and so do a signal and an update; each is recorded
// once, by b, and a's calls resolve once recorded. With b's notifications off, its inbox poll
// finds them all the same. Real clocks: leases expire on the database's.
import { afterAll, expect, it } from '@jest/globals';
import { defineWorkflow, type WorkflowEvent } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { openPostgresStore } from '@reprise/store-postgres';
import { workflowIdInShard } from '@reprise/testkit';
import { dropTestSchemas, testSchema } from '../../../../test/support/postgres.js';

afterAll(() => dropTestSchemas());

const SHARDS = 8;
const quiet = { warn: () => {} };

const cart = defineWorkflow('cart', async (ctx, _input: null) => {
  let total = 0;
  ctx.setUpdateHandler('add', (amount: number) => {
    total += amount;
    return total;
  });
  const note = await ctx.waitForSignal<string>('checkout');
  return { note, total };
});

const count = (history: readonly WorkflowEvent[], type: WorkflowEvent['type']) =>
  history.filter((event) => event.type === type).length;

async function twoEngines(notificationsOfB: boolean) {
  const { url, schema } = await testSchema('engines');
  const open = (notifications: boolean) =>
    openPostgresStore({
      connectionString: url,
      schema,
      shardCount: SHARDS,
      maxConnections: 4,
      notifications,
    });
  const a = await Engine.create({
    store: await open(true),
    workflows: [cart],
    logger: quiet,
    ownership: { ownerId: 'a' },
  });
  const b = await Engine.create({
    store: await open(notificationsOfB),
    workflows: [cart],
    logger: quiet,
    ownership: { ownerId: 'b' },
  });
  // The shards are shared out a few per renewal: wait until each holds its half.
  while (a.ownedShards().length !== SHARDS / 2 || b.ownedShards().length !== SHARDS / 2) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect([...a.ownedShards(), ...b.ownedShards()].sort()).toEqual([...Array(SHARDS).keys()]);
  return { a, b, store: await open(false) };
}

it.each([
  ['with notifications', true],
  ['with b’s notifications off (its poll finds the items)', false],
])(
  'a start, an update and a signal sent through engine a reach the run engine b owns, %s',
  async (_label, notices) => {
    const { a, b, store } = await twoEngines(notices);
    try {
      const id = workflowIdInShard(b.ownedShards()[0] as number, SHARDS, 'cart');
      const handle = await a.start(cart, null, { workflowId: id });
      expect(await handle.executeUpdate('add', 5, { updateId: 'u-1' })).toBe(5);
      await handle.signal('checkout', 'leave at the door');
      expect(await handle.result()).toEqual({ note: 'leave at the door', total: 5 });
      const history = await store.readHistory(id);
      expect(count(history, 'WorkflowStarted')).toBe(1);
      expect(count(history, 'UpdateAccepted')).toBe(1);
      expect(count(history, 'SignalReceived')).toBe(1);
      expect(count(history, 'WorkflowCompleted')).toBe(1);
    } finally {
      await a.shutdown();
      await b.shutdown();
      await store.close();
    }
  },
  120_000,
);
