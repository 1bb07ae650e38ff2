// The README's examples for operating runs (Updates, Pause and resume, Terminate, Heartbeats,
// signals to closed workflows), run as written around the engine of a test.
import { defineActivity, defineWorkflow, WorkflowNotFoundError } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

const reserve = defineActivity('reserve', async (sku: string) => `held ${sku}`);
const printed: unknown[] = [];
const console = { log: (value: unknown) => printed.push(value) };

it('Updates: an accepted update answers, a bad one is rejected', async () => {
  const cart = defineWorkflow('cart', async (ctx) => {
    const items: string[] = [];
    ctx.setUpdateHandler(
      'add',
      async (sku: string) => {
        await ctx.activity(reserve, sku); // handlers may run activities and sleep
        items.push(sku);
        return items.length;
      },
      {
        validator: (sku) => {
          if (typeof sku !== 'string' || sku === '') throw new Error('a sku is a non-empty string');
        },
      },
    );
    await ctx.waitForSignal('checkout');
    return items;
  });
  const env = await createTestEngine({ workflows: [cart], activities: [reserve] });
  const engine = env.engine;
  printed.length = 0;

  const handle = await engine.start(cart, null, { workflowId: 'cart-1' });
  console.log(await handle.executeUpdate('add', 'sku-1', { updateId: 'req-42' })); // 1
  await handle.executeUpdate('add', '').catch((error) => console.log(error.code)); // update_rejected

  expect(printed).toEqual([1, 'update_rejected']);
  await handle.signal('checkout');
  expect(await handle.result()).toEqual(['sku-1']);
  await env.close();
});

it('Pause and resume, then Terminate', async () => {
  const checkout = defineWorkflow('checkout', async (ctx) => {
    const approved = await ctx.waitForSignal('approve', { timeout: '1d' });
    await ctx.sleep('1h');
    return approved ? 'shipped' : 'expired';
  });
  const env = await createTestEngine({ workflows: [checkout] });
  const engine = env.engine;
  printed.length = 0;
  const handle = await engine.start(checkout, null, { workflowId: 'order-o-1' });

  await handle.pause('payment provider down');
  await handle.signal('approve', true); // recorded, held
  console.log((await handle.describe()).paused); // true
  await handle.resume('provider back'); // the code sees the approval now

  await env.idle();
  expect((await handle.describe()).pendingTimers).toHaveLength(1); // the code went on to its sleep
  await env.advance('1h');
  expect(await handle.result()).toBe('shipped');

  const second = await engine.start(checkout, null, { workflowId: 'order-o-2' });
  await second.terminate('duplicate order');
  await second.result().catch((error) => console.log(error.code)); // workflow_terminated
  expect(printed).toEqual([true, 'workflow_terminated']);
  await env.close();
});

it('Heartbeats: the retry resumes where the last attempt got to', async () => {
  const copied: number[] = [];
  let failOnce = true;
  const copyRow = async (_file: string, row: number, _options: { signal: AbortSignal }) => {
    if (row === 500 && failOnce) {
      failOnce = false;
      throw new Error('disk hiccup');
    }
    copied.push(row);
  };
  const importRows = defineActivity(
    'import-rows',
    async (file: string, actx) => {
      let row = (actx.heartbeatDetails as number | undefined) ?? 0; // where the last attempt got to
      for (; row < 1000; row++) {
        await copyRow(file, row, { signal: actx.signal });
        actx.heartbeat(row + 1);
      }
      return row;
    },
    { heartbeatTimeout: '30s', retry: { maximumAttempts: 5 } },
  );
  const importer = defineWorkflow('importer', async (ctx) => ctx.activity(importRows, 'rows.csv'));
  const env = await createTestEngine({ workflows: [importer], activities: [importRows] });
  const handle = await env.engine.start(importer, null);
  await env.idle();
  await env.advance('1s'); // the retry's backoff
  expect(await handle.result()).toBe(1000);
  expect(copied).toHaveLength(1000); // no row copied twice
  await env.close();
});

it('a signal to a workflow with no open run fails in the sender, catchably', async () => {
  const notify = defineWorkflow('notify', async (ctx, target: string) => {
    try {
      await ctx.signalWorkflow(target, 'ping', null);
      return 'delivered';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'no open run to ping';
      throw error;
    }
  });
  const env = await createTestEngine({ workflows: [notify] });
  expect(await (await env.engine.start(notify, 'nobody')).result()).toBe('no open run to ping');
  await env.close();
});

it('Reset and fork: the last activity runs again; a fork copies into a new workflow id', async () => {
  let charges = 0;
  const charge = defineActivity('charge', async () => ++charges);
  const order = defineWorkflow('order', async (ctx) => {
    await ctx.activity(reserve, 'sku');
    const charged = await ctx.activity(charge, null);
    await ctx.waitForSignal('ship');
    return charged;
  });
  const env = await createTestEngine({ workflows: [order], activities: [reserve, charge] });
  const engine = env.engine;
  const handle = await engine.start(order, null, { workflowId: 'order-o-1' });
  await env.idle();
  expect(charges).toBe(1);

  await handle.reset({ toLastActivity: true, reason: 'charge fixed' }); // the last activity runs again
  const copy = await engine.fork('order-o-1', { fromEventSeq: 5, workflowId: 'order-o-1-replay' });

  await env.idle();
  expect(charges).toBe(2); // the reset ran it again; the fork copied its completion (#5)
  await handle.signal('ship');
  expect(await handle.result()).toBe(2);
  await copy.signal('ship');
  expect(await copy.result()).toBe(1);
  await env.close();
});
