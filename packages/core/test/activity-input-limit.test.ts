// An activity's input is checked against the limit of the engine running the code, and a
// refusal names the activity: the check made once per definition must not carry one
// engine's limit (or its absence) to another.

import {
  asRunId,
  asWorkflowId,
  defineActivity,
  defineWorkflow,
  PayloadError,
  type WorkflowDefinition,
} from '@reprise/core';
import { settle, WorkflowExecution } from '@reprise/core/internal';

const upload = defineActivity('upload', async (text: string) => text.length);

const uploader = defineWorkflow('uploader', async (ctx, text: string) => {
  try {
    return await ctx.activity(upload, text);
  } catch (error) {
    return error instanceof PayloadError ? `refused: ${error.message}` : 'other';
  }
});

async function firstStep(input: string, maxPayloadBytes: number | undefined): Promise<unknown> {
  const execution = new WorkflowExecution({
    workflowId: asWorkflowId('uploader-1'),
    runId: asRunId('run-1'),
    workflowType: 'uploader',
    input,
    startedAt: 0,
    definition: uploader as WorkflowDefinition<never, unknown>,
    ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }),
  });
  execution.start();
  await settle();
  const commands = execution.takeCommands();
  return execution.outcome?.status === 'Completed' ? execution.outcome.result : commands.map((c) => c.kind);
}

it('checks each activity call against its own engine limit, and names the activity input when refusing', async () => {
  const big = 'x'.repeat(200);
  expect(await firstStep(big, undefined)).toEqual(['ScheduleActivity']);
  const refused = await firstStep(big, 100);
  expect(refused).toMatch(/^refused: /);
  expect(refused).toContain('activity upload input');
  expect(await firstStep(big, 10_000)).toEqual(['ScheduleActivity']);
  expect(await firstStep(big, 100)).toMatch(/activity upload input/);
  expect(await firstStep(big, undefined)).toEqual(['ScheduleActivity']);
});
