import {
  asRunId,
  asWorkflowId,
  defineActivity,
  defineWorkflow,
  type EventBody,
  envelopeEvents,
  NonDeterminismError,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import {
  type Command,
  commandEvent,
  type ExecutionInit,
  replayRun,
  settle,
  WorkflowExecution,
} from '@reprise/core/internal';

const charge = defineActivity('charge', async (amount: number) => ({ charged: amount }));
const ship = defineActivity('ship', async (_: null) => 'shipped');

const order = defineWorkflow('order', async (ctx, input: { amount: number }) => {
  const receipt = await ctx.activity(charge, input.amount);
  await ctx.sleep('1h');
  const approval = await ctx.waitForSignal('approve', { timeout: '1d' });
  const shipped = approval ? await ctx.activity(ship, null) : 'held';
  return { receipt, shipped, id: ctx.uuid(), roll: ctx.random() };
});

const workflowId = asWorkflowId('order-1');
const runId = asRunId('run-1');
const init = (definition: WorkflowDefinition<never, unknown>): ExecutionInit => ({
  workflowId,
  runId,
  workflowType: 'order',
  input: { amount: 5 },
  startedAt: 1000,
  definition,
});

/** Runs the order workflow live, the way the engine does: apply an input, settle, record its commands. */
async function recordLive(): Promise<{ events: WorkflowEvent[]; result: unknown }> {
  const execution = new WorkflowExecution(init(order as WorkflowDefinition<never, unknown>));
  const bodies: [EventBody, number][] = [
    [
      { type: 'WorkflowStarted', workflowType: 'order', input: { amount: 5 }, runId, parentRunId: null },
      1000,
    ],
  ];
  const record = (commands: Command[], at: number) => {
    for (const command of commands) bodies.push([commandEvent(command), at]);
  };
  execution.start();
  await settle();
  record(execution.takeCommands(), 1000);
  const inputs: [EventBody, number][] = [
    [{ type: 'ActivityCompleted', activityId: 'run-1.1', attempt: 1, result: { charged: 5 } }, 2000],
    [{ type: 'TimerFired', timerId: 't1' }, 2000 + 3_600_000],
    [{ type: 'SignalReceived', signalName: 'approve', payload: true }, 2000 + 3_600_500],
    [{ type: 'ActivityCompleted', activityId: 'run-1.2', attempt: 1, result: 'shipped' }, 2000 + 3_600_900],
  ];
  for (const [input, at] of inputs) {
    bodies.push([input, at]);
    execution.apply(input, at);
    await settle();
    record(execution.takeCommands(), at);
  }
  const events = bodies.flatMap(([body, at], index) => envelopeEvents(workflowId, index, at, [body]));
  return { events, result: execution.outcome };
}

describe('replayRun', () => {
  it('re-executes a recorded run to the same outcome, with no new commands', async () => {
    const { events, result } = await recordLive();
    expect(events.map((event) => event.type)).toEqual([
      'WorkflowStarted',
      'ActivityScheduled',
      'ActivityCompleted',
      'TimerStarted',
      'TimerFired',
      'TimerStarted',
      'SignalReceived',
      'TimerCancelled',
      'ActivityScheduled',
      'ActivityCompleted',
    ]);
    expect(result).toMatchObject({
      status: 'Completed',
      result: { receipt: { charged: 5 }, shipped: 'shipped' },
    });
    const replayed = await replayRun(init(order as WorkflowDefinition<never, unknown>), events);
    expect(replayed.unmatched).toEqual([]);
    expect(replayed.execution.outcome).toEqual(result);
  });

  it('resumes from any prefix: the commands past the end are exactly the ones not yet recorded', async () => {
    const { events } = await recordLive();
    for (let cut = 1; cut <= events.length; cut++) {
      const prefix = events.slice(0, cut);
      const replayed = await replayRun(init(order as WorkflowDefinition<never, unknown>), prefix);
      const expectedNext = events
        .slice(cut)
        .findIndex((event) => !['ActivityScheduled', 'TimerStarted', 'TimerCancelled'].includes(event.type));
      const recordedNext = events.slice(cut, expectedNext < 0 ? undefined : cut + expectedNext);
      expect(replayed.unmatched.map((command) => commandEvent(command).type)).toEqual(
        recordedNext.map((event) => event.type),
      );
    }
  });

  it('reports a reordered activity as NonDeterminismError naming the position, recorded and requested', async () => {
    const { events } = await recordLive();
    const reordered = defineWorkflow('order', async (ctx, input: { amount: number }) => {
      await ctx.activity(ship, null);
      return ctx.activity(charge, input.amount);
    });
    const error = await replayRun(init(reordered as WorkflowDefinition<never, unknown>), events).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error).toMatchObject({
      position: 0,
      recorded: 'ActivityScheduled charge (activity run-1.1)',
      requested: 'ActivityScheduled ship (activity run-1.1)',
    });
  });

  it('reports code that stops short of its history', async () => {
    const { events } = await recordLive();
    const short = defineWorkflow('order', async (ctx, input: { amount: number }) =>
      ctx.activity(charge, input.amount),
    );
    await expect(replayRun(init(short as WorkflowDefinition<never, unknown>), events)).rejects.toMatchObject({
      code: 'non_determinism',
      position: 1,
      recorded: 'TimerStarted t1',
      requested: undefined,
    });
  });

  it('draws the same random numbers and uuids on replay, different ones for another run', async () => {
    const { events, result } = await recordLive();
    const replayed = await replayRun(init(order as WorkflowDefinition<never, unknown>), events);
    expect(replayed.execution.outcome).toEqual(result);
    const other = await replayRun(
      { ...init(order as WorkflowDefinition<never, unknown>), runId: asRunId('run-2') },
      events
        .map((event) => (event.type === 'WorkflowStarted' ? { ...event, runId: asRunId('run-2') } : event))
        .map((event) =>
          'activityId' in event
            ? { ...event, activityId: String(event.activityId).replace('run-1', 'run-2') }
            : event,
        ) as WorkflowEvent[],
    );
    const first = (result as unknown as { result: { id: string; roll: number } }).result;
    const second = (other.execution.outcome as unknown as { result: { id: string; roll: number } }).result;
    expect(second.id).not.toBe(first.id);
    expect(second.roll).not.toBe(first.roll);
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
