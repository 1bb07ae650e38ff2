// A start records WorkflowStarted in the run's first append, together with the commands of the
// code's first step. The start resolves only once that append is durable; when it fails, the
// start fails, nothing is stored and nothing stays registered, and the first step's log lines
// are written only once the start is durable.
import { defineActivity, defineWorkflow, InMemoryStore, type WorkflowStore } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

const reserve = defineActivity('reserve', async (id: string) => `reserved ${id}`);
const order = defineWorkflow('order', async (ctx, id: string) => ctx.activity(reserve, id));
const hello = defineWorkflow('hello', async (_ctx, name: string) => `hello ${name}`);
const waitForGo = defineWorkflow('wait-for-go', async (ctx) => ctx.waitForSignal<string>('go'));

/** The in-memory store, with a count of appends and the next ones made to fail on demand. */
function instrumented() {
  const inner = new InMemoryStore();
  const appends: string[][] = [];
  const failures: Error[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'append') {
        return (...args: Parameters<WorkflowStore['append']>) => {
          const failure = failures.shift();
          if (failure) return Promise.reject(failure);
          appends.push(args[1].map((event) => event.type));
          return target.append(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, appends, failNext: (error: Error) => failures.push(error) };
}

it('records WorkflowStarted with the first step: a hello run is one append, an activity run starts in one', async () => {
  const { store, appends } = instrumented();
  const env = await createTestEngine({ workflows: [order, hello], activities: [reserve], store });
  expect(await (await env.engine.start(hello, 'ada', { workflowId: 'h' })).result()).toBe('hello ada');
  expect(appends).toEqual([['WorkflowStarted', 'WorkflowCompleted']]);
  appends.length = 0;
  expect(await (await env.engine.start(order, 'o1', { workflowId: 'o' })).result()).toBe('reserved o1');
  expect(appends).toEqual([
    ['WorkflowStarted', 'ActivityScheduled'],
    ['ActivityCompleted', 'WorkflowCompleted'],
  ]);
  await env.close();
});

it('a start resolves once WorkflowStarted is durable, also for a run that waits before any command', async () => {
  const env = await createTestEngine({ workflows: [waitForGo] });
  const handle = await env.engine.start(waitForGo, null, { workflowId: 'w' });
  expect((await handle.history()).map((event) => event.type)).toEqual(['WorkflowStarted']);
  expect((await handle.describe()).status).toBe('Running');
  await handle.signal('go', 'now');
  expect(await handle.result()).toBe('now');
  await env.close();
});

it('a start whose first append fails rejects with that error, stores nothing, and the id stays free', async () => {
  const { store, failNext } = instrumented();
  const env = await createTestEngine({ workflows: [order], activities: [reserve], store });
  const refused = new Error('disk on fire');
  failNext(refused);
  await expect(env.engine.start(order, 'o1', { workflowId: 'o' })).rejects.toBe(refused);
  expect(await store.readHistory('o' as never)).toEqual([]);
  await expect(env.engine.getHandle('o').describe()).rejects.toMatchObject({ code: 'workflow_not_found' });
  await env.idle();
  expect(await (await env.engine.start(order, 'o2', { workflowId: 'o' })).result()).toBe('reserved o2');
  const history = await store.readHistory('o' as never);
  expect(history.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
  await env.close();
});

it("a start's first step logs once its start is durable: a start whose first append fails logs nothing", async () => {
  const { store, failNext } = instrumented();
  const logged: string[] = [];
  const note = (message: string, details?: Record<string, unknown>) => {
    if (details?.workflowType === 'chatty') logged.push(`${message} ${String(details.runId)}`);
  };
  const chatty = defineWorkflow('chatty', async (ctx, id: string) => {
    ctx.log.info(`starting ${id}`);
    return ctx.activity(reserve, id);
  });
  const env = await createTestEngine({
    workflows: [chatty],
    activities: [reserve],
    store,
    logger: { debug: note, info: note, warn: note, error: note },
  });
  failNext(new Error('disk on fire'));
  await expect(env.engine.start(chatty, 'c1', { workflowId: 'c' })).rejects.toThrow('disk on fire');
  await env.idle();
  expect(logged).toEqual([]);
  const handle = await env.engine.start(chatty, 'c2', { workflowId: 'c' });
  const { runId } = await handle.describe();
  expect(logged).toEqual([`starting c2 ${runId}`]);
  expect(await handle.result()).toBe('reserved c2');
  expect(logged).toEqual([`starting c2 ${runId}`]);
  await env.close();
});

it("a start's first step that logs several lines writes them all, in order, once its start is durable", async () => {
  const logged: string[] = [];
  const note = (message: string, details?: Record<string, unknown>) => {
    if (details?.workflowType === 'talkative') logged.push(message);
  };
  const talkative = defineWorkflow('talkative', async (ctx, id: string) => {
    for (const word of ['one', 'two', 'three']) ctx.log.info(`${word} ${id}`);
    return ctx.activity(reserve, id);
  });
  const env = await createTestEngine({
    workflows: [talkative],
    activities: [reserve],
    logger: { debug: note, info: note, warn: note, error: note },
  });
  const handle = await env.engine.start(talkative, 't', { workflowId: 't' });
  expect(logged).toEqual(['one t', 'two t', 'three t']);
  expect(await handle.result()).toBe('reserved t');
  expect(logged).toEqual(['one t', 'two t', 'three t']);
  await env.close();
});

it('useExisting during a start in flight hands out the handle once that start is recorded', async () => {
  const env = await createTestEngine({ workflows: [waitForGo] });
  const [first, second] = await Promise.all([
    env.engine.start(waitForGo, null, { workflowId: 'same' }),
    env.engine.start(waitForGo, null, { workflowId: 'same', onConflict: 'useExisting' }),
  ]);
  expect(second.workflowId).toBe(first.workflowId);
  expect((await second.history()).filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
  await env.close();
});
