// The replay of a run being opened: its WorkflowStarted alone, not recorded yet (every new run).
import {
  asRunId,
  asWorkflowId,
  defineActivity,
  defineWorkflow,
  envelopeEvents,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import { type ExecutionInit, replayRun } from '@reprise/core/internal';

const charge = defineActivity('charge', async (amount: number) => amount);

const lines: string[] = [];
const patchedOrder = defineWorkflow('order', async (ctx, amount: number) => {
  ctx.log.info(`charging ${amount}`);
  if (ctx.patched('charge-twice')) await ctx.activity(charge, amount);
  return ctx.activity(charge, amount);
});

const workflowId = asWorkflowId('order-1');
const runId = asRunId('run-1');
const init: ExecutionInit = {
  workflowId,
  runId,
  workflowType: 'order',
  input: 5,
  startedAt: 1000,
  definition: patchedOrder as WorkflowDefinition<never, unknown>,
  log: (_level, message) => {
    lines.push(message);
  },
};

/** The run's WorkflowStarted at `seq` (a reused id has events before it); `parent` makes it a child's. */
function started(seq: number, parent = false): WorkflowEvent[] {
  return envelopeEvents(workflowId, seq - 1, 1000, [
    {
      type: 'WorkflowStarted',
      workflowType: 'order',
      input: 5,
      runId,
      parentRunId: null,
      ...(parent
        ? {
            parent: {
              workflowId: asWorkflowId('p'),
              runId: asRunId('pr'),
              childId: 'c1',
              parentClosePolicy: 'abandon' as const,
            },
          }
        : {}),
    },
  ]);
}

beforeEach(() => {
  lines.length = 0;
});

describe('replayRun of a run being opened', () => {
  it("runs the first step as new work: every command unmatched, after the start's seq", async () => {
    const replayed = await replayRun(init, started(7), { opening: true, loggedThrough: 0 });
    expect(replayed.unmatched.map((command) => command.kind)).toEqual(['RecordPatch', 'ScheduleActivity']);
    expect(replayed.unmatchedAfter).toBe(7);
    expect(replayed.matched).toEqual([]);
    expect(replayed.recordedOutcome).toBeUndefined();
    expect(replayed.paused).toBeUndefined();
    expect(replayed.execution.outcome).toBeUndefined();
  });

  it('answers ctx.patched as for a start recorded alone (a child), not as for a client start recorded with its step', async () => {
    const opening = await replayRun(init, started(1), { opening: true, loggedThrough: 0 });
    const child = await replayRun(init, started(1, true), { loggedThrough: 0 });
    const recordedClientStart = await replayRun(init, started(1), { loggedThrough: 0 });
    expect(opening.unmatched).toEqual(child.unmatched);
    expect(recordedClientStart.unmatched.map((command) => command.kind)).toEqual(['ScheduleActivity']);
  });

  it('keeps the first step silent up to loggedThrough, and logs from then on', async () => {
    const opened = await replayRun(init, started(3), { opening: true, loggedThrough: 2 });
    opened.execution.releaseLog();
    expect(lines).toEqual(['charging 5']);
    const silent = await replayRun(init, started(3), { opening: true, loggedThrough: 3 });
    silent.execution.releaseLog();
    expect(lines).toEqual(['charging 5']);
    expect(silent.execution.silent).toBe(false);
  });

  it("holds the first step's lines until they are released: a start never recorded writes none", async () => {
    lines.length = 0;
    const opened = await replayRun(init, started(3), { opening: true, loggedThrough: 0 });
    expect(lines).toEqual([]);
    opened.execution.releaseLog();
    expect(lines).toEqual(['charging 5']);
    await replayRun(init, started(3), { opening: true, loggedThrough: 0 });
    expect(lines).toEqual(['charging 5']);
  });
});
