import type { RunId, WorkflowEvent, WorkflowStatus } from '@reprise/core';
import { terminalOutcomeOfEvent } from '@reprise/core/internal';

/** One run of a workflow id, as `list --all-runs` shows it. */
export interface RunRow {
  readonly workflowId: string;
  readonly runId: RunId;
  readonly workflowType: string;
  readonly status: WorkflowStatus;
  readonly startedAt: number;
  readonly closedAt?: number;
}

/**
 * Every run of a history, newest first: each run's status is the latest terminal event of its
 * own segment (as `terminalOutcomeFromHistory` reads it), `Running` if it has none.
 */
export function runsOfHistory(workflowId: string, history: readonly WorkflowEvent[]): RunRow[] {
  const rows: RunRow[] = [];
  let current:
    | { start: WorkflowEvent & { type: 'WorkflowStarted' }; end?: WorkflowEvent; status?: WorkflowStatus }
    | undefined;
  const flush = () => {
    if (!current) return;
    const { start, end, status } = current;
    rows.push({
      workflowId,
      runId: start.runId,
      workflowType: start.workflowType,
      status: status ?? 'Running',
      startedAt: start.recordedAt,
      ...(end ? { closedAt: end.recordedAt } : {}),
    });
  };
  for (const event of history) {
    if (event.type === 'WorkflowStarted') {
      flush();
      current = { start: event };
      continue;
    }
    if (!current) continue;
    const outcome = terminalOutcomeOfEvent(event, current.start.runId);
    if (outcome) {
      current.end = event;
      current.status = outcome.status;
    }
  }
  flush();
  return rows.reverse();
}
