import {
  asWorkflowId,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  type WorkflowEvent,
  type WorkflowStore,
} from '@reprise/core';
import { latestStart } from '@reprise/core/internal';
import { pause } from './control/serve-control.js';

/**
 * How often a follower reads the store for new events. LMDB gives no notice of another
 * process's commit; a read of what is new costs microseconds, so ten a second is cheap.
 */
const FOLLOW_POLL_MS = 100;

/**
 * Reads a workflow's events as they are recorded (by a worker, another process) and hands each
 * new batch to `onEvents`, until the latest run closes other than by continuing as new (a
 * continue-as-new is followed into its successor). `history` is what the caller has read
 * already; resolves with the last run's terminal outcome and the whole history.
 */
export async function followUntilClosed(
  store: Pick<WorkflowStore, 'readHistory'>,
  workflowId: string,
  history: readonly WorkflowEvent[],
  onEvents: (events: readonly WorkflowEvent[]) => void,
): Promise<{ outcome: TerminalOutcome; history: readonly WorkflowEvent[] }> {
  const id = asWorkflowId(workflowId);
  let seen = [...history];
  for (;;) {
    const outcome = closedOutcome(seen);
    if (outcome) return { outcome, history: seen };
    await pause(FOLLOW_POLL_MS);
    const fresh = await store.readHistory(id, { fromSeq: seen.length + 1 });
    if (fresh.length > 0) {
      seen = [...seen, ...fresh];
      onEvents(fresh);
    }
  }
}

/** The latest run's outcome, unless it is open or continued as new (its successor follows). */
function closedOutcome(history: readonly WorkflowEvent[]): TerminalOutcome | undefined {
  const start = latestStart(history);
  if (!start) return undefined;
  const outcome = terminalOutcomeFromHistory(history, start.runId);
  return outcome?.status === 'ContinuedAsNew' ? undefined : outcome;
}
