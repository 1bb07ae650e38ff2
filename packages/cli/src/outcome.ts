import {
  asWorkflowId,
  type TerminalOutcome,
  WorkflowCancelledError,
  WorkflowFailedError,
  WorkflowTimedOutError,
} from '@reprise/core';
import type { CommandContext } from './command-context.js';
import { withExistingStore } from './data-dir.js';
import { EXIT } from './exit-codes.js';
import { followUntilClosed } from './follow.js';

/**
 * Waits until the workflow closes (following continue-as-new into the next run), reading the
 * store the worker writes. Prints the result as JSON on stdout. A run that did not complete is
 * an error naming how it ended (exit 7); with `json`, its outcome is printed first.
 */
export async function waitForOutcome(
  context: CommandContext,
  dataPath: string,
  workflowId: string,
  json: boolean,
): Promise<void> {
  const { outcome } = await withExistingStore(dataPath, async (store) =>
    followUntilClosed(store, workflowId, await store.readHistory(asWorkflowId(workflowId)), () => undefined),
  );
  if (json) {
    context.out(JSON.stringify({ workflowId, ...outcome }));
    if (outcome.status !== 'Completed') context.exitWith(EXIT.notCompleted);
    return;
  }
  if (outcome.status === 'Completed') {
    context.out(JSON.stringify(outcome.result, null, 2));
    return;
  }
  throw outcomeError(workflowId, outcome);
}

/** The error `handle.result()` would reject with for a run that ended this way. */
function outcomeError(workflowId: string, outcome: TerminalOutcome): Error {
  switch (outcome.status) {
    case 'Failed':
      return new WorkflowFailedError(workflowId, outcome.error);
    case 'Cancelled':
      return new WorkflowCancelledError(workflowId, outcome.reason ?? undefined);
    case 'TimedOut':
      return new WorkflowTimedOutError(workflowId, outcome.timeout.afterMs);
    default:
      return new Error(`workflow ${JSON.stringify(workflowId)} ended ${outcome.status}`);
  }
}
