import {
  asWorkflowId,
  type EventStore,
  type ExportedHistory,
  toExportedHistory,
  WorkflowNotFoundError,
} from '@reprise/core';

// The format lives in core, shared with the CLI: the testkit re-exports its names.
export {
  EXPORTED_HISTORY_FORMAT,
  type ExportedHistory,
  readExportedHistory,
} from '@reprise/core';

/**
 * Exports the whole history of a workflow id (every run) from a store, as JSON-able data:
 * `JSON.stringify` it to a file, and `replayHistories` it against new code. Throws
 * `WorkflowNotFoundError` for an id the store has no events for.
 */
export async function exportHistory(store: EventStore, workflowId: string): Promise<ExportedHistory> {
  const events = await store.readHistory(asWorkflowId(workflowId));
  if (events.length === 0) throw new WorkflowNotFoundError(workflowId);
  return toExportedHistory(events);
}
