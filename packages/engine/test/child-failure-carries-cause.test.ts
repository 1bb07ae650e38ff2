// A failed child reaches its parent as a ChildWorkflowFailure whose standard `cause` (ES2022) is
// the child's error, rebuilt from its recorded data, beside `.failure`, the data itself.
import { ChildWorkflowFailure, defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

// A TypeError would stall the child as a bug; this one is its outcome on purpose (`failOn`).
const failing = defineWorkflow(
  'failing',
  async () => {
    throw new TypeError('the child broke');
  },
  { failOn: [TypeError] },
);
const parent = defineWorkflow('parent', async (ctx) => {
  try {
    await ctx.child(failing, null);
    return 'unreachable';
  } catch (error) {
    const failure = error as ChildWorkflowFailure;
    const cause = failure.cause as Error;
    return {
      isChildFailure: failure instanceof ChildWorkflowFailure,
      causeIsError: cause instanceof Error,
      causeName: cause.name,
      causeMessage: cause.message,
      causeStack: typeof cause.stack === 'string' && cause.stack.includes('the child broke'),
      failure: { name: failure.failure.name, message: failure.failure.message },
    };
  }
});

it("a ChildWorkflowFailure's cause is the child's error, and its failure the error's data", async () => {
  const env = await createTestEngine({ workflows: [parent, failing] });
  const handle = await env.engine.start(parent, null);
  expect(await handle.result()).toEqual({
    isChildFailure: true,
    causeIsError: true,
    causeName: 'TypeError',
    causeMessage: 'the child broke',
    causeStack: true,
    failure: { name: 'TypeError', message: 'the child broke' },
  });
  await env.close();
});
