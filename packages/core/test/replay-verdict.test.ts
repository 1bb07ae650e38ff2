// replayVerdict, the one replay verdict: commands in order, no command missing from a step that was recorded, the recorded end; each divergence names its position and seq.
import {
  asRunId,
  defineActivity,
  defineWorkflow,
  type EventBody,
  envelopeEvents,
  type WorkflowContext,
  type WorkflowEvent,
} from '@reprise/core';
import { type AnyWorkflowDefinition, replayVerdict } from '@reprise/core/internal';
import { createTestEngine } from '@reprise/testkit';

const charge = defineActivity('charge', async (amount: number) => ({ charged: amount }));
const notify = defineActivity('notify', async (_: null) => 'sent');

/** `pay` as recorded, or changed after its wait for `approve` (the code a replay runs). */
const payThen = (rest: (ctx: WorkflowContext, amount: number, approved: boolean) => Promise<unknown>) =>
  defineWorkflow('pay', async (ctx, amount: number) =>
    rest(ctx, amount, (await ctx.waitForSignal<boolean>('approve')) === true),
  );

/** Waits for `approve`, then charges; a refusal fails the run. */
const pay = payThen(async (ctx, amount, approved) => {
  if (!approved) throw new Error(`declined ${amount}`);
  const receipt = await ctx.activity(charge, amount);
  return { receipt, amount };
});

/** Runs `definition` on a test engine, sending `approve` with each of `approvals`; its history. */
async function record(
  definition: AnyWorkflowDefinition,
  input: number,
  approvals: readonly boolean[],
): Promise<WorkflowEvent[]> {
  const env = await createTestEngine({ workflows: [definition], activities: [charge, notify] });
  try {
    const handle = await env.engine.start(definition, input, { workflowId: 'pay-1' });
    for (const approved of approvals) await handle.signal('approve', approved);
    await env.advance('1h');
    return [...(await handle.history())];
  } finally {
    await env.close();
  }
}

const runOf = (history: readonly WorkflowEvent[]) => (history[0] as WorkflowEvent & { runId: string }).runId;
const append = (history: readonly WorkflowEvent[], bodies: readonly EventBody[]): WorkflowEvent[] => {
  const last = history[history.length - 1] as WorkflowEvent;
  return [...history, ...envelopeEvents(last.workflowId, last.seq, last.recordedAt + 5, bodies)];
};
const verdictOf = async (definition: AnyWorkflowDefinition, history: readonly WorkflowEvent[]) =>
  replayVerdict(new Map([[definition.name, definition]]), history);

it('is ok for the code that recorded the history, with both ends', async () => {
  const history = await record(pay, 5, [true]);
  expect(history.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'SignalReceived',
    'ActivityScheduled',
    'ActivityCompleted',
    'WorkflowCompleted',
  ]);
  const result = { receipt: { charged: 5 }, amount: 5 };
  expect(await verdictOf(pay, history)).toEqual([
    {
      workflowId: 'pay-1',
      runId: runOf(history),
      workflowType: 'pay',
      verdict: 'ok',
      recordedOutcome: { status: 'Completed', result },
      replayedOutcome: { status: 'Completed', result },
    },
  ]);
});

it('names a reordered command by position and by the seq of the recorded one', async () => {
  const history = await record(pay, 5, [true]);
  const notifiesFirst = payThen(async (ctx, amount) => {
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
      recorded: `ActivityScheduled charge (activity ${runOf(history)}.1)`,
      requested: `ActivityScheduled notify (activity ${runOf(history)}.1)`,
    },
  });
});

it('names an input the code cannot take by its own seq, not by a command', async () => {
  const history = await record(pay, 5, [true]);
  const stray = history.map((event) =>
    event.type === 'ActivityCompleted' ? { ...event, activityId: `${runOf(history)}.9` } : event,
  );
  const [run] = await verdictOf(pay, stray);
  expect(run).toMatchObject({ verdict: 'diverged', error: { position: 1, seq: 4 } });
});

describe('commands past the end of history', () => {
  it('are new work after an input recorded while the run was not in memory', async () => {
    // `reprise signal` with no worker, or a signal to an evicted run: the input alone is appended.
    const waiting = await record(pay, 5, []);
    expect(waiting.map((event) => event.type)).toEqual(['WorkflowStarted']);
    const history = append(waiting, [{ type: 'SignalReceived', signalName: 'approve', payload: true }]);
    const [run] = await verdictOf(pay, history);
    expect(run).toMatchObject({ verdict: 'ok', recordedOutcome: undefined, replayedOutcome: undefined });
  });

  it('diverge when the step that asks for them was recorded without them', async () => {
    // The run as it stood while its activity ran: the signal and the command it led to.
    const history = (await record(pay, 5, [true])).slice(0, 3);
    const notifiesToo = payThen(async (ctx, amount) => {
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
        requested: `ActivityScheduled notify (activity ${runOf(history)}.2)`,
      },
    });
  });

  it('diverge before an end the code recorded, even when the code ends the same way', async () => {
    const history = await record(pay, 5, [true]);
    const tags = payThen(async (ctx, amount) => {
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
    const history = await record(pay, 5, [false]);
    const refuses = payThen(async (_ctx, amount) => {
      throw new Error(`refused ${amount}`);
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
    const history = await record(pay, 5, [false]);
    const waits = payThen((ctx) => ctx.waitForSignal<boolean>('approve'));
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
    const history = await record(pay, 5, [true]);
    const reordered = payThen(async (ctx, amount) => ({
      amount,
      receipt: await ctx.activity(charge, amount),
    }));
    const [run] = await verdictOf(reordered, history);
    expect(run?.verdict).toBe('ok');
  });

  it('holds continue-as-new to its input', async () => {
    const loop = (step: number) =>
      defineWorkflow('loop', async (ctx, n: number) => (n < 2 ? ctx.continueAsNew(n + step) : n));
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
    const waiting = await record(pay, 5, []);
    for (const end of [
      { type: 'WorkflowTimedOut', timeout: { kind: 'execution', afterMs: 500 } },
      { type: 'WorkflowCancelled', reason: 'terminated' },
    ] as EventBody[]) {
      const [run] = await verdictOf(pay, append(waiting, [end]));
      expect(run?.verdict).toBe('ok');
    }
    // Cancelled, but the code recorded another end: a divergence, not a termination.
    const failed = await record(pay, 5, [false]);
    const cancelled = failed.map((event) =>
      event.type === 'WorkflowFailed'
        ? ({ ...event, type: 'WorkflowCancelled', reason: 'terminated' } as unknown as WorkflowEvent)
        : event,
    );
    const [run] = await verdictOf(pay, cancelled);
    expect(run?.verdict).toBe('diverged');
  });
});

it('judges every run, and says which types it has no code for', async () => {
  const paid = await record(pay, 5, [true]);
  const history = append(paid, [
    { type: 'WorkflowStarted', workflowType: 'refund', input: 5, runId: asRunId('r2'), parentRunId: null },
  ]);
  const verdicts = await verdictOf(pay, history);
  expect(verdicts.map((run) => [run.runId, run.verdict])).toEqual([
    [runOf(history), 'ok'],
    ['r2', 'unknownType'],
  ]);
});
