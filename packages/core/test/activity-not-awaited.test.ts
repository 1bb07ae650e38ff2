// An activity the code started and never awaited may fail or be cancelled: its rejection is
// nobody's, and must not reach the process as an unhandled rejection (which crashes Node).

import {
  asRunId,
  asWorkflowId,
  defineActivity,
  defineWorkflow,
  type WorkflowDefinition,
} from '@reprise/core';
import { settle, WorkflowExecution } from '@reprise/core/internal';

const flaky = defineActivity('flaky', async (n: number) => n);

const forgetful = defineWorkflow('forgetful', async (ctx) => {
  void ctx.activity(flaky, 1);
  void ctx.activity(flaky, 2);
  await ctx.sleep('1h');
  return 'done';
});

it('a failed or cancelled activity that the code never awaited rejects no promise unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const execution = new WorkflowExecution({
      workflowId: asWorkflowId('forgetful-1'),
      runId: asRunId('run-1'),
      workflowType: 'forgetful',
      input: null,
      startedAt: 0,
      definition: forgetful as WorkflowDefinition<never, unknown>,
    });
    execution.start();
    await settle();
    expect(execution.takeCommands().map((command) => command.kind)).toEqual([
      'ScheduleActivity',
      'ScheduleActivity',
      'StartTimer',
    ]);
    execution.apply(
      {
        type: 'ActivityFailed',
        activityId: 'run-1.1',
        attempt: 1,
        error: { name: 'Error', message: 'boom' },
      },
      10,
    );
    execution.apply({ type: 'WorkflowCancelRequested', reason: 'stop' }, 20);
    expect(execution.takeCommands().map((command) => command.kind)).toContain('RequestCancelActivity');
    // Unhandled rejections are reported once the microtasks have run: a macrotask later.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
