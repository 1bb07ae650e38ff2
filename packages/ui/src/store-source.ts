import { checkWorkflowId, type JsonValue, WorkflowNotFoundError, type WorkflowStore } from '@reprise/core';
import { describeSummary, pendingWorkFromHistory } from '@reprise/engine/internal';
import type { UiSource } from './source.js';

/** Actions a store-only source may carry out elsewhere (for `reprise ui`: through a worker's control socket). */
export interface StoreSourceActions {
  /** Sends a signal. */
  signal(workflowId: string, name: string, payload: JsonValue): Promise<void>;
  /** Asks a run to cancel. */
  cancel(workflowId: string, reason: string): Promise<void>;
}

/**
 * The UI over a store alone: runs, descriptions and histories read from it, with the pending
 * work a run's history shows. No supervision tree or schedules (no engine here to ask); signal
 * and cancel only when `actions` is given.
 */
export function storeSource(store: WorkflowStore, label: string, actions?: StoreSourceActions): UiSource {
  return {
    label,
    list: (filter) => store.query(filter),
    count: (filter) => store.count(filter),
    describe: async (id) => {
      const workflowId = checkWorkflowId(id);
      const summary = await store.getSummary(workflowId);
      if (!summary) throw new WorkflowNotFoundError(workflowId);
      const history = summary.status === 'Running' ? await store.readHistory(workflowId) : [];
      return { ...describeSummary(summary), ...pendingWorkFromHistory(summary, history) };
    },
    history: async (id) => {
      const workflowId = checkWorkflowId(id);
      const history = await store.readHistory(workflowId);
      if (history.length === 0) throw new WorkflowNotFoundError(workflowId);
      return history;
    },
    ...(actions ? { signal: actions.signal, cancel: actions.cancel } : {}),
  };
}
