// replayVerdict, the one replay verdict: commands in order, no command missing from a step that was recorded, the recorded end; each divergence names its position and seq.
import {
  type AnyWorkflowDefinition,
  asRunId,
  asWorkflowId,
  commandEvent,
  defineActivity,
  defineWorkflow,
  type EventBody,
  type ExecutionOutcome,
  envelopeEvents,
  executionInitFromStart,
  type RunId,
  replayVerdict,
  settle,
  type WorkflowEvent,
  WorkflowExecution,
} from '@reprise/core';

const charge = defineActivity('charge', async (amount: number) => ({ charged: amount }));
const notify = defineActivity('notify', async (_: null) => 'sent');

/** Waits for `approve`, then charges; a refusal fails the run. */
const pay = defineWorkflow('pay', async (ctx, amount: number) => {
  const approved = await ctx.waitForSignal<boolean>('approve');
  if (!approved) throw new Error(`declined ${amount}`);
  const receipt = await ctx.activity(charge, amount);
  return { receipt, amount };
});

const workflowId = asWorkflowId('pay-1');
const runId = asRunId('r1');

const terminal = (outcome: ExecutionOutcome): EventBody => {
  switch (outcome.status) {
    case 'Completed':
      return { type: 'WorkflowCompleted', result: outcome.result };
    case 'Failed':
      return { type: 'WorkflowFailed', error: outcome.error };
    case 'Cancelled':
      return { type: 'WorkflowCancelled', reason: outcome.reason };
    case 'ContinuedAsNew':
      return { type: 'WorkflowContinuedAsNew', input: outcome.input, parentRunId: runId };
  }
};

/**
 * Records a run as the engine does: its start with the first step's commands, then each input
 * with the commands it led to (and the terminal event once the code ends) in one append.
 */
async function record(
  definition: AnyWorkflowDefinition,
  input: number,
  inputs: readonly EventBody[],
  run: RunId = runId,
): Promise<WorkflowEvent[]> {
  const start = envelopeEvents(workflowId, 0, 1000, [
    { type: 'WorkflowStarted', workflowType: definition.name, input, runId: run, parentRunId: null },
  ])[0] as WorkflowEvent & { type: 'WorkflowStarted' };
  const execution = new WorkflowExecution(executionInitFromStart(start, definition));
  const events: WorkflowEvent[] = [start];
  const append = (bodies: readonly EventBody[], at: number) => {
    const commands = execution.takeCommands().map(commandEvent);
    const end = execution.outcome ? [terminal(execution.outcome)] : [];
    events.push(...envelopeEvents(workflowId, events.length, at, [...bodies, ...commands, ...end]));
  };
  execution.start();
  await settle();
  append([], 1000);
  for (const [index, body] of inputs.entries()) {
    const at = 2000 + index * 1000;
    execution.apply(body, at);
    await settle();
    append([body], at);
  }
  return events;
}

const approve = (payload: boolean): EventBody => ({ type: 'SignalReceived', signalName: 'approve', payload });
const charged = (amount: number): EventBody => ({
  type: 'ActivityCompleted',
  activityId: `${runId}.1`,
  attempt: 1,
  result: { charged: amount },
});
const verdictOf = async (definition: AnyWorkflowDefinition, history: readonly WorkflowEvent[]) =>
  replayVerdict(new Map([[definition.name, definition]]), history);

it('is ok for the code that recorded the history, with both ends', async () => {
  const history = await record(pay, 5, [approve(true), charged(5)]);
  expect(history.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'SignalReceived',
    'ActivityScheduled',
    'ActivityCompleted',
    'WorkflowCompleted',
  ]);
  expect(await verdictOf(pay, history)).toEqual([
    {
      workflowId,
      runId,
      workflowType: 'pay',
      verdict: 'ok',
      recordedOutcome: { status: 'Completed', result: { receipt: { charged: 5 }, amount: 5 } },
      replayedOutcome: { status: 'Completed', result: { receipt: { charged: 5 }, amount: 5 } },
    },
  ]);
});

it('names a reordered command by position and by the seq of the recorded one', async () => {
  const history = await record(pay, 5, [approve(true), charged(5)]);
  const notifiesFirst = defineWorkflow('pay', async (ctx, amount: number) => {
    await ctx.waitForSignal<boolean>('approve');
    await ctx.activity(notify, null);
    return ctx.activity(charge, amount);
  });
  const [run] = await verdictOf(notifiesFirst, history);
  expect(run).toMatchObject({
    verdict: 'diverged',
    error: {
      code: 'non_determinism',
      position: 0,
      seq: 3,
      recorded: 'ActivityScheduled charge (activity r1.1)',
      requested: 'ActivityScheduled notify (activity r1.1)',
    },
  });
});

it('names an input the code cannot take by its own seq, not by a command', async () => {
  const history = await record(pay, 5, [approve(true), charged(5)]);
  const stray = history.map((event) =>
    event.type === 'ActivityCompleted' ? { ...event, activityId: 'r1.9' } : event,
  );
  const [run] = await verdictOf(pay, stray);
  expect(run).toMatchObject({ verdict: 'diverged', error: { position: 1, seq: 4 } });
});

