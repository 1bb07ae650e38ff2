// handle.reset and engine.fork on the LMDB store: a new run whose history copies the source's
// up to a workflow-task boundary, linked both ways, running again what lay after the point; and
// the typed refusals of bad points (inside a step, past the end, the run's end) and taken ids.
import {
  defineActivity,
  defineWorkflow,
  WorkflowAlreadyStartedError,
  type WorkflowEvent,
} from '@reprise/core';
import { lmdbDir, lmdbEngine } from './fixtures/lmdb-env.js';

const ran: string[] = [];
const stepA = defineActivity('step-a', async () => {
  ran.push('a');
  return 'A';
});
const stepB = defineActivity('step-b', async (from: string) => {
  ran.push('b');
  return `${from}B`;
});
const steps = defineWorkflow('steps', async (ctx) => {
  const a = await ctx.activity(stepA, null);
  await ctx.sleep('1m');
  const b = await ctx.activity(stepB, a);
  const go = await ctx.waitForSignal<string>('go');
  return [a, b, go];
});
const options = { workflows: [steps], activities: [stepA, stepB] };
const types = (history: readonly WorkflowEvent[]) => history.map((event) => event.type);

async function waitingForGo() {
  ran.length = 0;
  const env = await lmdbEngine(lmdbDir(), options);
  const handle = await env.engine.start(steps, null, { workflowId: 'w' });
  await env.idle();
  await env.advance('1m');
  expect(ran).toEqual(['a', 'b']);
  return { env, handle };
}

it('reset to before the last activity terminates the run and runs that activity again in a new run', async () => {
  const { env, handle } = await waitingForGo();
  const before = await handle.history();
  expect(types(before)).toEqual([
    'WorkflowStarted',
    'ActivityScheduled',
    'ActivityCompleted',
    'TimerStarted',
    'TimerFired',
    'ActivityScheduled',
    'ActivityCompleted',
  ]);
  const reset = await handle.reset({ toLastActivity: true, reason: 'fix step b' });
  await env.idle();
  expect(ran).toEqual(['a', 'b']);
  // The copy is recorded at the reset's time: the copied timer runs its minute from there.
  await env.advance('1m');
  expect(ran).toEqual(['a', 'b', 'b']);
  const history = await reset.history();
  expect(history[7]).toMatchObject({ type: 'WorkflowTerminated', reason: 'reset to #4: fix step b' });
  const restarted = history[8] as Extract<WorkflowEvent, { type: 'WorkflowStarted' }>;
  expect(restarted).toMatchObject({
    type: 'WorkflowStarted',
    forkedFrom: {
      workflowId: 'w',
      runId: (before[0] as { runId: string }).runId,
      eventSeq: 4,
      reason: 'fix step b',
    },
  });
  // The copy (to the timer's start), then what ran again: the timer was due, step b ran.
  expect(types(history.slice(9))).toEqual([
    'ActivityScheduled',
    'ActivityCompleted',
    'TimerStarted',
    'TimerFired',
    'ActivityScheduled',
    'ActivityCompleted',
  ]);
  expect(history[9]).toMatchObject({ activityId: `${restarted.runId}.1` });
  await reset.signal('go', 'now');
  expect(await reset.result()).toEqual(['A', 'AB', 'now']);
  await env.close();
});

it('a reset point inside a step, past the end, or at the run end is refused with a typed error', async () => {
  const { env, handle } = await waitingForGo();
  const before = await handle.history();
  await expect(handle.reset({ toEventSeq: 3 })).rejects.toMatchObject({
    code: 'invalid_argument',
    message: expect.stringMatching(
      /#3 is not a workflow-task boundary: #4 \(TimerStarted\) was recorded in the same step/,
    ),
  });
  await expect(handle.reset({ toEventSeq: 99 })).rejects.toMatchObject({
    code: 'invalid_argument',
    message: expect.stringMatching(/99 is past the end of the history \(its last event is #7\)/),
  });
  await expect(handle.reset({ toEventSeq: 0 })).rejects.toMatchObject({ code: 'invalid_argument' });
  expect(await handle.history()).toEqual(before); // nothing was terminated or recorded
  await handle.signal('go', 'x');
  await handle.result();
  const closed = await handle.history();
  await expect(handle.reset({ toEventSeq: closed.length })).rejects.toMatchObject({
    message: expect.stringMatching(/is the run's end \(WorkflowCompleted\)/),
  });
  await env.close();
});

it('fork copies a closed run into a new workflow, linked both ways, and the copy runs on', async () => {
  const { env, handle } = await waitingForGo();
  await handle.signal('go', 'first');
  expect(await handle.result()).toEqual(['A', 'AB', 'first']);
  const source = await handle.history();

  const copy = await env.engine.fork('w', { fromEventSeq: 4, workflowId: 'w-copy' });
  await env.idle();
  await env.advance('1m');
  expect(ran).toEqual(['a', 'b', 'b']);
  const copied = await copy.history();
  expect(copied[0]).toMatchObject({
    type: 'WorkflowStarted',
    workflowId: 'w-copy',
    forkedFrom: { workflowId: 'w', eventSeq: 4 },
  });
  const noted = await handle.history();
  expect(noted.slice(0, source.length)).toEqual(source);
  expect(noted.at(-1)).toMatchObject({
    type: 'WorkflowForked',
    toWorkflowId: 'w-copy',
    toRunId: (copied[0] as { runId: string }).runId,
    fromEventSeq: 4,
  });
  expect((await handle.describe()).status).toBe('Completed');
  await copy.signal('go', 'second');
  expect(await copy.result()).toEqual(['A', 'AB', 'second']);

  const taken = await env.engine
    .fork('w', { fromEventSeq: 4, workflowId: 'w-copy' })
    .catch((error: unknown) => error);
  expect(taken).toBeInstanceOf(WorkflowAlreadyStartedError);
  await expect(env.engine.fork('nobody', { fromEventSeq: 1 })).rejects.toMatchObject({
    code: 'workflow_not_found',
  });
  await env.close();
});
