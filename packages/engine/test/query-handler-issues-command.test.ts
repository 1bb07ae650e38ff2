// Window: a query handler calls ctx (sleep, activity, random ...). Nothing it asks for may reach
// the history (the next step would record it, and replay would then stall): the query fails.
import { asWorkflowId, defineActivity, defineWorkflow, type JsonValue } from '@reprise/core';
import { seededRandom } from '@reprise/core/internal';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const echo = defineActivity('echo', async (input: string) => input);

/** Counts `go` signals; its query handlers misuse ctx in every way the test names. */
const counter = defineWorkflow('counter', async (ctx) => {
  let count = 0;
  const misuses: Record<string, () => unknown> = {
    sleep: () => ctx.sleep('1h'),
    activity: () => ctx.activity(echo, 'from a query'),
    random: () => ctx.random(),
    uuid: () => ctx.uuid(),
    waitForSignal: () => ctx.waitForSignal('go'),
    signalWorkflow: () => ctx.signalWorkflow('elsewhere', 'poke', null),
    upsertSearchAttributes: () => ctx.upsertSearchAttributes({}),
    // A handler that swallows the error still fails its query.
    swallowed: () => {
      try {
        ctx.sleep('1h').catch(() => undefined);
      } catch {}
    },
  };
  for (const [name, misuse] of Object.entries(misuses)) {
    ctx.setQueryHandler(name, () => {
      misuse();
      return count;
    });
  }
  ctx.setQueryHandler('count', () => count);
  while (count < 2) {
    await ctx.waitForSignal('go');
    count++;
  }
  return { count, draw: ctx.random() } as JsonValue;
});

it('a query handler that calls ctx fails the query with a typed error, and nothing is recorded', async () => {
  const { open } = reopenable();
  const first = await createTestEngine({ workflows: [counter], activities: [echo], store: open() });
  const handle = await first.engine.start(counter, null, { workflowId: 'c' });
  await first.idle();
  const historyBefore = await handle.history();
  const calls: Record<string, string> = {
    sleep: 'sleep',
    activity: 'activity',
    random: 'random',
    uuid: 'uuid',
    waitForSignal: 'waitForSignal',
    signalWorkflow: 'signalWorkflow',
    upsertSearchAttributes: 'upsertSearchAttributes',
    swallowed: 'sleep',
  };
  for (const [query, call] of Object.entries(calls)) {
    const error = await handle.query(query).then(
      () => undefined,
      (thrown: unknown) => thrown as Error & { code?: string },
    );
    expect(error?.code).toBe('query_not_read_only');
    expect(error?.name).toBe('QueryNotReadOnlyError');
    expect(error?.message).toContain(`"${query}"`);
    expect(error?.message).toContain(`ctx.${call}`);
  }
  expect(await handle.query('count')).toBe(0);
  await handle.signal('go');
  await first.idle();
  const history = await handle.history();
  expect(history.slice(0, historyBefore.length)).toEqual(historyBefore);
  expect(history.slice(historyBefore.length).map((event) => event.type)).toEqual(['SignalReceived']);
  await first.close();

  // A new engine replays the run without a stall and ends it as an unqueried run ends.
  const second = await createTestEngine({
    workflows: [counter],
    activities: [echo],
    store: open(),
    startAt: first.clock.now(),
  });
  await second.engine.getHandle('c').signal('go');
  const result = (await second.engine.getHandle('c').result()) as { count: number; draw: number };
  expect((await second.engine.getHandle('c').describe()).stalled).toBeUndefined();
  expect(result.count).toBe(2);

  // The code's draw is the run's first: the queries drew nothing.
  const runId = (await second.engine.getHandle('c').describe()).runId;
  expect(result.draw).toBe(seededRandom(asWorkflowId('c'), runId, 0));
  await second.close();
});