describe('commands past the end of history', () => {
  it('are new work after an input recorded while the run was not in memory', async () => {
    // `reprise signal` with no worker, or a signal to an evicted run: the input alone is appended.
    const history = [...(await record(pay, 5, [])), ...envelopeEvents(workflowId, 1, 2000, [approve(true)])];
    const [run] = await verdictOf(pay, history);
    expect(run).toMatchObject({ verdict: 'ok', recordedOutcome: undefined, replayedOutcome: undefined });
  });

  it('diverge when the step that asks for them was recorded without them', async () => {
    const history = await record(pay, 5, [approve(true)]);
    const notifiesToo = defineWorkflow('pay', async (ctx, amount: number) => {
      await ctx.waitForSignal<boolean>('approve');
      const [receipt] = await Promise.all([ctx.activity(charge, amount), ctx.activity(notify, null)]);
      return { receipt, amount };
    });
    const [run] = await verdictOf(notifiesToo, history);
    expect(run).toMatchObject({
      verdict: 'diverged',
      error: {
        position: 1,
        seq: undefined,
        recorded: undefined,
        requested: 'ActivityScheduled notify (activity r1.2)',
      },
    });
  });

  it('diverge before an end the code recorded, even when the code ends the same way', async () => {
    const history = await record(pay, 5, [approve(true), charged(5)]);
    const tags = defineWorkflow('pay', async (ctx, amount: number) => {
      await ctx.waitForSignal<boolean>('approve');
      const receipt = await ctx.activity(charge, amount);
      ctx.upsertSearchAttributes({ paid: true });
      return { receipt, amount };
    });
    const [run] = await verdictOf(tags, history);
    expect(run).toMatchObject({
      verdict: 'diverged',
      error: {
        position: 1,
        seq: 5,
        recorded: "the run's end (WorkflowCompleted)",
        requested: 'SearchAttributesUpdated paid',
      },
    });
  });
});

describe('the recorded end', () => {
  it('diverges on another error message', async () => {
    const history = await record(pay, 5, [approve(false)]);
    const refuses = defineWorkflow('pay', async (ctx, amount: number) => {
      if (!(await ctx.waitForSignal<boolean>('approve'))) throw new Error(`refused ${amount}`);
      return null;
    });
    const [run] = await verdictOf(refuses, history);
    expect(run).toMatchObject({
      verdict: 'diverged',
      error: {
        position: 0,
        seq: 3,
        recorded: 'WorkflowFailed Error: "declined 5"',
        requested: 'WorkflowFailed Error: "refused 5"',
      },
    });
  });

  it('diverges when the code no longer finishes', async () => {
    const history = await record(pay, 5, [approve(false)]);
    const waits = defineWorkflow('pay', async (ctx) => {
      await ctx.waitForSignal<boolean>('approve');
      return ctx.waitForSignal<boolean>('approve');
    });
    const [run] = await verdictOf(waits, history);
    expect(run).toMatchObject({
      verdict: 'diverged',
      error: {
        recorded: 'WorkflowFailed Error: "declined 5"',
        requested: 'nothing: the code has not finished',
      },
    });
  });

  it('compares results as JSON values, key order aside', async () => {
    const history = await record(pay, 5, [approve(true), charged(5)]);
    const reordered = defineWorkflow('pay', async (ctx, amount: number) => {
      await ctx.waitForSignal<boolean>('approve');
      const receipt = await ctx.activity(charge, amount);
      return { amount, receipt };
    });
    expect((await verdictOf(reordered, history))[0]?.verdict).toBe('ok');
  });

  it('holds continue-as-new to its input', async () => {
    const loop = (step: number) =>
      defineWorkflow('loop', async (ctx, n: number) => ctx.continueAsNew(n + step));
    const history = await record(loop(1), 1, []);
    const [same] = await verdictOf(loop(1), history);
    expect(same?.verdict).toBe('ok');
    const [other] = await verdictOf(loop(2), history);
    expect(other).toMatchObject({
      verdict: 'diverged',
      error: { recorded: 'WorkflowContinuedAsNew input 2', requested: 'WorkflowContinuedAsNew input 3' },
    });
  });

  it('leaves a run closed from outside while its code waits: timed out, or terminated', async () => {
    const open = await record(pay, 5, []);
    for (const end of [
      { type: 'WorkflowTimedOut', timeout: { kind: 'execution', afterMs: 500 } },
      { type: 'WorkflowCancelled', reason: 'terminated' },
    ] as EventBody[]) {
      const history = [...open, ...envelopeEvents(workflowId, 1, 1500, [end])];
      expect((await verdictOf(pay, history))[0]?.verdict).toBe('ok');
    }
    // Cancelled, but the code recorded another end: a divergence, not a termination.
    const failed = await record(pay, 5, [approve(false)]);
    const cancelled = failed.map((event) =>
      event.type === 'WorkflowFailed'
        ? ({ ...event, type: 'WorkflowCancelled', reason: 'terminated' } as unknown as WorkflowEvent)
        : event,
    );
    expect((await verdictOf(pay, cancelled))[0]?.verdict).toBe('diverged');
  });
});

it('judges every run, and says which types it has no code for', async () => {
  const first = await record(pay, 5, [approve(true), charged(5)]);
  const other = envelopeEvents(workflowId, first.length, 9000, [
    { type: 'WorkflowStarted', workflowType: 'refund', input: 5, runId: asRunId('r2'), parentRunId: null },
  ]);
  const verdicts = await verdictOf(pay, [...first, ...other]);
  expect(verdicts.map((run) => [run.runId, run.verdict])).toEqual([
    ['r1', 'ok'],
    ['r2', 'unknownType'],
  ]);
});
