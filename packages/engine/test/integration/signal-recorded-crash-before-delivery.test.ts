// Window: a SignalReceived is recorded, then the process dies before the code saw it (nothing it
// led to was recorded). Recovery delivers it once; it is not recorded twice.
import { defineActivity, defineWorkflow, envelopeEvents } from '@reprise/core';
import { lmdbDir, lmdbEngine, openStore } from './fixtures/lmdb-env.js';

let shipped = 0;
const ship = defineActivity('ship', async (address: string) => {
  shipped++;
  return `shipped to ${address}`;
});
const awaitAddress = defineWorkflow('await-address', async (ctx) => {
  const address = await ctx.waitForSignal<string>('address');
  return ctx.activity(ship, address as string);
});

it('a signal recorded before a crash is delivered after recovery, once', async () => {
  const dir = lmdbDir();
  const first = await lmdbEngine(dir, { workflows: [awaitAddress], activities: [ship] });
  await first.engine.start(awaitAddress, null, { workflowId: 'w' });
  await first.idle();
  const at = first.clock.now();
  await first.close();

  // The signal's record, as the crashed process left it: recorded, never acted on.
  const store = openStore(dir);
  const lastSeq = await store.lastSeq('w' as never);
  await store.append(
    'w' as never,
    envelopeEvents('w' as never, lastSeq, at, [
      { type: 'SignalReceived', signalName: 'address', payload: 'Main St 1' },
    ]),
    { expectedSeq: lastSeq },
  );
  await store.close();

  const second = await lmdbEngine(dir, { workflows: [awaitAddress], activities: [ship], startAt: at });
  expect(await second.engine.getHandle('w').result()).toBe('shipped to Main St 1');
  const history = await second.engine.getHandle('w').history();
  expect(history.filter((event) => event.type === 'SignalReceived')).toHaveLength(1);
  expect(shipped).toBe(1);
  await second.close();
});
