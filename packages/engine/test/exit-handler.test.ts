// The seed's exit handler tests, ported, plus the two windows it closes: a terminal written first
// by a racing writer, and the same exit handled twice.
import {
  asRunId,
  asWorkflowId,
  envelopeEvents,
  InMemoryStore,
  StoreCorruption,
  type TerminalOutcome,
  type WorkflowEvent,
} from '@reprise/core';
import {
  type ClosedRun,
  type ExitContext,
  type ExitingRun,
  handleRunExit,
  Recorder,
  successorStarted,
} from '@reprise/engine/internal';

const NOW = 1_700_000_000_000;

async function activeWorkflow() {
  const store = new InMemoryStore();
  const workflowId = asWorkflowId('checkout-1');
  const runId = asRunId('run-1');
  const recorder = new Recorder(workflowId, store);
  await recorder.append(
    [
      {
        type: 'WorkflowStarted',
        workflowType: 'checkout',
        input: { label: 'input' },
        runId,
        parentRunId: null,
      },
    ],
    NOW,
  );
  const run: ExitingRun = { workflowId, runId, workflowType: 'checkout', recorder };
  const notified: TerminalOutcome[] = [];
  const reconciled: ClosedRun[] = [];
  const successors: TerminalOutcome[] = [];
  const quarantined: StoreCorruption[] = [];
  const restarted: unknown[] = [];
  const context: ExitContext = {
    now: () => NOW + 10,
    notify: (_, closed) => notified.push(closed.outcome),
    reconcile: (_, closed) => reconciled.push(closed),
    stall: () => undefined,
    dropOutstandingWork: () => undefined,
    restart: (_, error) => restarted.push(error),
    quarantine: (_, error) => quarantined.push(error),
    startSuccessor: async (exiting, outcome) => {
      await exiting.recorder.exclusive(async () => {
        if (successorStarted(await exiting.recorder.read(), runId)) return;
        successors.push(outcome);
        await exiting.recorder.append(
          [
            {
              type: 'WorkflowStarted',
              workflowType: 'checkout',
              input: outcome.input,
              runId: asRunId('run-2'),
              parentRunId: runId,
            },
          ],
          NOW + 20,
        );
      });
    },
  };
  return {
    ...{ store, workflowId, runId, recorder, run, context },
    ...{ notified, reconciled, successors, quarantined, restarted },
  };
}

it('a normal exit records Completed, reconciles and notifies', async () => {
  const active = await activeWorkflow();
  await handleRunExit(active.context, active.run, {
    kind: 'finished',
    outcome: { status: 'Completed', result: { label: 'result' } },
  });
  expect(active.notified).toEqual([{ status: 'Completed', result: { label: 'result' } }]);
  const history = await active.store.readHistory(active.workflowId);
  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted', 'WorkflowCompleted']);
  expect(history[1]).toMatchObject({ result: { label: 'result' }, recordedAt: NOW + 10 });
  expect(active.reconciled).toEqual([
    {
      outcome: { status: 'Completed', result: { label: 'result' } },
      parent: undefined,
      openChildren: [],
      recordedAt: NOW + 10, // recorded by this exit: the run metrics count it
    },
  ]);
  expect((await active.store.getSummary(active.workflowId))?.status).toBe('Completed');
});

it('an abnormal exit records Failed, reconciles and notifies', async () => {
  const active = await activeWorkflow();
  const error = { name: 'Error', message: 'process crashed: error' };
  await handleRunExit(active.context, active.run, { kind: 'finished', outcome: { status: 'Failed', error } });
  expect(active.notified).toEqual([{ status: 'Failed', error }]);
  const history = await active.store.readHistory(active.workflowId);
  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted', 'WorkflowFailed']);
  expect(history[1]).toMatchObject({ error });
  expect(active.reconciled).toHaveLength(1);
});

it('a terminal written first by a racing writer is handed over and nothing more is recorded', async () => {
  const active = await activeWorkflow();
  // Another writer (a cancel in another process, say) records first; this process's recorder is stale.
  const racer = envelopeEvents(active.workflowId, 1, NOW + 5, [
    { type: 'WorkflowCancelled', reason: 'racer' },
  ]);
  await active.store.append(active.workflowId, racer, { expectedSeq: 1 });
  await handleRunExit(active.context, active.run, {
    kind: 'finished',
    outcome: { status: 'Completed', result: 1 },
  });
  const history = await active.store.readHistory(active.workflowId);
  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted', 'WorkflowCancelled']);
  expect(active.notified).toEqual([{ status: 'Cancelled', reason: 'racer' }]);
});

it('the same exit handled twice records one terminal', async () => {
  const active = await activeWorkflow();
  const exit = { kind: 'finished', outcome: { status: 'Completed', result: 'once' } } as const;
  await Promise.all([
    handleRunExit(active.context, active.run, exit),
    handleRunExit(active.context, active.run, exit),
  ]);
  await handleRunExit(active.context, active.run, exit);
  const history = await active.store.readHistory(active.workflowId);
  expect(history.filter((event) => event.type === 'WorkflowCompleted')).toHaveLength(1);
  expect(active.notified).toEqual([
    { status: 'Completed', result: 'once' },
    { status: 'Completed', result: 'once' },
    { status: 'Completed', result: 'once' },
  ]);
});

