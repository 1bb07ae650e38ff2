// Window, on LMDB: a start of an id this process knows nothing of records its first append at
// expectedSeq 0 with no read, and the id has a history (a closed run; a running one recovered).
// The store's conditional write must refuse it whole: the history, the visibility row and the
// active set stay as they were, and the start is decided on the history.
import { defineWorkflow, type WorkflowId } from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const hello = defineWorkflow('hello', async (_ctx, name: string) => `hello ${name}`);
const waitForGo = defineWorkflow('wait-for-go', async (ctx) => ctx.waitForSignal<string>('go'));
const workflows = [hello, waitForGo];

const types = (events: readonly { readonly type: string }[]) => events.map((event) => event.type);

it('a closed id started again: refused leaves the store as it was; allowed starts a second run', async () => {
  const dir = lmdbDir();
  const first = await lmdbEngine(dir, { workflows });
  expect(await (await first.engine.start(hello, 'ada', { workflowId: 'h' })).result()).toBe('hello ada');
  await first.engine.start(waitForGo, null, { workflowId: 'w' });
  await first.close();

  const second = await lmdbEngine(dir, { workflows });
  const { engine } = second;
  const listed = await engine.list({});
  await expect(
    engine.start(hello, 'bob', { workflowId: 'h', idReusePolicy: 'rejectDuplicate' }),
  ).rejects.toMatchObject({ code: 'workflow_already_started', status: 'Completed' });
  await expect(engine.start(waitForGo, null, { workflowId: 'w' })).rejects.toMatchObject({
    code: 'workflow_already_started',
    status: 'Running',
  });
  expect(await engine.list({})).toEqual(listed);
  expect(types(await engine.getHandle('h').history())).toEqual(['WorkflowStarted', 'WorkflowCompleted']);

  expect(await (await engine.start(hello, 'cy', { workflowId: 'h' })).result()).toBe('hello cy');
  // The same engine, the closed run's writer let go: the start meets the history again.
  expect(await (await engine.start(hello, 'di', { workflowId: 'h' })).result()).toBe('hello di');
  expect(types(await engine.getHandle('h' as WorkflowId).history())).toEqual([
    'WorkflowStarted',
    'WorkflowCompleted',
    'WorkflowStarted',
    'WorkflowCompleted',
    'WorkflowStarted',
    'WorkflowCompleted',
  ]);
  await engine.getHandle('w').signal('go', 'now');
  expect(await engine.getHandle('w').result()).toBe('now');
  expect((await engine.list({ status: 'Running' })).items).toEqual([]);
  expect((await engine.list({ status: 'Completed' })).items.map((item) => item.workflowId).sort()).toEqual([
    'h',
    'w',
  ]);
  await second.close();
});
