import { checkWorkflowId, type JsonValue, WorkflowNotFoundError, type WorkflowStore } from '@reprise/core';
import { describeSummary, pendingWorkFromHistory } from '@reprise/engine/internal';
import type { UiNewRun, UiResetOptions, UiSchedules, UiSource } from './source.js';

/** Actions a store-only source may carry out elsewhere (for `reprise ui`: through a worker's control socket). */
export interface StoreSourceActions {
  /** Sends a signal. */
  signal(workflowId: string, name: string, payload: JsonValue): Promise<void>;
  /** Asks a run to cancel. */
  cancel(workflowId: string, reason: string): Promise<void>;
  /** Ends a run at once. */
  terminate?(workflowId: string, reason: string): Promise<void>;
  /** Pauses a run. */
  pause?(workflowId: string, reason: string): Promise<void>;
  /** Resumes a paused run. */
  resume?(workflowId: string, reason: string): Promise<void>;
  /** Sends an update and resolves with its result. */
  update?(workflowId: string, name: string, args: JsonValue): Promise<JsonValue>;
  /** Resets a workflow to an event of its latest run. */
  reset?(workflowId: string, options: UiResetOptions): Promise<UiNewRun>;
  /** Why the actions cannot be carried out now (no worker runs), or `undefined` when they can. */
  unavailable?(): Promise<string | undefined>;
  /** Schedules, read and changed elsewhere (for `reprise ui`: by the worker's engine). */
  readonly schedules?: UiSchedules;
}

/**
 * The UI over a store alone: runs, descriptions and histories read from it, with the pending
 * work a run's history shows. No supervision tree, nor schedules unless `actions` has them (no
 * engine here to ask); signal
 * and cancel (and the other actions given) only when `actions` is given.
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
    ...(actions ? storeActions(actions) : {}),
  };
}

/** The actions given, as the source's own (each only where given). */
function storeActions(actions: StoreSourceActions): Partial<UiSource> {
  const { signal, cancel, terminate, pause, resume, update, reset, unavailable, schedules } = actions;
  return {
    signal,
    cancel,
    ...(terminate ? { terminate } : {}),
    ...(pause ? { pause } : {}),
    ...(resume ? { resume } : {}),
    ...(update ? { update } : {}),
    ...(reset ? { reset } : {}),
    ...(unavailable ? { actionsUnavailable: unavailable } : {}),
    ...(schedules ? { schedules } : {}),
  };
}