it('continue-as-new records the terminal once and starts the successor once, however often the exit is handled', async () => {
  const active = await activeWorkflow();
  const exit = { kind: 'finished', outcome: { status: 'ContinuedAsNew', input: { n: 2 } } } as const;
  await Promise.all([
    handleRunExit(active.context, active.run, exit),
    handleRunExit(active.context, active.run, exit),
  ]);
  await handleRunExit(active.context, active.run, exit);
  const history = await active.store.readHistory(active.workflowId);
  expect(history.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'WorkflowContinuedAsNew',
    'WorkflowStarted',
  ]);
  expect(history[2]).toMatchObject({ parentRunId: 'run-1', input: { n: 2 } });
  expect(active.notified.every((outcome) => outcome.status === 'ContinuedAsNew')).toBe(true);
  expect(active.successors).toHaveLength(1);
});

it('a final step handed over by the run is recorded with the terminal in one append, without a re-read', async () => {
  const active = await activeWorkflow();
  const parent = {
    workflowId: asWorkflowId('parent-1'),
    runId: asRunId('parent-run'),
    childId: 'c1',
    parentClosePolicy: 'terminate',
  } as const;
  let reads = 0;
  const readHistory = active.store.readHistory.bind(active.store);
  active.store.readHistory = (...args) => {
    reads++;
    return readHistory(...args);
  };
  let appends = 0;
  const append = active.store.append.bind(active.store);
  active.store.append = (...args) => {
    appends++;
    return append(...args);
  };
  const carriedOut: WorkflowEvent[][] = [];
  await handleRunExit(active.context, active.run, {
    kind: 'finished',
    outcome: { status: 'Completed', result: 'own' },
    finalStep: {
      bodies: [{ type: 'SignalReceived', signalName: 'go', payload: null }],
      recordedAt: NOW + 5,
      afterSeq: 1,
      parent,
      startedChildren: false,
      opens: false,
      recorded: (events) => carriedOut.push([...events]),
      failed: () => undefined,
    },
  });
  expect(reads).toBe(0);
  expect(appends).toBe(1);
  expect(carriedOut.map((events) => events.map((event) => event.type))).toEqual([['SignalReceived']]);
  expect(active.notified).toEqual([{ status: 'Completed', result: 'own' }]);
  expect(active.reconciled).toEqual([
    { outcome: { status: 'Completed', result: 'own' }, parent, openChildren: [], recordedAt: NOW + 5 },
  ]);
  const history = await active.store.readHistory(active.workflowId);
  expect(history.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'SignalReceived',
    'WorkflowCompleted',
  ]);
});

it('a stalled or stopped run records nothing', async () => {
  const active = await activeWorkflow();
  await handleRunExit(active.context, active.run, { kind: 'stopped' });
  expect(await active.store.lastSeq(active.workflowId)).toBe(1);
  expect(active.notified).toEqual([]);
});

describe('a damaged record (StoreCorruption) quarantines the run: nothing recorded, nothing restarted', () => {
  const damaged = () => new StoreCorruption('workflows "checkout-1"', 'checksum mismatch');
  const refuseAppends = (active: Awaited<ReturnType<typeof activeWorkflow>>) => {
    active.store.append = async () => {
      throw damaged();
    };
  };

  it('when the run reports it as its exit', async () => {
    const active = await activeWorkflow();
    await handleRunExit(active.context, active.run, { kind: 'corrupt', error: damaged() });
    expect(active.quarantined.map((error) => error.key)).toEqual(['workflows "checkout-1"']);
    expect(active.notified).toEqual([]);
    expect((await active.store.readHistory(active.workflowId)).map((event) => event.type)).toEqual([
      'WorkflowStarted',
    ]);
  });

  it('when the terminal event cannot be appended', async () => {
    const active = await activeWorkflow();
    refuseAppends(active);
    await handleRunExit(active.context, active.run, {
      kind: 'finished',
      outcome: { status: 'Completed', result: 1 },
    });
    expect(active.quarantined).toHaveLength(1);
    expect(active.notified).toEqual([]);
    expect(active.reconciled).toEqual([]);
  });

  it('when the final step cannot be appended: its waiter gets the error, the run is not restarted', async () => {
    const active = await activeWorkflow();
    refuseAppends(active);
    const failures: unknown[] = [];
    await handleRunExit(active.context, active.run, {
      kind: 'finished',
      outcome: { status: 'Completed', result: 'own' },
      finalStep: {
        bodies: [{ type: 'SignalReceived', signalName: 'go', payload: null }],
        recordedAt: NOW + 5,
        afterSeq: 1,
        parent: undefined,
        startedChildren: false,
        opens: false,
        recorded: () => undefined,
        failed: (error) => failures.push(error),
      },
    });
    expect(failures).toEqual([expect.any(StoreCorruption)]);
    expect(active.quarantined).toHaveLength(1);
    expect(active.restarted).toEqual([]);
  });
});
