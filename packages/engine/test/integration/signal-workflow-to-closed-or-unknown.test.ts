// ctx.signalWorkflow to a workflow that is closed or does not exist fails in the sending code with
// a WorkflowNotFoundError it can catch (recorded as SignalDeliveryFailed, so replay agrees); a
// history recorded before signals had delivery outcomes still replays.
import { defineWorkflow, type WorkflowEvent, WorkflowNotFoundError } from '@reprise/core';
import { replayVerdict } from '@reprise/core/internal';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const quick = defineWorkflow('sig-quick', async () => 'done');
const listener = defineWorkflow('sig-listener', async (ctx) => ctx.waitForSignal<string>('word'));
const sender = defineWorkflow('sig-sender', async (ctx, targets: string[]) => {
  const outcomes: string[] = [];
  for (const target of targets) {
    try {
      await ctx.signalWorkflow(target, 'word', 'hello');
      outcomes.push(`${target}: delivered`);
    } catch (error) {
      outcomes.push(
        `${target}: ${error instanceof WorkflowNotFoundError ? 'WorkflowNotFoundError' : 'other'} ${(error as Error).message}`,
      );
    }
  }
  return outcomes;
});
const careless = defineWorkflow('sig-careless', async (ctx) => {
  await ctx.signalWorkflow('nobody-at-all', 'word', 1);
  return 'unreachable';
});
const workflows = [quick, listener, sender, careless];

it('a signal to a closed or unknown workflow fails in the sender, catchably, and replays the same', async () => {
  const env = await lmdbEngine(lmdbDir(), { workflows });
  expect(await (await env.engine.start(quick, null, { workflowId: 'closed' })).result()).toBe('done');
  const open = await env.engine.start(listener, null, { workflowId: 'open' });
  const handle = await env.engine.start(sender, ['nobody', 'closed', 'open'], { workflowId: 's' });
  expect(await handle.result()).toEqual([
    'nobody: WorkflowNotFoundError workflow "nobody" not found: it does not exist',
    'closed: WorkflowNotFoundError workflow "closed" not found: it is closed (Completed)',
    'open: delivered',
  ]);
  expect(await open.result()).toBe('hello');
  const history = await handle.history();
  expect(history.filter((event) => event.type === 'SignalDeliveryFailed')).toHaveLength(2);
  expect(history.filter((event) => event.type === 'SignalDelivered')).toHaveLength(1);
  const verdicts = await replayVerdict(new Map(workflows.map((w) => [w.name, w])), history);
  expect(verdicts.map((verdict) => verdict.verdict)).toEqual(['ok']);

  const failed = await env.engine.start(careless, null, { workflowId: 'c' });
  await expect(failed.result()).rejects.toMatchObject({
    code: 'workflow_failed',
    failure: { name: 'WorkflowNotFoundError' },
  });
  await env.close();
});

it('a SignalSent recorded before signals had outcomes (no signalId) counts as sent on replay', async () => {
  const env = await lmdbEngine(lmdbDir(), { workflows });
  const open = await env.engine.start(listener, null, { workflowId: 'open' });
  const handle = await env.engine.start(sender, ['open', 'nobody'], { workflowId: 's' });
  await handle.result();
  await open.result();
  const recorded = await handle.history();
  await env.close();
  // The same run as an older engine recorded it: no signal ids, no delivery outcomes, the
  // second signal dropped with a warning (it resolved once recorded).
  const legacy: WorkflowEvent[] = recorded
    .filter((event) => event.type !== 'SignalDelivered' && event.type !== 'SignalDeliveryFailed')
    .map((event, index) => {
      const { signalId: _dropped, ...rest } = event as WorkflowEvent & { signalId?: string };
      const copy = { ...rest, seq: index + 1 } as WorkflowEvent;
      if (copy.type === 'WorkflowCompleted') {
        return { ...copy, result: ['open: delivered', 'nobody: delivered'] } as WorkflowEvent;
      }
      return copy;
    });
  const verdicts = await replayVerdict(new Map(workflows.map((w) => [w.name, w])), legacy);
  expect(verdicts).toMatchObject([{ verdict: 'ok' }]);
});
