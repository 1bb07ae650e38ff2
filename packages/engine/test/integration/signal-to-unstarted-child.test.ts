// Window: the parent recorded two ChildWorkflowStarted and a SignalSent to the first, then the
// process died before either child's own WorkflowStarted. Recovery must start each child before
// delivering the signal again; a signal that overtook the start would find no workflow and fail
// the parent's ctx.signalWorkflow with WorkflowNotFoundError.
import { defineWorkflow } from '@reprise/core';
import { lmdbDir, lmdbEngine, openStore } from './fixtures/lmdb-env.js';

const listener = defineWorkflow('listener', async (ctx) => {
  const word = await ctx.waitForSignal<string>('word');
  return `heard ${word}`;
});
const caller = defineWorkflow('caller', async (ctx) => {
  const children = await Promise.all(
    ['a', 'b'].map((suffix) => ctx.startChild(listener, null, { workflowId: `listener-${suffix}` })),
  );
  for (const handle of children) await ctx.signalWorkflow(handle.workflowId, 'word', 'hello');
  return Promise.all(children.map((handle) => handle.result()));
});

it('recovery starts recorded children before it delivers their recorded signals', async () => {
  const full = lmdbDir();
  const first = await lmdbEngine(full, { workflows: [caller, listener] });
  await first.engine.start(caller, null, { workflowId: 'p' });
  expect(await first.engine.getHandle('p').result()).toEqual(['heard hello', 'heard hello']);
  const parentHistory = await first.engine.getHandle('p').history();
  await first.close();

  const crashed = lmdbDir();
  const store = openStore(crashed);
  // The parent waits for each signal's delivery before it sends the next.
  const firstSend = parentHistory.findIndex((event) => event.type === 'SignalSent');
  const cut = parentHistory.slice(0, firstSend + 1);
  expect(cut.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'ChildWorkflowStarted',
    'ChildWorkflowStarted',
    'SignalSent',
  ]);
  await store.append('p' as never, cut, { expectedSeq: 0 });
  await store.close();

  const second = await lmdbEngine(crashed, { workflows: [caller, listener] });
  expect(await second.engine.getHandle('p').result()).toEqual(['heard hello', 'heard hello']);
  for (const id of ['listener-a', 'listener-b']) {
    const history = await second.engine.getHandle(id).history();
    expect(history.filter((event) => event.type === 'SignalReceived')).toHaveLength(1);
  }
  await second.close();
});
